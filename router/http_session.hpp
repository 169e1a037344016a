#pragma once
// The HTTP side of a listener port: static files, /health, and the WebSocket upgrade with WAMP subprotocol
// negotiation and the Origin check. Thread affinity: the connection's strand.

#include <memory>
#include <optional>

#include "router/asio.hpp"
#include "router/hub.hpp"
#include "serializers/codec.hpp"

namespace flyover::router {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(Socket&& socket, Hub& hub, const ListenerConfig& listener);
    void run();

private:
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void upgrade(http::request<http::string_body>&& req);
    void on_upgraded(const Codec* codec, std::string peer, beast::error_code ec, std::size_t bytes);
    void serve(http::request<http::string_body>&& req);
    template <class Response>
    void write(Response&& res);
    void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);

    HttpStream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    Hub& hub_;
    const ListenerConfig& listener_;
    std::string peer_address_;
    std::shared_ptr<void> response_;  // keeps the response alive during async_write
};

}  // namespace flyover::router
