#include "router/websocket_session.hpp"

#include <algorithm>
#include <cstring>

#include "router/drain_aware_read.hpp"
#include "router/log.hpp"
#include "router/read_stats.hpp"
#include "serializers/error_uris.hpp"
#include "serializers/uri.hpp"

namespace flyover::router {

WebSocketSession::WebSocketSession(Socket&& socket, Hub& hub, const ListenerConfig& listener, const Codec& codec,
                                   std::string peer_address)
    : socket_(std::move(socket)),
      hub_(hub),
      listener_(listener),
      codec_(codec),
      peer_address_(std::move(peer_address)),
      parser_(listener.max_message_size) {}

WebSocketSession::~WebSocketSession() {
    release_authid();
    hub_.remove_session(this);
    if (session_id_) hub_.release_session_id(session_id_);
}

std::string WebSocketSession::describe() const {
    std::string d = "session";
    if (session_id_) d += " " + std::to_string(session_id_);
    d += " (" + peer_address_;
    if (!authid_.empty()) d += ", authid " + authid_;
    if (realm_) d += ", realm " + realm_->config.name;
    d += ")";
    return d;
}

void WebSocketSession::run(std::string_view early_bytes) {
    if (!hub_.add_session(shared_from_this())) return hard_close();  // shutting down: drop the connection
    // Small frames must not wait for the client's delayed ACK (Nagle): queued frames are coalesced into one
    // write instead, so NODELAY does not multiply the segments.
    beast::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    resize_read_buffer(std::max(idle_read_buffer, early_bytes.size()));
    std::memcpy(rbuf_.get(), early_bytes.data(), early_bytes.size());
    rend_ = early_bytes.size();
    last_input_ = std::chrono::steady_clock::now();
    if (listener_.ping_interval_ms > 0) {
        keepalive_timer_ = std::make_unique<Timer>(socket_.get_executor());
        arm_keepalive(std::chrono::milliseconds(listener_.ping_interval_ms));
    }
    log_debug(describe() + ": connected with " + std::string(codec_.subprotocol()));
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->process_input(); });
}

void WebSocketSession::do_read() {
    socket_.async_read_some(DrainAwareBuffer(rbuf_.get() + rend_, rcap_ - rend_),
                            beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
}

void WebSocketSession::on_read(beast::error_code ec, std::size_t bytes) {
    if (ec == net::error::operation_aborted && shrink_read_buffer_ && !closed_) {
        prepare_read_buffer();  // the keep-alive cancelled this read to shrink the buffer
        return do_read();
    }
    if (ec) {
        if (ec != net::error::operation_aborted && ec != net::error::eof && !closed_ && !close_sent_)
            log_info(describe() + ": connection lost: " + ec.message());
        leave_realm();
        hard_close();
        return;
    }
    rend_ += bytes;
    ++this_thread_reads.reads;
    last_input_ = std::chrono::steady_clock::now();
    pinged_ = false;
    // A read that filled the buffer suggests a burst: read more at once next time.
    if (rend_ == rcap_ && rcap_ < burst_read_buffer && rbegin_ == 0) resize_read_buffer(std::min(rcap_ * 4, burst_read_buffer));
    process_input();
}

void WebSocketSession::process_input() {
    while (!closed_) {
        // Pause reading while the realm is behind on this session's messages (a flood costs bounded memory);
        // the realm strand resumes us (see route()).
        if (pending_in_realm_.load() >= max_pending_in_realm) {
            read_paused_.store(true);
            if (pending_in_realm_.load() >= max_pending_in_realm || !read_paused_.exchange(false)) return;
        }
        std::size_t consumed = 0;
        auto frame = parser_.next(rbuf_.get() + rbegin_, rend_ - rbegin_, consumed);
        rbegin_ += consumed;
        if (frame.kind == ws::FrameEvent::Kind::need_more) break;
        ++this_thread_reads.frames;
        on_frame(frame);
    }
    if (closed_) return;
    prepare_read_buffer();
    do_read();
}

void WebSocketSession::prepare_read_buffer() {
    // After a protocol error the stream cannot be parsed: what arrives is dropped while we wait for the close.
    if (rbegin_ == rend_ || parser_.failed()) rbegin_ = rend_ = 0;
    if (shrink_read_buffer_) {
        shrink_read_buffer_ = false;
        if (rend_ == 0 && rcap_ > idle_read_buffer) resize_read_buffer(idle_read_buffer);
    }
    std::size_t wanted = parser_.bytes_wanted();
    if (rbegin_ > 0 && (rcap_ - rbegin_ < wanted || rcap_ - rend_ < 512)) {
        std::memmove(rbuf_.get(), rbuf_.get() + rbegin_, rend_ - rbegin_);
        rend_ -= rbegin_;
        rbegin_ = 0;
    }
    if (rcap_ < wanted) resize_read_buffer(wanted);  // bounded: the parser refuses frames above max_message_size
}

void WebSocketSession::resize_read_buffer(std::size_t capacity) {
    auto buffer = std::make_unique<char[]>(capacity);
    if (rend_ > 0) std::memcpy(buffer.get(), rbuf_.get(), rend_);  // callers keep rend_ <= capacity
    rbuf_ = std::move(buffer);
    rcap_ = capacity;
}

void WebSocketSession::on_frame(const ws::FrameEvent& frame) {
    using Kind = ws::FrameEvent::Kind;
    switch (frame.kind) {
    case Kind::need_more: break;
    case Kind::ping:
        if (!close_sent_ && queue_frame(ws::Opcode::pong, SharedBytes::copy_of(frame.payload))) do_write();
        break;
    case Kind::pong: break;  // any input counts as a sign of life (on_read)
    case Kind::close:
        close_received_ = true;
        leave_realm();
        state_ = SessionState::closed;
        if (close_sent_) return hard_close();  // the reply to ours: the server closes TCP first (RFC 6455 7.1.1)
        // Echo the peer's code, as Beast and browsers do; the connection closes once the reply is written.
        send_close(frame.close_code == 1005 ? ws::close_code::normal : frame.close_code, {});
        break;
    case Kind::error:
        hub_.counters.protocol_violations++;
        log_warn(describe() + ": closed with WebSocket code " + std::to_string(frame.close_code) + ": " +
                 std::string(frame.payload));
        leave_realm();
        state_ = SessionState::closed;
        send_close(frame.close_code, frame.payload);
        break;
    case Kind::message: {
        if (state_ == SessionState::closed || close_sent_) return;  // crossing our close: dropped
        bool binary = frame.opcode == ws::Opcode::binary;
        if (binary != codec_.binary()) {
            abort_session(uris::protocol_violation, std::string(binary ? "binary" : "text") + " frame on a " +
                                                        std::string(codec_.subprotocol()) + " session");
            return;
        }
        // Text frames were checked as UTF-8 by the frame parser.
        auto decoded = codec_.decode_message(frame.payload, DecodeLimits{listener_.max_message_size, 64, true, !binary});
        if (!decoded) {
            abort_session(uris::protocol_violation, decoded.error().message);
            return;
        }
        on_message(std::move(decoded).value());
        break;
    }
    }
}

void WebSocketSession::arm_keepalive(std::chrono::milliseconds after) {
    keepalive_timer_->expires_after(after);
    keepalive_timer_->async_wait(beast::bind_front_handler(&WebSocketSession::on_keepalive, shared_from_this()));
}

void WebSocketSession::on_keepalive(beast::error_code ec) {
    if (ec || closed_) return;
    auto interval = std::chrono::milliseconds(listener_.ping_interval_ms);
    auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - last_input_);
    if (silent < interval) {
        // Idle sessions give back the memory a burst or a large message took. The pending read uses the
        // buffer, so it is cancelled (no data is lost: it stays in the kernel) and restarted on a small one.
        if (silent >= interval / 2) {
            parser_.shrink();
            if (rbegin_ == rend_ && rcap_ > idle_read_buffer && !writing_ && !close_sent_) {
                shrink_read_buffer_ = true;
                beast::error_code ignored;
                socket_.cancel(ignored);
            }
        }
        return arm_keepalive(interval - silent);
    }
    if (!pinged_) {
        pinged_ = true;
        if (!close_sent_ && queue_frame(ws::Opcode::ping, SharedBytes{})) do_write();
        return arm_keepalive(std::chrono::milliseconds(listener_.ping_timeout_ms));
    }
    log_info(describe() + ": no answer to a keep-alive ping within " + std::to_string(listener_.ping_timeout_ms) +
             " ms; closed");
    leave_realm();
    hard_close();
}

void WebSocketSession::on_message(Message&& m) {
    switch (classify(state_, type_of(m))) {
    case Verdict::join: on_hello(std::get<Hello>(std::move(m))); break;
    case Verdict::route: route(std::move(m)); break;
    case Verdict::goodbye:
        send(Goodbye{{}, std::string(uris::goodbye_and_out)});
        leave_realm();
        state_ = SessionState::closed;
        close_after_flush();
        break;
    case Verdict::goodbye_reply:
    case Verdict::aborted:
        leave_realm();
        state_ = SessionState::closed;
        close_after_flush();
        break;
    case Verdict::ignore: break;
    case Verdict::violation:
        abort_session(uris::protocol_violation, std::string(message_type_name(type_of(m))) + " is not allowed " +
                                                    (state_ == SessionState::awaiting_hello ? "before HELLO"
                                                                                            : "in an established session"));
        break;
    }
}

void WebSocketSession::on_hello(Hello&& hello) {
    auto roles = find(hello.details, "roles");
    if (!roles || !roles->as_dict() || roles->as_dict()->empty()) {
        abort_session(uris::protocol_violation, "HELLO.Details.roles must be a non-empty dict");
        return;
    }
    if (!is_valid_uri(hello.realm)) {
        abort_session(uris::invalid_uri, "HELLO.Realm \"" + hello.realm + "\" is not a valid URI");
        return;
    }
    RealmHost* host = hub_.find_realm(hello.realm);
    if (!host) {
        log_info(describe() + ": refused: no such realm \"" + hello.realm + "\"");
        abort_session(uris::no_such_realm, "no realm \"" + hello.realm + "\" exists on this router");
        return;
    }
    if (!host->config.anonymous_enabled) {
        log_info(describe() + ": refused: realm \"" + hello.realm + "\" does not admit anonymous sessions");
        abort_session(uris::not_authorized, "realm \"" + hello.realm + "\" does not admit anonymous sessions");
        return;
    }
    std::string authid;
    if (host->config.anonymous_authid_from_hello) {
        auto requested = get_string(hello.details, "authid");
        if (!requested || !Hub::is_acceptable_authid(*requested)) {
            abort_session(uris::not_authorized, "realm \"" + hello.realm +
                                                    "\" needs HELLO.Details.authid (a nickname): 1 to 32 characters, "
                                                    "no control characters");
            return;
        }
        authid = *requested;
    } else {
        authid = hub_.new_anonymous_authid();
    }
    if (host->config.unique_authid) {
        if (!hub_.claim_authid(host->config.name, authid)) {
            log_info(describe() + ": refused: authid \"" + authid + "\" is in use in realm " + host->config.name);
            abort_session(uris::authid_in_use, "authid \"" + authid + "\" is already in use in realm \"" + hello.realm + "\"");
            return;
        }
        claimed_authid_realm_ = host->config.name;
    }
    realm_ = host;
    session_id_ = hub_.new_session_id();
    authid_ = std::move(authid);

    realm::SessionInfo info;
    info.id = session_id_;
    info.authid = authid_;
    info.authrole = host->config.anonymous_role;
    info.authmethod = "anonymous";
    info.authprovider = "static";
    info.transport = Dict{{"type", "websocket"}, {"serializer", std::string(codec_.subprotocol())}, {"peer", peer_address_}};
    info.client_roles = *roles->as_dict();

    Dict details{{"realm", hello.realm},
                 {"authid", info.authid},
                 {"authrole", info.authrole},
                 {"authmethod", info.authmethod},
                 {"authprovider", info.authprovider},
                 {"roles", realm::Realm::router_roles()},
                 {"x_router", "flyover/" FLYOVER_VERSION}};
    // The join is run (or posted) before WELCOME is written: once the client has read WELCOME, anyone (this
    // client or another it talks to) may ask the realm about this session, so the realm must already know it.
    // Nothing the realm sends this session can overtake the WELCOME: deliveries are posted to this strand, which
    // is busy with this handler until the WELCOME is queued.
    host->run([host, info, self = weak_from_this()]() mutable {
        host->realm.join(std::move(info), std::weak_ptr<realm::Peer>(self.lock()));
    });
    send(Welcome{session_id_, std::move(details)});
    state_ = SessionState::established;
    hub_.counters.sessions_joined++;
    log_debug(describe() + ": joined as " + info.authrole);
}

void WebSocketSession::route(Message&& m) {
    // One I/O thread: the realm handles it now (RealmHost::run), unless an earlier message of this session is
    // still on its way there (order), or it is a PUBLISH. A publication handled inline is fanned out before
    // the handlers already queued run, and that broke up the coalescing of publications in flight: 1->1000
    // fan-out cost 5.3 instead of 3.7 us per event (bench/RESULTS.md, session 6).
    if (realm_->runs_inline() && pending_in_realm_.load() == 0 && !std::holds_alternative<Publish>(m))
        return realm_->run([&] { realm_->realm.handle(session_id_, std::move(m)); });
    // Otherwise batched for the realm's strand. (A handler per message carried the whole message, a block too
    // big for Asio's one-block-per-thread handler cache, so each post allocated. The batch moves messages into
    // a vector that keeps its capacity, and the post carries two pointers.) Order is kept: one batch at a
    // time, and a session routes into one realm only.
    pending_in_realm_.fetch_add(1);
    bool first;
    {
        std::lock_guard lock(to_realm_mutex_);
        first = to_realm_.empty();
        to_realm_.push_back(std::move(m));
    }
    if (first)
        net::post(realm_->strand, [self = shared_from_this(), host = realm_, id = session_id_] {
            self->drain_to_realm(host->realm, id);
        });
}

void WebSocketSession::drain_to_realm(realm::Realm& realm, Id session_id) {
    {
        std::lock_guard lock(to_realm_mutex_);
        to_realm_.swap(routing_);
    }
    auto n = static_cast<int>(routing_.size());
    for (auto& m : routing_) realm.handle(session_id, std::move(m));
    routing_.clear();
    // The batch's buffer is kept only while the session keeps routing (the next batch is already queued) and
    // is small: an idle session holds none (a Message is 256 bytes; idle sessions are what the router has most).
    bool next_batch_queued;
    {
        std::lock_guard lock(to_realm_mutex_);
        next_batch_queued = !to_realm_.empty();
    }
    if (!next_batch_queued || routing_.capacity() > keep_routing_batch) routing_ = {};
    if (pending_in_realm_.fetch_sub(n) - n < max_pending_in_realm && read_paused_.exchange(false))
        net::post(socket_.get_executor(), [self = shared_from_this()] { self->process_input(); });
}

void WebSocketSession::deliver(SharedMessage message) {
    // One post per batch, not per message: whatever the realm delivers while this strand is busy is written
    // with one gather write.
    bool first;
    {
        std::lock_guard lock(inbox_mutex_);
        first = inbox_.empty();
        inbox_.push_back(std::move(message));
    }
    if (!first) return;
    // With one I/O thread a big fan-out starts its writes in chunks (WriteFlusher); otherwise now.
    if (auto* flusher = hub_.write_flusher()) return flusher->schedule(shared_from_this());
    post_drain();
}

void WebSocketSession::post_drain() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->drain_inbox(); });
}

void WebSocketSession::drain_inbox() {
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_.swap(draining_);
    }
    for (auto& m : draining_)
        if (!enqueue(m)) break;
    draining_.clear();
    do_write();
}

void WebSocketSession::abort(std::string_view reason, std::string message) {
    net::post(socket_.get_executor(), [self = shared_from_this(), reason = std::string(reason), message = std::move(message)]() mutable {
        self->abort_session(reason, std::move(message));
    });
}

void WebSocketSession::close(std::string_view reason, std::string message) {
    net::post(socket_.get_executor(), [self = shared_from_this(), reason = std::string(reason), message = std::move(message)]() mutable {
        self->say_goodbye(reason, std::move(message));
    });
}

void WebSocketSession::shutdown() {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
        if (self->closed_ || self->close_sent_) return;
        if (self->state_ == SessionState::established) {
            self->say_goodbye(uris::system_shutdown, "the router is shutting down");
        } else {
            // No WAMP session yet (HELLO pending): nothing to say goodbye to.
            self->state_ = SessionState::closed;
            self->send_close(ws::close_code::going_away, "the router is shutting down");
        }
    });
}

template <class F>
void WebSocketSession::set_deadline(std::chrono::milliseconds after, F on_expiry) {
    if (!deadline_timer_) deadline_timer_ = std::make_unique<Timer>(socket_.get_executor());
    deadline_timer_->expires_after(after);  // cancels the previous deadline
    // A weak reference: the timer must not keep a session alive that has closed meanwhile.
    deadline_timer_->async_wait([weak = weak_from_this(), on_expiry](beast::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->closed_) return;
        on_expiry(*self);
    });
}

void WebSocketSession::say_goodbye(std::string_view reason, std::string message) {
    if (closed_ || close_sent_ || state_ != SessionState::established) return;
    Dict details;
    if (!message.empty()) details.emplace("message", std::move(message));
    send(Goodbye{std::move(details), std::string(reason)});
    state_ = SessionState::closing;  // the client's GOODBYE reply closes (Verdict::goodbye_reply)
    log_debug(describe() + ": GOODBYE " + std::string(reason) + " sent by the router");
    set_deadline(goodbye_grace, [](WebSocketSession& self) {
        if (self.state_ != SessionState::closing) return;
        log_info(self.describe() + ": no GOODBYE reply within " + std::to_string(goodbye_grace.count()) + " ms, closing");
        self.leave_realm();
        self.state_ = SessionState::closed;
        self.hard_close();
    });
}

void WebSocketSession::send(Message m) {
    if (enqueue(make_shared_message(std::move(m)))) do_write();
}

bool WebSocketSession::enqueue(const SharedMessage& m) {
    // Nothing may follow the router's GOODBYE (spec); deliveries the realm posted before it learnt of the
    // departure (meta events about other sessions leaving at shutdown, say) are dropped here.
    if (closed_ || close_sent_ || state_ == SessionState::closing) return false;
    return queue_frame(codec_.binary() ? ws::Opcode::binary : ws::Opcode::text, m->encoded(codec_));
}

bool WebSocketSession::queue_frame(ws::Opcode opcode, SharedBytes payload) {
    // Every frame counts against the limits, pongs too: a client that pings without reading is a slow consumer.
    // Only the close frame is exempt (it is the last, and small).
    auto& limits = hub_.config().session_limits;
    std::size_t messages = queued_.size() + in_flight_.size();
    std::size_t bytes = queued_bytes_ + in_flight_bytes_;
    if (opcode != ws::Opcode::close &&
        (messages + 1 > limits.write_queue_messages || bytes + payload.size() > limits.write_queue_bytes)) {
        hub_.counters.slow_consumers++;
        log_warn(describe() + ": closed as a slow consumer: " + std::to_string(messages) + " frames / " +
                 std::to_string(bytes) + " bytes waiting (limits " + std::to_string(limits.write_queue_messages) +
                 " / " + std::to_string(limits.write_queue_bytes) + ")");
        leave_realm();
        hard_close();
        return false;
    }
    Frame& f = queued_.emplace_back();
    f.header_size = static_cast<std::uint8_t>(ws::write_frame_header(f.header, opcode, payload.size()));
    queued_bytes_ += payload.size();
    f.payload = std::move(payload);
    return true;
}

void WebSocketSession::do_write() {
    if (writing_ || closed_ || queued_.empty()) return;
    writing_ = true;
    in_flight_.swap(queued_);
    in_flight_bytes_ = queued_bytes_;
    queued_bytes_ = 0;
    gather_.clear();
    for (auto& f : in_flight_) {
        gather_.emplace_back(f.header, f.header_size);
        if (!f.payload.empty()) gather_.emplace_back(f.payload.data(), f.payload.size());
    }
    net::async_write(socket_, gather_, beast::bind_front_handler(&WebSocketSession::on_write, shared_from_this()));
}

void WebSocketSession::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    in_flight_.clear();
    in_flight_bytes_ = 0;
    if (ec) {
        queued_.clear();
        queued_bytes_ = 0;
        leave_realm();
        hard_close();
        return;
    }
    if (!queued_.empty()) return do_write();
    if (close_sent_) on_close_written();
}

void WebSocketSession::abort_session(std::string_view reason, std::string message) {
    if (closed_ || close_sent_) return;
    if (reason == uris::protocol_violation) {
        hub_.counters.protocol_violations++;
        log_warn(describe() + ": protocol violation: " + message);
    }
    send(Abort{Dict{{"message", std::move(message)}}, std::string(reason), {}});
    leave_realm();
    state_ = SessionState::closed;
    close_after_flush();
}

void WebSocketSession::send_close(std::uint16_t code, std::string_view reason) {
    if (closed_ || close_sent_) return;
    queue_frame(ws::Opcode::close, SharedBytes::copy_of(ws::close_payload(code, reason)));
    close_sent_ = true;
    do_write();
}

void WebSocketSession::on_close_written() {
    if (close_received_) return hard_close();  // both close frames exchanged
    // Wait a little for the peer's close frame (reading goes on), then drop the connection regardless.
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    set_deadline(goodbye_grace, [](WebSocketSession& self) { self.hard_close(); });
}

void WebSocketSession::hard_close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (keepalive_timer_) keepalive_timer_->cancel();
    if (deadline_timer_) deadline_timer_->cancel();
}

void WebSocketSession::release_authid() {
    if (claimed_authid_realm_.empty()) return;
    hub_.release_authid(claimed_authid_realm_, authid_);
    claimed_authid_realm_.clear();
}

void WebSocketSession::leave_realm() {
    release_authid();  // the nickname is free again as soon as its session is gone
    if (!realm_ || !session_id_ || state_ == SessionState::awaiting_hello) return;
    auto host = realm_;
    auto id = session_id_;
    realm_ = nullptr;  // leave once
    if (state_ != SessionState::closed) state_ = SessionState::closed;
    auto leave = [host, id] { host->realm.leave(id); };
    // Never ahead of messages still on their way to the realm (a publication, say): behind them on the strand.
    if (pending_in_realm_.load() == 0) host->run(leave);
    else net::post(host->strand, leave);
    log_debug("session " + std::to_string(id) + ": left realm " + host->config.name);
}

}  // namespace flyover::router
