#pragma once
// Every error and close reason URI the router sends, in one place (spec: basic/uri_reference.md and the
// advanced feature files). Thread affinity: none (constants).

#include <string_view>

namespace flyover::uris {

// Interaction errors (ERROR messages).
inline constexpr std::string_view invalid_uri = "wamp.error.invalid_uri";
inline constexpr std::string_view no_such_procedure = "wamp.error.no_such_procedure";
inline constexpr std::string_view procedure_already_exists = "wamp.error.procedure_already_exists";
/// A shared registration exists with another invocation policy (Crossbar.io's and Autobahn's URI).
inline constexpr std::string_view procedure_exists_with_different_invocation_policy =
    "wamp.error.procedure_exists_with_different_invocation_policy";
inline constexpr std::string_view no_such_registration = "wamp.error.no_such_registration";
/// The reason in a revocation [UNREGISTERED, 0, {registration, reason}] when another callee took the procedure
/// over with REGISTER.Options.force_reregister (Crossbar.io's URI).
inline constexpr std::string_view unregistered = "wamp.error.unregistered";
inline constexpr std::string_view no_such_subscription = "wamp.error.no_such_subscription";
inline constexpr std::string_view no_such_session = "wamp.error.no_such_session";
inline constexpr std::string_view invalid_argument = "wamp.error.invalid_argument";
inline constexpr std::string_view canceled = "wamp.error.canceled";
inline constexpr std::string_view timeout = "wamp.error.timeout";
inline constexpr std::string_view payload_size_exceeded = "wamp.error.payload_size_exceeded";
inline constexpr std::string_view option_not_allowed = "wamp.error.option_not_allowed";
inline constexpr std::string_view option_disallowed_disclose_me = "wamp.error.option_disallowed.disclose_me";
inline constexpr std::string_view feature_not_supported = "wamp.error.feature_not_supported";
inline constexpr std::string_view unavailable = "wamp.error.unavailable";
inline constexpr std::string_view no_available_callee = "wamp.error.no_available_callee";
/// wamp.subscription.get_events for a subscription whose topics keep no event history (Crossbar.io's URI).
inline constexpr std::string_view history_unavailable = "wamp.error.history_unavailable";
/// wamp.session.add_testament beyond the per-session limit (Flyover's URI; the spec sets no limit).
inline constexpr std::string_view too_many_testaments = "flyover.error.too_many_testaments";
/// A CALL beyond the limit of calls in flight its caller may make, or its callee may hold (Flyover's URI; the
/// spec sets no limit; session_limits.pending_calls in conf/README.md).
inline constexpr std::string_view too_many_pending_calls = "flyover.error.too_many_pending_calls";

// Authorization and joining.
inline constexpr std::string_view not_authorized = "wamp.error.not_authorized";
inline constexpr std::string_view authorization_failed = "wamp.error.authorization_failed";
inline constexpr std::string_view authentication_failed = "wamp.error.authentication_failed";
inline constexpr std::string_view no_auth_method = "wamp.error.no_auth_method";
inline constexpr std::string_view no_such_realm = "wamp.error.no_such_realm";
inline constexpr std::string_view no_such_role = "wamp.error.no_such_role";
/// Flyover's ABORT reason when a realm with unique authids already has a live session with the requested one.
inline constexpr std::string_view authid_in_use = "flyover.error.authid_in_use";

// Session close reasons (GOODBYE / ABORT).
inline constexpr std::string_view protocol_violation = "wamp.error.protocol_violation";
inline constexpr std::string_view system_shutdown = "wamp.close.system_shutdown";
inline constexpr std::string_view close_realm = "wamp.close.close_realm";
inline constexpr std::string_view goodbye_and_out = "wamp.close.goodbye_and_out";
inline constexpr std::string_view close_normal = "wamp.close.normal";
inline constexpr std::string_view killed = "wamp.close.killed";
/// Flyover's reason when a session is closed because it did not read its messages fast enough.
inline constexpr std::string_view slow_consumer = "flyover.close.slow_consumer";

}  // namespace flyover::uris
