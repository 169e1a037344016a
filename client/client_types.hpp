#pragma once
// The data the client's API takes and gives: options per operation, what a join, a subscription, an event,
// a registration and a call result look like, and the callback types. Thread affinity: none (value types).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/outcome.hpp"
#include "serializers/ids.hpp"
#include "serializers/message.hpp"
#include "serializers/value.hpp"

namespace flyover::client {

/// What WELCOME told us about the session we joined.
struct SessionInfo {
    Id session = 0;
    std::string realm;
    std::string authid;
    std::string authrole;
    std::string authmethod;
    /// WELCOME.Details as sent (roles, x_router, ...).
    Dict details;
};

/// Why a joined session ended.
struct CloseInfo {
    /// The GOODBYE/ABORT reason URI, or a client URI (client_uris.hpp) such as wamp.close.transport_lost.
    std::string reason;
    std::string message;
    /// True when this client ended the session with leave().
    bool requested = false;
};

/// The answer to a router's CHALLENGE (WAMP-CRA, ticket, cryptosign, ...).
struct AuthResponse {
    std::string signature;
    Dict extra;
};
/// Computes the AUTHENTICATE for a CHALLENGE; an error aborts the join with that error's URI.
using ChallengeHandler = std::function<Outcome<AuthResponse>(const Challenge&)>;

/// How to join: anonymous by default; set authmethods/authid (and on_challenge) for authentication.
struct JoinOptions {
    std::vector<std::string> authmethods;
    std::string authid;
    Dict authextra;
    ChallengeHandler on_challenge;
};

/// Match policies of pattern-based subscriptions and registrations.
enum class Match { exact, prefix, wildcard };

/// Cancel modes (advanced/rpc_call_canceling.md): skip (no INTERRUPT), kill (the callee answers first),
/// killnowait (the caller is answered at once, the callee is interrupted).
enum class CancelMode { skip, kill, killnowait };
std::string_view cancel_mode_name(CancelMode mode);
/// "skip" / "kill" / "killnowait", or nullopt.
std::optional<CancelMode> parse_cancel_mode(std::string_view name);

struct SubscribeOptions {
    Match match = Match::exact;
    /// Merged into SUBSCRIBE.Options (e.g. get_retained).
    Dict extra;
};

struct PublishOptions {
    /// Ask for PUBLISHED (the publish handler then gets the publication id or the router's ERROR).
    bool acknowledge = false;
    /// Whether this session's own subscriptions receive the event (WAMP's default: they do not).
    bool exclude_me = true;
    /// Ask the router to disclose this session as the publisher.
    bool disclose_me = false;
    /// Merged into PUBLISH.Options (e.g. eligible, exclude, retain).
    Dict extra;
};

/// One EVENT as a subscriber sees it.
struct EventData {
    Id subscription = 0;
    Id publication = 0;
    /// EVENT.Details.topic for pattern subscriptions, else the subscribed topic.
    std::string topic;
    List args;
    Dict kwargs;
    Dict details;
};
using EventHandler = std::function<void(const EventData&)>;

/// A result (progressive or final) as a caller sees it.
struct CallResult {
    List args;
    Dict kwargs;
    Dict details;
};

struct CallOptions {
    /// Dealer-run timeout (advanced/rpc_call_timeout.md): 0 = none; otherwise the call fails with
    /// wamp.error.timeout after this many milliseconds.
    std::chrono::milliseconds timeout{0};
    /// Set to receive progressive results (sends CALL.Options.receive_progress).
    std::function<void(const CallResult&)> on_progress;
    bool disclose_me = false;
    /// Merged into CALL.Options.
    Dict extra;
};

struct RegisterOptions {
    Match match = Match::exact;
    /// Shared registration policy: "single" (default), "roundrobin", "random", "first", "last".
    std::string invoke;
    /// Merged into REGISTER.Options.
    Dict extra;
};

/// A live subscription: pass it back to unsubscribe().
struct Subscription {
    Id id = 0;
    std::string topic;
    /// Tells apart several local handlers on the same router subscription.
    std::uint64_t handler = 0;
};

/// A live registration: pass it back to unregister().
struct Registration {
    Id id = 0;
    std::string procedure;
};

using JoinHandler = std::function<void(Outcome<SessionInfo>)>;
using CloseHandler = std::function<void(const CloseInfo&)>;
using StatusHandler = std::function<void(Status)>;
using SubscribeHandler = std::function<void(Outcome<Subscription>)>;
/// Gets the publication id (0 when acknowledge was not asked for) or the error.
using PublishHandler = std::function<void(Outcome<Id>)>;
using RegisterHandler = std::function<void(Outcome<Registration>)>;
using CallHandler = std::function<void(Outcome<CallResult>)>;

}  // namespace flyover::client
