#include "bench/load/ws_client.hpp"

namespace flyover::bench {

WsClient::WsClient(net::io_context& io, Options options) : ws_(io), options_(std::move(options)) {}

void WsClient::connect(const tcp::endpoint& endpoint, DoneHandler done) {
    auto& socket = beast::get_lowest_layer(ws_).socket();
    beast::error_code ec;
    socket.open(endpoint.protocol(), ec);
    if (ec) return done(ec);
    if (options_.receive_buffer > 0) socket.set_option(net::socket_base::receive_buffer_size(options_.receive_buffer), ec);
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(endpoint, [self = shared_from_this(), endpoint, done = std::move(done)](
                                                             beast::error_code ec) mutable {
        if (ec) return done(ec);
        beast::error_code ignored;
        beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true), ignored);
        beast::get_lowest_layer(self->ws_).expires_never();
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = std::chrono::seconds(30);
        timeouts.idle_timeout = websocket::stream_base::none();
        timeouts.keep_alive_pings = false;
        self->ws_.set_option(timeouts);
        if (!self->options_.subprotocol.empty()) {
            self->ws_.set_option(websocket::stream_base::decorator(
                [p = self->options_.subprotocol](websocket::request_type& req) { req.set(http::field::sec_websocket_protocol, p); }));
        }
        self->ws_.read_message_max(64 * 1024 * 1024);
        self->ws_.auto_fragment(false);
        self->ws_.binary(self->options_.binary);
        std::string host = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
        self->ws_.async_handshake(host, self->options_.path, [self, done = std::move(done)](beast::error_code ec) {
            if (!ec) self->open_ = true;
            done(ec);
        });
    });
}

void WsClient::start_reading() {
    paused_ = false;
    if (!reading_ && open_) do_read();
}

void WsClient::resume_reading() { start_reading(); }

void WsClient::do_read() {
    reading_ = true;
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->reading_ = false;
        if (ec) return self->fail(ec);
        ++self->frames_received_;
        auto data = self->buffer_.data();
        if (self->on_frame_) self->on_frame_(std::string_view(static_cast<const char*>(data.data()), data.size()));
        self->buffer_.consume(self->buffer_.size());
        if (self->open_ && !self->paused_ && !self->reading_) self->do_read();
    });
}

void WsClient::send(std::string frame) {
    if (!open_) return;
    queue_.push_back(std::move(frame));
    if (!writing_) do_write();
}

void WsClient::do_write() {
    writing_ = true;
    ws_.async_write(net::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->writing_ = false;
        if (ec) return self->fail(ec);
        self->queue_.pop_front();
        if (!self->queue_.empty() && self->open_) self->do_write();
    });
}

void WsClient::fail(const beast::error_code& ec) {
    bool was_open = open_;
    open_ = false;
    queue_.clear();
    if (was_open && !closed_by_us_ && on_close_) {
        auto handler = std::move(on_close_);
        on_close_ = nullptr;
        handler(ec);
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

void WsClient::close() {
    closed_by_us_ = true;
    open_ = false;
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

void WsClient::close_gracefully() {
    if (!open_) return;
    closed_by_us_ = true;
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) { self->close(); });
}

}  // namespace flyover::bench
