#include "router/write_flusher.hpp"

#include <algorithm>

#include "router/websocket_session.hpp"

namespace flyover::router {

void WriteFlusher::schedule(std::shared_ptr<WebSocketSession> session) {
    pending_.push_back(std::move(session));
    if (posted_) return;
    posted_ = true;
    net::post(ioc_, [this] { start_some(); });
}

void WriteFlusher::start_some() {
    // Each write is posted like any other handler, so this chunk's writes run after what is already queued
    // (deliveries of publications routed meanwhile join them); the next chunk waits behind them, and behind
    // the reads of the next pass of the loop.
    std::size_t end = std::min(pending_.size(), next_ + chunk);
    while (next_ < end) std::move(pending_[next_++])->post_drain();
    if (next_ < pending_.size()) {
        net::post(ioc_, [this] { start_some(); });
        return;
    }
    pending_.clear();
    next_ = 0;
    posted_ = false;
}

}  // namespace flyover::router
