#pragma once
// How an I/O thread runs the io_context: asleep in the kernel between events (the default), or polling for a
// while after each burst of work first (busy polling, the config's busy_poll_us).
//
// Why: a thread that sleeps in epoll_wait is woken by an interrupt, and on a virtual machine that wake-up
// costs tens of microseconds per message (bench/RESULTS.md: one caller's round trip p50 drops from about
// 146 µs to about 50 µs with 60 µs of polling). The price is CPU: a thread that gets work more often than
// every busy_poll_us never sleeps, so a lightly loaded router shows a busy core. Thread affinity: call it on
// each I/O thread.

#include <chrono>

#include "router/asio.hpp"

namespace flyover::router {

/// Runs `ioc` on the calling thread until it is stopped or runs out of work. With `busy_poll` > 0 the thread
/// keeps polling for ready handlers and I/O for that long after its last handler before it sleeps.
void run_event_loop(net::io_context& ioc, std::chrono::microseconds busy_poll);

}  // namespace flyover::router
