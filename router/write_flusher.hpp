#pragma once
// With one I/O thread: the sessions that have deliveries waiting, their writes started a chunk at a time.
// A fan-out to a thousand subscribers otherwise queues a thousand writes at once, and a publication that
// arrives meanwhile is read only after all of them: every subscriber then gets two writes of one event each.
// Started in chunks, with the loop reading between chunks, the next publication joins the writes not yet
// started (one write carries both events). 1->1000 at 1 KiB: 7.4 -> 3.8 µs of router CPU per event
// (bench/RESULTS.md, section 0a). Thread affinity: the one I/O thread only (hence not used with more).

#include <cstddef>
#include <memory>
#include <vector>

#include "router/asio.hpp"

namespace flyover::router {

class WebSocketSession;

class WriteFlusher {
public:
    explicit WriteFlusher(net::io_context& ioc) : ioc_(ioc) {}
    WriteFlusher(const WriteFlusher&) = delete;
    WriteFlusher& operator=(const WriteFlusher&) = delete;

    /// `session` has deliveries waiting (its inbox went from empty to not empty).
    void schedule(std::shared_ptr<WebSocketSession> session);

    /// Sessions whose writes are started per pass of the event loop; larger chunks read less often in a long
    /// fan-out. Not tuned for this design: 16, 64 and 256 measured alike (1->1000, 1 KiB) only in the dropped
    /// variant that wrote the chunk directly; writing all at once (no chunks) was clearly worse there.
    static constexpr std::size_t chunk = 64;

private:
    void start_some();

    net::io_context& ioc_;
    std::vector<std::shared_ptr<WebSocketSession>> pending_;
    std::size_t next_ = 0;
    bool posted_ = false;
};

}  // namespace flyover::router
