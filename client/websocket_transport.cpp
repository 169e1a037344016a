#include "client/websocket_transport.hpp"

namespace flyover::client {

namespace {

/// Requests may be refused under back-pressure; everything else answers the router and must go out.
bool is_request(MessageType t) {
    switch (t) {
    case MessageType::publish:
    case MessageType::subscribe:
    case MessageType::unsubscribe:
    case MessageType::call:
    case MessageType::reg:
    case MessageType::unregister: return true;
    default: return false;
    }
}

}  // namespace

WebSocketTransport::WebSocketTransport(Strand strand, const Codec& codec, TransportOptions options, Events events)
    : strand_(strand), codec_(codec), options_(options), events_(std::move(events)), resolver_(strand), ws_(strand) {}

void WebSocketTransport::connect(WsUrl url) {
    url_ = std::move(url);
    resolver_.async_resolve(url_.host, url_.port,
                            beast::bind_front_handler(&WebSocketTransport::on_resolve, shared_from_this()));
}

void WebSocketTransport::on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (close_requested_) return finish("closed before connecting");
    if (ec) return finish("cannot resolve " + url_.host + ": " + ec.message());
    beast::get_lowest_layer(ws_).expires_after(options_.connect_timeout);
    beast::get_lowest_layer(ws_).async_connect(
        results, beast::bind_front_handler(&WebSocketTransport::on_connect, shared_from_this()));
}

void WebSocketTransport::on_connect(beast::error_code ec, tcp::endpoint) {
    if (close_requested_) return finish("closed before connecting");
    if (ec) return finish("cannot connect to " + url_.host + ":" + url_.port + ": " + ec.message());
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
    // From here Beast's own WebSocket timeouts apply (they cover the opening and the closing handshake).
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options_.connect_timeout;
    if (options_.idle_timeout.count() > 0) {
        timeouts.idle_timeout = options_.idle_timeout;
        timeouts.keep_alive_pings = true;
    } else {
        timeouts.idle_timeout = websocket::stream_base::none();
        timeouts.keep_alive_pings = false;
    }
    ws_.set_option(timeouts);
    std::string protocol(codec_.subprotocol());
    ws_.set_option(websocket::stream_base::decorator([protocol](websocket::request_type& req) {
        req.set(beast::http::field::user_agent, "flyover-client/" FLYOVER_VERSION);
        req.set(beast::http::field::sec_websocket_protocol, protocol);
    }));
    ws_.read_message_max(options_.max_message_size);
    std::string host = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    if (url_.port != "80") host += ":" + url_.port;
    ws_.async_handshake(response_, host, url_.target,
                        beast::bind_front_handler(&WebSocketTransport::on_handshake, shared_from_this()));
}

void WebSocketTransport::on_handshake(beast::error_code ec) {
    if (close_requested_) return finish("closed before the WebSocket opened");
    if (ec) return finish("WebSocket handshake with " + url_.host + ":" + url_.port + url_.target + " failed: " + ec.message());
    auto chosen = response_[beast::http::field::sec_websocket_protocol];
    if (chosen != codec_.subprotocol()) {
        // RFC 6455: a server that picks no subprotocol (or another one) is not speaking our WAMP serializer.
        return finish("the router did not accept the subprotocol " + std::string(codec_.subprotocol()) +
                      (chosen.empty() ? "" : " (it chose " + std::string(chosen) + ")"));
    }
    ws_.binary(codec_.binary());
    open_ = true;
    was_open_ = true;
    do_read();
    if (events_.on_open) events_.on_open();
}

void WebSocketTransport::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketTransport::on_read, shared_from_this()));
}

void WebSocketTransport::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        if (ec == websocket::error::closed) return finish("the router closed the connection");
        if (ec == websocket::error::message_too_big)
            return finish("the router sent a message larger than " + std::to_string(options_.max_message_size) + " bytes");
        return finish("connection lost: " + ec.message());
    }
    if (finished_) return;
    auto data = buffer_.data();
    std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    if (ws_.got_binary() != codec_.binary()) {
        buffer_.consume(buffer_.size());
        if (events_.on_bad_message)
            events_.on_bad_message(std::string(ws_.got_binary() ? "binary" : "text") + " frame on a " +
                                   std::string(codec_.subprotocol()) + " connection");
    } else {
        auto decoded = codec_.decode_message(bytes, DecodeLimits{options_.max_message_size, 64});
        buffer_.consume(buffer_.size());
        if (!decoded) {
            if (events_.on_bad_message) events_.on_bad_message(decoded.error().message);
        } else if (events_.on_message) {
            events_.on_message(std::move(decoded).value());
        }
    }
    // Keep reading while closing: the router's close frame is what completes the closing handshake.
    if (!finished_) do_read();
}

bool WebSocketTransport::send(const Message& m) {
    if (!open_ || close_requested_) return false;
    auto bytes = std::make_shared<const std::string>(codec_.encode(m));
    if (is_request(type_of(m)) &&
        (queue_.size() >= options_.max_queued_messages || queued_bytes_ + bytes->size() > options_.max_queued_bytes))
        return false;
    queued_bytes_ += bytes->size();
    queue_.push_back(std::move(bytes));
    if (!writing_) do_write();
    return true;
}

void WebSocketTransport::do_write() {
    writing_ = true;
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&WebSocketTransport::on_write, shared_from_this()));
}

void WebSocketTransport::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) return finish("write failed: " + ec.message());
    if (finished_) return;
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
    if (!queue_.empty()) return do_write();
    if (close_requested_) do_close();
}

void WebSocketTransport::close() {
    if (close_requested_ || finished_) return;
    close_requested_ = true;
    if (!open_) {
        // Still resolving, connecting or handshaking: abort that; its handler reports the close.
        resolver_.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
        return;
    }
    if (!writing_) do_close();
}

void WebSocketTransport::do_close() {
    if (closing_ || finished_) return;
    closing_ = true;
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code ec) {
        self->finish(ec ? "closed (close handshake: " + ec.message() + ")" : "closed");
    });
}

void WebSocketTransport::finish(std::string why) {
    if (finished_) return;
    finished_ = true;
    open_ = false;
    queue_.clear();
    queued_bytes_ = 0;
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    if (socket.is_open()) {
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
    }
    if (events_.on_closed) events_.on_closed(std::move(why), was_open_);
}

}  // namespace flyover::client
