#pragma once
// How an I/O thread runs the io_context: asleep in the kernel between events (the default), or polling for a
// while after each burst of work first (busy polling, the config's busy_poll_us); and, under sustained load
// with messages trickling in one per read, pausing briefly so that work arrives in batches (batch_pause_us).
//
// Why busy polling: a thread that sleeps in epoll_wait is woken by an interrupt, and on a virtual machine that
// wake-up costs tens of microseconds per message (bench/RESULTS.md: one caller's round trip p50 drops from about
// 146 µs to about 50 µs with 60 µs of polling). The price is CPU: a thread that gets work more often than every
// busy_poll_us never sleeps, so a lightly loaded router shows a busy core.
//
// Why batching pauses: under sustained load a thread that handles every message the moment it arrives spends most
// of its time in system calls that each carry one message: an epoll_wait that returns two sockets, a read that
// gets one frame, a write per frame to the same callee. After a short pause the same work comes as one batch:
// one epoll_wait for many sockets, several frames per read, the INVOCATIONs for one callee in one write. The
// clients answer the batch as a batch, so the traffic stays grouped for a while after each pause. bench/RESULTS.md
// (session 8): 100 callers with 4 calls in flight, 6.1 -> 2.7 system calls and 20-30 % less CPU per routed
// call, more calls per second, lower latency. Only a thread that was at least 95 % busy for three batch_after
// windows in a row pauses, so light and moderate load (one caller's round trip, half of saturation) see no
// difference, and a thread whose reads already carry several frames each never does (it is the bottleneck: a
// pause would only cost throughput). The price is at most batch_pause of latency per batch_after under
// sustained load.

#include <chrono>
#include <cstddef>

#include "router/asio.hpp"

namespace flyover::router {

struct EventLoopOptions {
    /// > 0: keep polling for ready handlers and I/O for this long after the last handler before sleeping.
    std::chrono::microseconds busy_poll{0};
    /// > 0: sleep this long after three `batch_after` windows in a row >= 95 % busy, the last one with reads of
    /// fewer than two frames each (not while busy polling).
    std::chrono::microseconds batch_pause{0};
    std::chrono::microseconds batch_after{1000};
};

/// Runs `ioc` on the calling thread until it is stopped or runs out of work. Returns how many batching pauses
/// the thread took.
std::size_t run_event_loop(net::io_context& ioc, const EventLoopOptions& options);

}  // namespace flyover::router
