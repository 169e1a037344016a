#pragma once
// One WAMP session over one WebSocket connection: the read loop, the session state machine, the bounded
// write queue, and the realm::Peer the realm delivers to. Thread affinity: everything runs on the
// connection's strand; deliver/abort/close/shutdown may be called from any thread and post to it.

#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include "realm/peer.hpp"
#include "router/asio.hpp"
#include "router/hub.hpp"
#include "router/session_state.hpp"
#include "serializers/codec.hpp"

namespace flyover::router {

class WebSocketSession : public realm::Peer, public std::enable_shared_from_this<WebSocketSession> {
public:
    WebSocketSession(beast::tcp_stream&& stream, Hub& hub, const ListenerConfig& listener, const Codec& codec,
                     std::string peer_address);
    ~WebSocketSession() override;

    /// Completes the WebSocket handshake for an upgrade request already read by the HTTP session.
    void run(http::request<http::string_body> upgrade);

    // realm::Peer (called on the realm strand)
    void deliver(SharedMessage message) override;
    void abort(std::string_view reason, std::string message) override;
    void close(std::string_view reason, std::string message) override;

    /// Router shutdown: GOODBYE wamp.close.system_shutdown, then close (called from any thread).
    void shutdown();

private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void on_message(Message&& m);
    void on_hello(Hello&& hello);
    void route(Message&& m);

    void send(Message m);
    void enqueue(SharedMessage m);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    /// ABORT with `reason`, leave the realm, close once the ABORT is written.
    void abort_session(std::string_view reason, std::string message);
    void close_after_flush();
    void do_close();
    /// GOODBYE `reason` (with `message` unless empty) from the router; the client's GOODBYE reply closes the
    /// session, or goodbye_grace passing without one.
    void say_goodbye(std::string_view reason, std::string message);
    /// Closes the TCP connection at once (slow consumer, shutdown deadline).
    void hard_close();
    void leave_realm();
    /// Frees this session's authid in a unique-authid realm (idempotent).
    void release_authid();
    std::string describe() const;

    websocket::stream<beast::tcp_stream> ws_;
    Hub& hub_;
    const ListenerConfig& listener_;
    const Codec& codec_;
    std::string peer_address_;
    beast::flat_buffer buffer_;

    SessionState state_ = SessionState::awaiting_hello;
    Id session_id_ = 0;
    std::string authid_;
    /// The realm whose unique authid this session holds; empty when it holds none.
    std::string claimed_authid_realm_;
    RealmHost* realm_ = nullptr;

    struct Outgoing {
        std::shared_ptr<const std::string> bytes;
    };
    std::deque<Outgoing> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool close_when_flushed_ = false;
    bool closing_ = false;
    bool closed_ = false;
    /// Runs while a router GOODBYE awaits its reply; allocated only then, so idle sessions do not pay for it.
    std::unique_ptr<net::steady_timer> goodbye_timer_;
    /// How long a client may take to answer the router's GOODBYE (the same as the router's shutdown grace).
    static constexpr auto goodbye_grace = std::chrono::milliseconds(3000);

    // Back-pressure towards the realm: reading pauses while this many messages wait on the realm strand.
    static constexpr int max_pending_in_realm = 1024;
    std::atomic<int> pending_in_realm_{0};
    std::atomic<bool> read_paused_{false};
};

}  // namespace flyover::router
