#pragma once
// The URIs of failures the client detects itself (the router's URIs are in serializers/error_uris.hpp).
// Where Autobahn has a URI for the same situation we use it, so code ported from Autobahn keeps matching.
// Thread affinity: none (constants).

#include <string_view>

namespace flyover::client::uris {

/// The connection ended while the request was pending (Autobahn's close reason for the same event).
inline constexpr std::string_view transport_lost = "wamp.close.transport_lost";
/// The request was made while no WAMP session was established (before WELCOME, after GOODBYE).
inline constexpr std::string_view not_joined = "flyover.error.not_joined";
/// The transport's bounded write queue was full: back-pressure; try again later.
inline constexpr std::string_view write_queue_full = "flyover.error.write_queue_full";
/// The WebSocket could not be opened (DNS, TCP, handshake or subprotocol refused).
inline constexpr std::string_view connect_failed = "flyover.error.connect_failed";
/// join() was called while a session is joining or established.
inline constexpr std::string_view already_joined = "flyover.error.already_joined";
/// A callee's handler threw, or dropped the invocation without answering (Autobahn's URI for the former).
inline constexpr std::string_view runtime_error = "wamp.error.runtime_error";
/// The router sent CHALLENGE but JoinOptions has no on_challenge hook.
inline constexpr std::string_view no_challenge_handler = "flyover.error.no_challenge_handler";

}  // namespace flyover::client::uris
