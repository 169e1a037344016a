#pragma once
// One client WebSocket connection to a router: resolve, connect, handshake offering exactly one WAMP
// subprotocol, then a read loop that decodes each message and a bounded write queue with one write in flight.
// It knows nothing about WAMP sessions: it reports open / message / bad message / closed through Events and
// is driven by Client (which owns the ClientSession).
//
// Thread affinity: everything runs on the strand given at construction; every method must be called there,
// and every event is delivered there. Each event fires at most once per connection except on_message.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "client/asio.hpp"
#include "client/transport.hpp"
#include "client/ws_url.hpp"
#include "serializers/codec.hpp"

namespace flyover::client {

struct TransportOptions {
    /// Requests (PUBLISH, CALL, SUBSCRIBE, ...) are refused once this many messages or bytes wait to be written;
    /// replies (YIELD, ERROR, GOODBYE, ...) are always queued, since dropping one would hang a remote caller.
    std::size_t max_queued_messages = 10000;
    std::size_t max_queued_bytes = 16 * 1024 * 1024;
    /// Larger incoming messages close the connection.
    std::size_t max_message_size = 16 * 1024 * 1024;
    /// Limit for DNS + TCP connect, and for each of the WebSocket opening and closing handshakes.
    std::chrono::milliseconds connect_timeout{10000};
    /// A router silent for this long is pinged at half of it and dropped at all of it (0 = never): how a
    /// half-open TCP connection to a router that vanished is noticed, so reconnecting can start.
    std::chrono::milliseconds idle_timeout{60000};
};

class WebSocketTransport : public Transport, public std::enable_shared_from_this<WebSocketTransport> {
public:
    struct Events {
        /// The handshake completed with our subprotocol: sending works from now on.
        std::function<void()> on_open;
        std::function<void(Message&&)> on_message;
        /// A frame that is not a valid WAMP message in this serializer (the session ABORTs).
        std::function<void(std::string why)> on_bad_message;
        /// The connection is gone (or never came up: `was_open` false). `why` is for humans.
        std::function<void(std::string why, bool was_open)> on_closed;
    };

    WebSocketTransport(Strand strand, const Codec& codec, TransportOptions options, Events events);

    /// Starts connecting; on_open or on_closed follows.
    void connect(WsUrl url);
    bool send(const Message& m) override;
    void close() override;

    bool is_open() const { return open_; }
    std::size_t queued_messages() const { return queue_.size(); }

private:
    void on_resolve(beast::error_code ec, tcp::resolver::results_type results);
    void on_connect(beast::error_code ec, tcp::endpoint endpoint);
    void on_handshake(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void do_close();
    /// Ends the connection once: drops the queue, closes the socket, reports on_closed.
    void finish(std::string why);

    Strand strand_;
    const Codec& codec_;
    TransportOptions options_;
    Events events_;
    tcp::resolver resolver_;
    websocket::stream<beast::tcp_stream> ws_;
    websocket::response_type response_;
    beast::flat_buffer buffer_;
    WsUrl url_;

    std::deque<std::shared_ptr<const std::string>> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool open_ = false;
    bool was_open_ = false;
    bool close_requested_ = false;
    bool closing_ = false;
    bool finished_ = false;
};

}  // namespace flyover::client
