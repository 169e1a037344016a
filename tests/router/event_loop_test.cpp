#include <catch2/catch.hpp>

#include <chrono>
#include <functional>

#include "router/event_loop.hpp"
#include "router/read_stats.hpp"

using namespace flyover::router;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

void spin_for(std::chrono::microseconds d) {
    const auto end = Clock::now() + d;
    while (Clock::now() < end) {
    }
}

/// Posts `count` handlers one after another (each posts the next), each spinning `work` on the CPU and then
/// recording one socket read carrying `frames_per_read` frames, as a session's read handler would.
void post_chain(net::io_context& ioc, int count, std::chrono::microseconds work, int frames_per_read, int& done) {
    auto step = std::make_shared<std::function<void()>>();
    *step = [&ioc, count, work, frames_per_read, &done, step]() {
        spin_for(work);
        this_thread_reads.reads += 1;
        this_thread_reads.frames += frames_per_read;
        if (++done < count) net::post(ioc, *step);
        else *step = nullptr;  // break the cycle
    };
    net::post(ioc, *step);
}

const EventLoopOptions batching{0us, 50us, 1000us};

}  // namespace

TEST_CASE("a thread kept busy by one message per read pauses to batch, and runs every handler", "[event_loop]") {
    net::io_context ioc;
    int done = 0;
    post_chain(ioc, 4000, 20us, 1, done);  // 80 ms of work, 80 windows of 1 ms
    const auto pauses = run_event_loop(ioc, batching);
    CHECK(done == 4000);
    // A window counts only when the thread had the CPU for 95 % of it, and a pause needs three such windows in
    // a row; on a loaded CI machine some windows are preempted, but not all eighty.
    CHECK(pauses >= 1);
    CHECK(pauses <= 78);
}

TEST_CASE("a burst shorter than three windows does not pause (moderate load keeps its latency)", "[event_loop]") {
    net::io_context ioc;
    int done = 0;
    post_chain(ioc, 120, 20us, 1, done);  // 2.4 ms of work: at most two full windows of 1 ms
    CHECK(run_event_loop(ioc, batching) == 0);
    CHECK(done == 120);
}

TEST_CASE("reads that already carry several messages each never pause (the thread is the bottleneck)", "[event_loop]") {
    net::io_context ioc;
    int done = 0;
    post_chain(ioc, 2000, 20us, 8, done);
    CHECK(run_event_loop(ioc, batching) == 0);
    CHECK(done == 2000);
}

TEST_CASE("a thread with breaks between its work never pauses", "[event_loop]") {
    net::io_context ioc;
    int done = 0;
    net::steady_timer timer(ioc);
    std::function<void()> tick = [&] {
        spin_for(20us);
        this_thread_reads.reads += 1;
        this_thread_reads.frames += 1;
        if (++done == 30) return;
        timer.expires_after(500us);  // idle in epoll_wait between messages: far below 95 % busy
        timer.async_wait([&](boost::system::error_code) { tick(); });
    };
    net::post(ioc, tick);
    CHECK(run_event_loop(ioc, batching) == 0);
    CHECK(done == 30);
}

TEST_CASE("batch_pause 0 and busy polling never pause", "[event_loop]") {
    for (const EventLoopOptions options : {EventLoopOptions{0us, 0us, 1000us}, EventLoopOptions{20us, 50us, 1000us}}) {
        net::io_context ioc;
        int done = 0;
        post_chain(ioc, 500, 20us, 1, done);
        CHECK(run_event_loop(ioc, options) == 0);
        CHECK(done == 500);
    }
}
