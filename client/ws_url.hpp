#pragma once
// Splits a WebSocket URL into what a TCP connect and a WebSocket handshake need.
// Thread affinity: none (pure function).

#include <string>
#include <string_view>

#include "serializers/result.hpp"

namespace flyover::client {

struct WsUrl {
    std::string host;
    std::string port;
    /// The request target: path and query, "/" when the URL has none.
    std::string target;
};

/// Parses "ws://host[:port][/path][?query]" (IPv6 hosts in brackets). wss:// is refused until the client
/// speaks TLS, rather than silently connecting in the clear.
Result<WsUrl> parse_ws_url(std::string_view url);

}  // namespace flyover::client
