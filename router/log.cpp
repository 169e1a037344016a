#include "router/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace flyover::router {
namespace {
std::atomic<int> current_level{static_cast<int>(LogLevel::info)};
std::mutex write_mutex;  // keeps lines from different threads whole

const char* level_name(LogLevel l) {
    switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info ";
    case LogLevel::warn: return "warn ";
    case LogLevel::error: return "error";
    }
    return "?    ";
}
}  // namespace

bool parse_log_level(std::string_view text, LogLevel& out) {
    if (text == "debug") out = LogLevel::debug;
    else if (text == "info") out = LogLevel::info;
    else if (text == "warn") out = LogLevel::warn;
    else if (text == "error") out = LogLevel::error;
    else return false;
    return true;
}

void set_log_level(LogLevel level) { current_level = static_cast<int>(level); }

bool log_enabled(LogLevel level) { return static_cast<int>(level) >= current_level.load(std::memory_order_relaxed); }

void log(LogLevel level, std::string_view message) {
    if (!log_enabled(level)) return;
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    std::string line;
    line.reserve(message.size() + 40);
    line += stamp;
    line += ' ';
    line += level_name(level);
    line += ' ';
    line += message;
    line += '\n';
    std::lock_guard lock(write_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace flyover::router
