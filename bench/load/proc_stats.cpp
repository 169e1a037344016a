#include "bench/load/proc_stats.hpp"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>
#include <algorithm>

namespace flyover::bench {
namespace {

double ticks_per_second() {
    static const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
    return hz;
}

bool read_file(const char* path, char* buf, std::size_t size, std::size_t& n) {
    FILE* f = std::fopen(path, "re");
    if (!f) return false;
    n = std::fread(buf, 1, size - 1, f);
    std::fclose(f);
    buf[n] = 0;
    return true;
}

/// utime + stime in ticks from a /proc/PID/stat text; -1 on parse failure.
long long stat_ticks(const char* text) {
    const char* p = std::strrchr(text, ')');
    if (!p) return -1;
    ++p;
    // Fields after the command: 3 state, 4 ppid, ..., 14 utime, 15 stime.
    long long utime = 0, stime = 0;
    int field = 2;
    while (*p && field < 15) {
        while (*p == ' ') ++p;
        ++field;
        if (field == 14) utime = std::strtoll(p, nullptr, 10);
        if (field == 15) stime = std::strtoll(p, nullptr, 10);
        while (*p && *p != ' ') ++p;
    }
    return field == 15 ? utime + stime : -1;
}

}  // namespace

double process_cpu_seconds(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    char buf[1024];
    std::size_t n = 0;
    if (!read_file(path, buf, sizeof buf, n)) return -1;
    long long t = stat_ticks(buf);
    return t < 0 ? -1 : static_cast<double>(t) / ticks_per_second();
}

long process_rss_kib(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
    char buf[4096];
    std::size_t n = 0;
    if (!read_file(path, buf, sizeof buf, n)) return -1;
    const char* p = std::strstr(buf, "VmRSS:");
    if (!p) return -1;
    return std::strtol(p + 6, nullptr, 10);
}

MachineCpu machine_cpu() {
    char buf[512];
    std::size_t n = 0;
    MachineCpu m;
    if (!read_file("/proc/stat", buf, sizeof buf, n)) return m;
    unsigned long long v[10] = {};
    std::sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                &v[6], &v[7], &v[8], &v[9]);
    double hz = ticks_per_second();
    m.busy = static_cast<double>(v[0] + v[1] + v[2] + v[5] + v[6]) / hz;
    m.steal = static_cast<double>(v[7]) / hz;
    m.total = static_cast<double>(v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]) / hz;
    return m;
}

std::map<int, OtherProcess> other_processes(pid_t a, pid_t b) {
    std::map<int, OtherProcess> out;
    DIR* d = opendir("/proc");
    if (!d) return out;
    char path[300];
    char buf[1024];
    while (auto* e = readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        long pid = std::strtol(e->d_name, nullptr, 10);
        if (pid == a || pid == b) continue;
        std::snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        std::size_t n = 0;
        if (!read_file(path, buf, sizeof buf, n)) continue;
        long long t = stat_ticks(buf);
        if (t < 0) continue;
        OtherProcess p;
        p.cpu = static_cast<double>(t) / ticks_per_second();
        const char* open = std::strchr(buf, '(');
        const char* close = std::strrchr(buf, ')');
        if (open && close && close > open) p.comm.assign(open + 1, close);
        out.emplace(static_cast<int>(pid), std::move(p));
    }
    closedir(d);
    return out;
}

double others_between(const std::map<int, OtherProcess>& a, const std::map<int, OtherProcess>& b, double window_s,
                      std::string* top) {
    double sum = 0;
    std::vector<std::pair<double, std::string>> used;
    for (auto& [pid, p] : b) {
        auto it = a.find(pid);
        double d = it == a.end() ? p.cpu : p.cpu - it->second.cpu;
        if (d <= 0) continue;
        sum += d;
        used.emplace_back(d, p.comm);
    }
    if (top) {
        std::sort(used.begin(), used.end(), [](auto& x, auto& y) { return x.first > y.first; });
        top->clear();
        for (std::size_t i = 0; i < used.size() && i < 3; ++i) {
            char pct[32];
            std::snprintf(pct, sizeof pct, ":%.0f%%", 100.0 * used[i].first / window_s);
            if (!top->empty()) *top += " ";
            *top += used[i].second + pct;
        }
    }
    return sum;
}

CpuSnapshot snapshot(pid_t server) {
    CpuSnapshot s;
    s.t = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    s.server = server > 0 ? process_cpu_seconds(server) : 0;
    s.self = process_cpu_seconds(getpid());
    s.others = other_processes(server, getpid());
    s.machine = machine_cpu();
    s.server_rss_kib = server > 0 ? process_rss_kib(server) : 0;
    return s;
}

double loadavg1() {
    char buf[128];
    std::size_t n = 0;
    if (!read_file("/proc/loadavg", buf, sizeof buf, n)) return -1;
    return std::strtod(buf, nullptr);
}

}  // namespace flyover::bench
