#pragma once
// The server side of the WebSocket opening handshake (RFC 6455 section 4.2) for a request the HTTP session
// has already read: the checks and the 101 response. After it the router speaks frames itself (ws_frame.hpp).
// Thread affinity: none.

#include <optional>
#include <string>
#include <string_view>

#include "router/asio.hpp"

namespace flyover::router {

/// Why `req` is not an acceptable WebSocket opening handshake, or nothing when it is. The caller answers a
/// problem with 400 Bad Request, or 426 Upgrade Required when `*wrong_version` is set.
std::optional<std::string> websocket_handshake_problem(const http::request<http::string_body>& req, bool* wrong_version);

/// The 101 Switching Protocols response accepting `req` with `subprotocol`.
http::response<http::empty_body> websocket_accept_response(const http::request<http::string_body>& req,
                                                           std::string_view subprotocol);

}  // namespace flyover::router
