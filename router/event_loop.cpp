#include "router/event_loop.hpp"

#include <time.h>

#include <thread>

#include "router/read_stats.hpp"

namespace flyover::router {

namespace {

using Clock = std::chrono::steady_clock;

void run_busy_polling(net::io_context& ioc, std::chrono::microseconds busy_poll) {
    auto last_work = Clock::now();
    while (!ioc.stopped()) {
        // poll() runs every ready handler and asks the kernel for I/O without waiting (epoll_wait, timeout 0).
        if (ioc.poll() > 0) {
            last_work = Clock::now();
            continue;
        }
        if (Clock::now() - last_work < busy_poll) continue;
        // Quiet for busy_poll: sleep until the next event. 0 means stopped, or no work left at all.
        if (ioc.run_one() == 0) break;
        last_work = Clock::now();
    }
}

/// CPU time the calling thread has used (user and system).
std::chrono::nanoseconds thread_cpu_time() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

std::size_t run_with_batching_pauses(net::io_context& ioc, std::chrono::microseconds pause,
                                     std::chrono::microseconds after) {
    std::size_t pauses = 0;
    int busy_windows = 0;  // consecutive windows of sustained load
    auto window_start = Clock::now();
    auto cpu_at_start = thread_cpu_time();
    ReadStats reads_at_start = this_thread_reads;
    // run_one() sleeps in epoll_wait when there is nothing to do, as run() would. Once per `after` (a window)
    // the loop looks back. It pauses when the thread used at least 95 % of the wall time in this window and the
    // two before (sustained load: a burst at moderate load, with 90 % and one window, paused there and raised
    // the p99 at half of saturation from about 0.4 to up to 7 ms) and this window's reads carried fewer than two
    // frames each (messages trickle in one by one, so waiting would group them). When the reads already carry
    // several frames each, the thread is the bottleneck and a pause would only cost throughput (bench/RESULTS.md,
    // session 8: 1->100 fan-out, 8 frames per read, 12 % fewer events/s with pauses).
    while (ioc.run_one() > 0) {
        const auto now = Clock::now();
        if (now - window_start < after) continue;
        const auto cpu = thread_cpu_time();
        const ReadStats& r = this_thread_reads;
        busy_windows = (cpu - cpu_at_start) * 100 >= (now - window_start) * 95 ? busy_windows + 1 : 0;
        const bool sustained = busy_windows >= 3;
        const bool trickle = r.frames - reads_at_start.frames < 2 * (r.reads - reads_at_start.reads);
        if (sustained && trickle) {
            std::this_thread::sleep_for(pause);
            ++pauses;
        }
        window_start = Clock::now();  // after the pause: its sleep is not idle time of the next window
        cpu_at_start = cpu;            // sleeping used no CPU worth another system call to read
        reads_at_start = this_thread_reads;
    }
    return pauses;
}

}  // namespace

std::size_t run_event_loop(net::io_context& ioc, const EventLoopOptions& options) {
    if (options.busy_poll.count() > 0) {
        run_busy_polling(ioc, options.busy_poll);
        return 0;
    }
    if (options.batch_pause.count() > 0) return run_with_batching_pauses(ioc, options.batch_pause, options.batch_after);
    ioc.run();
    return 0;
}

}  // namespace flyover::router
