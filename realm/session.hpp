#pragma once
// The realm's record of one joined session. Thread affinity: realm strand only.

#include <memory>
#include <string>

#include "realm/peer.hpp"
#include "serializers/ids.hpp"
#include "serializers/message.hpp"
#include "serializers/value.hpp"

namespace flyover::realm {

/// Who a session is, as decided at join (authentication) time.
struct SessionInfo {
    Id id = 0;
    std::string authid;
    std::string authrole;
    std::string authmethod;
    std::string authprovider;
    /// Transport details for the meta API (type, serializer, peer address, ...).
    Dict transport;
    /// The roles (and their features) the client announced in HELLO.Details.roles.
    Dict client_roles;

    /// Whether the client announced `feature` (e.g. "call_canceling") for `role` (e.g. "callee").
    bool client_has_feature(std::string_view role, std::string_view feature) const;
};

class RealmSession {
public:
    RealmSession(SessionInfo info, std::weak_ptr<Peer> peer) : info_(std::move(info)), peer_(std::move(peer)) {}

    const SessionInfo& info() const { return info_; }
    Id id() const { return info_.id; }

    /// Send a message made for this session alone.
    void send(Message m) const { deliver(make_shared_message(std::move(m))); }
    /// Send a shared message (fan-out); silently nothing if the session is already gone, since its leave()
    /// is then on its way to the realm.
    void deliver(SharedMessage m) const {
        if (auto p = peer_.lock()) p->deliver(std::move(m));
    }
    void abort(std::string_view reason, std::string message) const {
        if (auto p = peer_.lock()) p->abort(reason, std::move(message));
    }
    /// GOODBYE `reason` from the router (Peer::close).
    void close(std::string_view reason, std::string message) const {
        if (auto p = peer_.lock()) p->close(reason, std::move(message));
    }

private:
    SessionInfo info_;
    std::weak_ptr<Peer> peer_;
};

}  // namespace flyover::realm
