#include "router/ws_handshake.hpp"

// Beast's own accept key computation (SHA-1 + base64 of the key and the RFC's GUID). It lives in a detail
// header; Boost is pinned to Debian 12's 1.74, and tests/router/ws_handshake_test.cpp checks the RFC's example.
#include <boost/beast/websocket/detail/hybi13.hpp>

namespace flyover::router {

std::optional<std::string> websocket_handshake_problem(const http::request<http::string_body>& req, bool* wrong_version) {
    *wrong_version = false;
    if (req.method() != http::verb::get) return "a WebSocket handshake must be a GET request";
    if (req.version() < 11) return "a WebSocket handshake needs HTTP/1.1";
    if (!websocket::is_upgrade(req)) return "missing Connection: upgrade or Upgrade: websocket";
    auto key = req[http::field::sec_websocket_key];
    // 16 random bytes in base64 are 24 characters (RFC 6455 section 4.1).
    if (key.size() != 24) return "Sec-WebSocket-Key must be 16 bytes in base64";
    if (req[http::field::sec_websocket_version] != "13") {
        *wrong_version = true;
        return "only WebSocket version 13 is spoken";
    }
    return std::nullopt;
}

http::response<http::empty_body> websocket_accept_response(const http::request<http::string_body>& req,
                                                           std::string_view subprotocol) {
    http::response<http::empty_body> res{http::status::switching_protocols, req.version()};
    res.set(http::field::server, "flyover/" FLYOVER_VERSION);
    res.set(http::field::upgrade, "websocket");
    res.set(http::field::connection, "upgrade");
    websocket::detail::sec_ws_accept_type accept;
    auto key = req[http::field::sec_websocket_key];
    websocket::detail::make_sec_ws_accept(accept, {key.data(), key.size()});
    res.set(http::field::sec_websocket_accept, std::string_view(accept.data(), accept.size()));
    res.set(http::field::sec_websocket_protocol, subprotocol);
    return res;
}

}  // namespace flyover::router
