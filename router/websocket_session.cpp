#include "router/websocket_session.hpp"

#include "router/log.hpp"
#include "serializers/error_uris.hpp"
#include "serializers/uri.hpp"

namespace flyover::router {

WebSocketSession::WebSocketSession(beast::tcp_stream&& stream, Hub& hub, const ListenerConfig& listener,
                                   const Codec& codec, std::string peer_address)
    : ws_(std::move(stream)), hub_(hub), listener_(listener), codec_(codec), peer_address_(std::move(peer_address)) {}

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

void WebSocketSession::run(http::request<http::string_body> upgrade) {
    if (!hub_.add_session(shared_from_this())) return;  // shutting down: drop the connection
    // The HTTP layer's deadline covered the upgrade request; from here Beast's WebSocket timeouts apply.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::milliseconds(listener_.handshake_timeout_ms);
    if (listener_.ping_interval_ms > 0) {
        // Beast pings after half the idle time without traffic and closes when nothing arrives for all of it;
        // so a silent peer is pinged and then has ping_timeout_ms (at least) to show it is alive.
        timeouts.idle_timeout =
            std::chrono::milliseconds(std::uint64_t(listener_.ping_interval_ms) + listener_.ping_timeout_ms);
        timeouts.keep_alive_pings = true;
    } else {
        timeouts.idle_timeout = websocket::stream_base::none();
        timeouts.keep_alive_pings = false;
    }
    ws_.set_option(timeouts);
    ws_.read_message_max(listener_.max_message_size);
    ws_.binary(codec_.binary());
    std::string protocol(codec_.subprotocol());
    ws_.set_option(websocket::stream_base::decorator([protocol](websocket::response_type& res) {
        res.set(http::field::server, "flyover/" FLYOVER_VERSION);
        res.set(http::field::sec_websocket_protocol, protocol);
    }));
    ws_.async_accept(upgrade, beast::bind_front_handler(&WebSocketSession::on_accept, shared_from_this()));
}

void WebSocketSession::on_accept(beast::error_code ec) {
    if (ec) {
        log_info(describe() + ": WebSocket handshake failed: " + ec.message());
        return;
    }
    log_debug(describe() + ": connected with " + std::string(codec_.subprotocol()));
    do_read();
}

void WebSocketSession::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
}

void WebSocketSession::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        if (ec == websocket::error::message_too_big) {
            log_warn(describe() + ": closed: a message exceeded max_message_size (" +
                     std::to_string(listener_.max_message_size) + " bytes)");
        } else if (ec != websocket::error::closed && ec != net::error::operation_aborted && ec != net::error::eof) {
            log_info(describe() + ": connection lost: " + ec.message());
        }
        closed_ = true;
        leave_realm();
        return;
    }
    if (state_ == SessionState::closed) return;
    if (ws_.got_binary() != codec_.binary()) {
        buffer_.consume(buffer_.size());
        abort_session(uris::protocol_violation, std::string(ws_.got_binary() ? "binary" : "text") +
                                                    " frame on a " + std::string(codec_.subprotocol()) + " session");
        return;
    }
    auto data = buffer_.data();
    std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    auto decoded = codec_.decode_message(bytes, DecodeLimits{listener_.max_message_size, 64});
    buffer_.consume(buffer_.size());
    if (!decoded) {
        abort_session(uris::protocol_violation, decoded.error().message);
        return;
    }
    on_message(std::move(decoded).value());
    if (state_ == SessionState::closed || closing_) return;
    // Pause reading while the realm is behind on this session's messages (a flood costs bounded memory).
    if (pending_in_realm_.load() >= max_pending_in_realm) {
        read_paused_.store(true);
        if (pending_in_realm_.load() >= max_pending_in_realm || !read_paused_.exchange(false)) return;
    }
    do_read();
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
    // The join is posted before WELCOME is written: once the client has read WELCOME, anyone (this client or
    // another it talks to) may ask the realm about this session, so the realm must already know it. Nothing the
    // realm sends this session can overtake the WELCOME: deliveries are posted to this strand, which is busy
    // with this handler until the WELCOME is queued.
    net::post(host->strand, [host, info, self = weak_from_this()]() mutable {
        host->realm.join(std::move(info), std::weak_ptr<realm::Peer>(self.lock()));
    });
    send(Welcome{session_id_, std::move(details)});
    state_ = SessionState::established;
    hub_.counters.sessions_joined++;
    log_debug(describe() + ": joined as " + info.authrole);
}

void WebSocketSession::route(Message&& m) {
    pending_in_realm_.fetch_add(1);
    net::post(realm_->strand, [self = shared_from_this(), host = realm_, id = session_id_, m = std::move(m)]() mutable {
        host->realm.handle(id, std::move(m));
        if (self->pending_in_realm_.fetch_sub(1) - 1 < max_pending_in_realm && self->read_paused_.exchange(false))
            net::post(self->ws_.get_executor(), [self] { self->do_read(); });
    });
}

void WebSocketSession::deliver(SharedMessage message) {
    net::post(ws_.get_executor(), [self = shared_from_this(), m = std::move(message)]() mutable { self->enqueue(std::move(m)); });
}

void WebSocketSession::abort(std::string_view reason, std::string message) {
    net::post(ws_.get_executor(), [self = shared_from_this(), reason = std::string(reason), message = std::move(message)]() mutable {
        self->abort_session(reason, std::move(message));
    });
}

void WebSocketSession::close(std::string_view reason, std::string message) {
    net::post(ws_.get_executor(), [self = shared_from_this(), reason = std::string(reason), message = std::move(message)]() mutable {
        self->say_goodbye(reason, std::move(message));
    });
}

void WebSocketSession::shutdown() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
        if (self->closed_ || self->closing_) return;
        if (self->state_ == SessionState::established) {
            self->say_goodbye(uris::system_shutdown, "the router is shutting down");
        } else {
            // No WAMP session yet (handshake or HELLO pending): nothing to say goodbye to.
            self->state_ = SessionState::closed;
            self->hard_close();
        }
    });
}

void WebSocketSession::say_goodbye(std::string_view reason, std::string message) {
    if (closed_ || closing_ || close_when_flushed_ || state_ != SessionState::established) return;
    Dict details;
    if (!message.empty()) details.emplace("message", std::move(message));
    send(Goodbye{std::move(details), std::string(reason)});
    state_ = SessionState::closing;  // the client's GOODBYE reply closes (Verdict::goodbye_reply)
    log_debug(describe() + ": GOODBYE " + std::string(reason) + " sent by the router");
    goodbye_timer_ = std::make_unique<net::steady_timer>(ws_.get_executor(), goodbye_grace);
    // A weak reference: the timer must not keep a session alive that has closed meanwhile.
    goodbye_timer_->async_wait([weak = weak_from_this()](beast::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->closed_ || self->state_ != SessionState::closing) return;
        log_info(self->describe() + ": no GOODBYE reply within " + std::to_string(goodbye_grace.count()) +
                 " ms, closing");
        self->leave_realm();
        self->state_ = SessionState::closed;
        self->hard_close();
    });
}

void WebSocketSession::send(Message m) { enqueue(make_shared_message(std::move(m))); }

void WebSocketSession::enqueue(SharedMessage m) {
    // Nothing may follow the router's GOODBYE (spec); deliveries the realm posted before it learnt of the
    // departure (meta events about other sessions leaving at shutdown, say) are dropped here.
    if (closed_ || close_when_flushed_ || state_ == SessionState::closing) return;
    auto bytes = m->encoded(codec_);
    auto& limits = hub_.config().session_limits;
    if (queue_.size() + 1 > limits.write_queue_messages || queued_bytes_ + bytes->size() > limits.write_queue_bytes) {
        hub_.counters.slow_consumers++;
        log_warn(describe() + ": closed as a slow consumer: " + std::to_string(queue_.size()) + " messages / " +
                 std::to_string(queued_bytes_) + " bytes waiting (limits " + std::to_string(limits.write_queue_messages) +
                 " / " + std::to_string(limits.write_queue_bytes) + ")");
        leave_realm();
        hard_close();
        return;
    }
    queued_bytes_ += bytes->size();
    queue_.push_back({std::move(bytes)});
    if (!writing_) do_write();
}

void WebSocketSession::do_write() {
    writing_ = true;
    ws_.async_write(net::buffer(*queue_.front().bytes),
                    beast::bind_front_handler(&WebSocketSession::on_write, shared_from_this()));
}

void WebSocketSession::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
        queue_.clear();
        queued_bytes_ = 0;
        if (!closed_) {
            closed_ = true;
            leave_realm();
            hard_close();
        }
        return;
    }
    queued_bytes_ -= queue_.front().bytes->size();
    queue_.pop_front();
    if (!queue_.empty()) return do_write();
    if (close_when_flushed_) do_close();
}

void WebSocketSession::abort_session(std::string_view reason, std::string message) {
    if (closed_ || close_when_flushed_) return;
    if (reason == uris::protocol_violation) {
        hub_.counters.protocol_violations++;
        log_warn(describe() + ": protocol violation: " + message);
    }
    send(Abort{Dict{{"message", std::move(message)}}, std::string(reason), {}});
    leave_realm();
    state_ = SessionState::closed;
    close_after_flush();
}

void WebSocketSession::close_after_flush() {
    if (close_when_flushed_) return;
    close_when_flushed_ = true;
    if (!writing_) do_close();
}

void WebSocketSession::do_close() {
    if (closing_ || closed_) return;
    closing_ = true;
    // Bound the close handshake: a client that never answers our close frame is dropped.
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
        self->closed_ = true;
        self->hard_close();
    });
}

void WebSocketSession::hard_close() {
    closed_ = true;
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
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
    net::post(host->strand, [host, id] { host->realm.leave(id); });
    log_debug("session " + std::to_string(id) + ": left realm " + host->config.name);
}

}  // namespace flyover::router
