#pragma once
// The router side of the spec's session state machine, as a pure function of (state, message type) so it
// can be tested without sockets. Thread affinity: none.

#include "serializers/message.hpp"

namespace flyover::router {

enum class SessionState {
    /// Transport open, waiting for HELLO.
    awaiting_hello,
    /// WELCOME sent: routing messages flow.
    established,
    /// The router sent GOODBYE and waits for the client's GOODBYE reply.
    closing,
    /// Done: nothing more is read.
    closed,
};

/// What the session must do with an incoming message.
enum class Verdict {
    /// HELLO in awaiting_hello: authenticate and join (or ABORT).
    join,
    /// A routing message in an established session: hand it to the realm.
    route,
    /// The client said GOODBYE: reply GOODBYE wamp.close.goodbye_and_out, leave, close.
    goodbye,
    /// The client's GOODBYE reply to ours: leave and close.
    goodbye_reply,
    /// The client sent ABORT: leave and close without a reply.
    aborted,
    /// Drop silently (messages that cross our GOODBYE).
    ignore,
    /// Not legal here: ABORT wamp.error.protocol_violation and close.
    violation,
};

Verdict classify(SessionState state, MessageType type);

}  // namespace flyover::router
