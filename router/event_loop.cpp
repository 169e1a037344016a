#include "router/event_loop.hpp"

namespace flyover::router {

void run_event_loop(net::io_context& ioc, std::chrono::microseconds busy_poll) {
    if (busy_poll.count() <= 0) {
        ioc.run();
        return;
    }
    using Clock = std::chrono::steady_clock;
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

}  // namespace flyover::router
