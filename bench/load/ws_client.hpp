#pragma once
// One WebSocket client connection of the load generator: connect + handshake, a read loop that hands every
// frame to a callback, and a write queue with one write in flight. Thread affinity: the generator's single
// io_context thread (no strands, no locks).

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bench/load/asio.hpp"

namespace flyover::bench {

class WsClient : public std::enable_shared_from_this<WsClient> {
public:
    struct Options {
        std::string path = "/ws";
        /// Offered in Sec-WebSocket-Protocol; empty = none (the baselines do not negotiate).
        std::string subprotocol;
        /// Frame type of what we send: binary for msgpack, text for JSON.
        bool binary = true;
        /// SO_RCVBUF set before connecting (0 = the kernel's default): makes a slow reader fill up sooner.
        int receive_buffer = 0;
    };
    using FrameHandler = std::function<void(std::string_view)>;
    using CloseHandler = std::function<void(const beast::error_code&)>;
    using DoneHandler = std::function<void(const beast::error_code&)>;

    WsClient(net::io_context& io, Options options);

    /// TCP connect, then the WebSocket handshake; `done` gets the first error or success.
    void connect(const tcp::endpoint& endpoint, DoneHandler done);
    void set_frame_handler(FrameHandler h) { on_frame_ = std::move(h); }
    /// Called once when the connection fails or the peer closes it (not when we close it).
    void set_close_handler(CloseHandler h) { on_close_ = std::move(h); }
    void start_reading();
    /// Stops issuing reads after the one in progress: the peer's data piles up in the socket buffers.
    void pause_reading() { paused_ = true; }
    void resume_reading();
    void send(std::string frame);
    std::size_t queued() const { return queue_.size(); }
    bool is_open() const { return open_; }
    /// Hard close (no close handshake): cheap for thousands of connections at the end of a run.
    void close();
    /// Sends a WebSocket close frame, then closes.
    void close_gracefully();
    std::uint64_t frames_received() const { return frames_received_; }

private:
    void do_read();
    void do_write();
    void fail(const beast::error_code& ec);

    websocket::stream<beast::tcp_stream> ws_;
    Options options_;
    beast::flat_buffer buffer_;
    std::deque<std::string> queue_;
    FrameHandler on_frame_;
    CloseHandler on_close_;
    bool open_ = false;
    bool closed_by_us_ = false;
    bool reading_ = false;
    bool paused_ = false;
    bool writing_ = false;
    std::uint64_t frames_received_ = 0;
};

}  // namespace flyover::bench
