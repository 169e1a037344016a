#pragma once
// What /proc says about the processes in a measurement: CPU time (utime + stime, which on this kernel's tick
// accounting includes the softirq network work done on the process's behalf), RSS, and the whole machine's
// busy time, so that a window in which other processes used the CPU can be recognised and refused.
// Thread affinity: none (reads files).

#include <cstdint>
#include <map>
#include <string>
#include <sys/types.h>

namespace flyover::bench {

/// CPU seconds (user + system) used so far by process `pid` (all its threads); -1 if it is gone.
double process_cpu_seconds(pid_t pid);
/// VmRSS of `pid` in KiB; -1 if it is gone.
long process_rss_kib(pid_t pid);

/// The machine's CPU time split, in seconds summed over all CPUs, from the first line of /proc/stat.
struct MachineCpu {
    double busy = 0;     ///< user + nice + system + irq + softirq
    double steal = 0;    ///< time the hypervisor gave to someone else
    double total = 0;    ///< everything including idle and iowait
};
MachineCpu machine_cpu();

/// CPU seconds of every process except `a` and `b` (and their threads), by pid, with its command name.
struct OtherProcess {
    double cpu = 0;
    std::string comm;
};
std::map<int, OtherProcess> other_processes(pid_t a, pid_t b);
/// The other processes' CPU between two snapshots of other_processes(): processes present in both count
/// their difference, new ones all their time (they started in between); ones that ended are missed here
/// (the machine-wide figure catches them). `top` gets the three busiest as "name:percent-of-window".
double others_between(const std::map<int, OtherProcess>& a, const std::map<int, OtherProcess>& b, double window_s,
                      std::string* top);

/// One snapshot of the numbers a measuring window compares.
struct CpuSnapshot {
    double t = 0;        ///< steady clock seconds
    double server = 0;   ///< the server under test
    double self = 0;     ///< this load generator
    std::map<int, OtherProcess> others;  ///< every other process
    MachineCpu machine;
    long server_rss_kib = 0;
};
CpuSnapshot snapshot(pid_t server);

/// Load average (1 minute).
double loadavg1();

}  // namespace flyover::bench
