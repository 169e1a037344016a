#pragma once
// One WAMP session over one WebSocket connection (after the handshake): the frame read loop, the session state
// machine, the bounded write queue with coalesced gather writes, keep-alive pings, and the realm::Peer the
// realm delivers to. Thread affinity: everything runs on the connection's strand; deliver/abort/close/shutdown
// may be called from any thread and post to it.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "realm/peer.hpp"
#include "router/asio.hpp"
#include "router/hub.hpp"
#include "router/session_state.hpp"
#include "router/ws_frame.hpp"
#include "serializers/codec.hpp"
#include "serializers/shared_bytes.hpp"

namespace flyover::router {

class WebSocketSession : public realm::Peer, public std::enable_shared_from_this<WebSocketSession> {
public:
    WebSocketSession(Socket&& socket, Hub& hub, const ListenerConfig& listener, const Codec& codec,
                     std::string peer_address);
    ~WebSocketSession() override;

    /// Starts the session on a socket whose handshake is done; `early_bytes` are frames the client sent
    /// right behind its upgrade request.
    void run(std::string_view early_bytes);

    // realm::Peer (called on the realm strand)
    void deliver(SharedMessage message) override;
    void abort(std::string_view reason, std::string message) override;
    void close(std::string_view reason, std::string message) override;

    /// Router shutdown: GOODBYE wamp.close.system_shutdown, then close (called from any thread).
    void shutdown();

    /// Writes what the realm delivered (posted to the connection's strand; see deliver and WriteFlusher).
    void post_drain();

private:
    // Input: frames -> WAMP messages -> the state machine.
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    /// Handles the complete frames in the read buffer, then reads more (unless paused or closed).
    void process_input();
    void on_frame(const ws::FrameEvent& frame);
    void on_message(Message&& m);
    void on_hello(Hello&& hello);
    /// Hands a message to the realm: inline with one I/O thread (see the exceptions there), otherwise batched
    /// like deliveries, one post to the realm's strand per batch.
    void route(Message&& m);
    /// On the realm strand: the realm handles every message routed since the last batch.
    void drain_to_realm(realm::Realm& realm, Id session_id);
    /// Makes room in the read buffer for the frame being received (grows, compacts).
    void prepare_read_buffer();
    /// A new read buffer of `capacity` bytes holding the bytes read so far.
    void resize_read_buffer(std::size_t capacity);

    // Output: every frame goes through the queue; a write sends everything queued at once.
    void send(Message m);
    /// Queues a WAMP message; false (and the session is closed) when the queue limits are exceeded.
    bool enqueue(const SharedMessage& m);
    /// Queues a frame; false (and the session is closed) when the queue limits are exceeded.
    bool queue_frame(ws::Opcode opcode, SharedBytes payload);
    void drain_inbox();
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);

    // Closing.
    /// ABORT with `reason`, leave the realm, close once the ABORT is written.
    void abort_session(std::string_view reason, std::string message);
    /// Queues our close frame (nothing may follow it); the connection closes after it is written.
    void send_close(std::uint16_t code, std::string_view reason);
    void close_after_flush() { send_close(ws::close_code::normal, {}); }
    void on_close_written();
    /// GOODBYE `reason` (with `message` unless empty) from the router; the client's GOODBYE reply closes the
    /// session, or goodbye_grace passing without one.
    void say_goodbye(std::string_view reason, std::string message);
    /// Closes the TCP connection at once (slow consumer, protocol end, deadlines).
    void hard_close();
    /// Runs `on_expiry` after `after` unless the session is closed first (one deadline at a time).
    template <class F>
    void set_deadline(std::chrono::milliseconds after, F on_expiry);
    void leave_realm();
    /// Frees this session's authid in a unique-authid realm (idempotent).
    void release_authid();
    std::string describe() const;

    // Keep-alive: a ping after ping_interval_ms of silence; closed when ping_timeout_ms more pass silently.
    void arm_keepalive(std::chrono::milliseconds after);
    void on_keepalive(beast::error_code ec);

    Socket socket_;
    Hub& hub_;
    const ListenerConfig& listener_;
    const Codec& codec_;
    std::string peer_address_;

    ws::FrameParser parser_;
    std::unique_ptr<char[]> rbuf_;
    std::size_t rcap_ = 0, rbegin_ = 0, rend_ = 0;
    std::chrono::steady_clock::time_point last_input_;
    bool pinged_ = false;
    /// The keep-alive cancelled the pending read to give back a large read buffer.
    bool shrink_read_buffer_ = false;

    SessionState state_ = SessionState::awaiting_hello;
    Id session_id_ = 0;
    std::string authid_;
    /// The realm whose unique authid this session holds; empty when it holds none.
    std::string claimed_authid_realm_;
    RealmHost* realm_ = nullptr;

    struct Frame {
        SharedBytes payload;
        std::uint8_t header[ws::max_header_size];
        std::uint8_t header_size;
    };
    /// Frames waiting for the next write, and the frames of the write in progress (their buffers in gather_).
    std::vector<Frame> queued_, in_flight_;
    std::vector<net::const_buffer> gather_;
    std::size_t queued_bytes_ = 0, in_flight_bytes_ = 0;
    bool writing_ = false;
    /// Our close frame is queued: nothing more is sent.
    bool close_sent_ = false;
    /// The peer's close frame arrived.
    bool close_received_ = false;
    /// The socket is closed (or broken): nothing more happens.
    bool closed_ = false;

    /// Deliveries from the realm strand, moved to the write queue in one go on this strand.
    std::mutex inbox_mutex_;
    std::vector<SharedMessage> inbox_, draining_;
    /// Messages for the realm strand (see route()); routing_ is the realm strand's batch being handled.
    std::mutex to_realm_mutex_;
    std::vector<Message> to_realm_, routing_;
    static constexpr std::size_t keep_routing_batch = 16;

    std::unique_ptr<Timer> keepalive_timer_;
    /// The current deadline (GOODBYE reply, close handshake); allocated only then, so idle sessions do not pay.
    std::unique_ptr<Timer> deadline_timer_;
    /// How long a client may take to answer the router's GOODBYE or close frame (the router's shutdown grace).
    static constexpr auto goodbye_grace = std::chrono::milliseconds(3000);
    /// The read buffer's size while idle; it grows for large messages and bursts, and shrinks when idle again.
    static constexpr std::size_t idle_read_buffer = 2048;
    static constexpr std::size_t burst_read_buffer = 64 * 1024;

    // Back-pressure towards the realm: reading pauses while this many messages wait on the realm strand.
    static constexpr int max_pending_in_realm = 1024;
    std::atomic<int> pending_in_realm_{0};
    std::atomic<bool> read_paused_{false};
};

}  // namespace flyover::router
