#pragma once
// How the realm reaches a session without knowing sockets: the router's WebSocket session implements Peer,
// tests use FakePeer. Thread affinity: all calls are made on the realm's strand and must not block; an
// implementation hands the message to its own strand.

#include <string>
#include <string_view>

#include "serializers/outbound_message.hpp"

namespace flyover::realm {

class Peer {
public:
    virtual ~Peer() = default;
    /// Queue a message for this session (shared bytes: the same object may go to many peers).
    virtual void deliver(SharedMessage message) = 0;
    /// End this session with ABORT `reason` (a log line and a close follow on the session's side).
    virtual void abort(std::string_view reason, std::string message) = 0;
    /// End this session from the router's side (wamp.session.kill): GOODBYE `reason`, with `message` in
    /// GOODBYE.Details.message unless it is empty; the session closes on the client's GOODBYE reply or after a
    /// short grace. The realm has already let the session leave when it calls this.
    virtual void close(std::string_view reason, std::string message) = 0;
};

}  // namespace flyover::realm
