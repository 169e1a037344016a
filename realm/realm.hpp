#pragma once
// One realm: its sessions, broker and dealer. Pure routing logic, driven synchronously: the router calls
// join/handle/leave on the realm's strand, tests call them directly with FakePeers.
// Thread affinity: realm strand only.

#include <memory>
#include <string>

#include "realm/broker.hpp"
#include "realm/dealer.hpp"
#include "realm/realm_context.hpp"
#include "realm/session.hpp"
#include "serializers/message.hpp"

namespace flyover::realm {

struct RealmOptions {
    std::string name;
    UriRule uri_rule = UriRule::loose;
    Authorizer authorize = allow_all();
};

class Realm {
public:
    explicit Realm(RealmOptions options);

    const std::string& name() const { return ctx_.name; }

    /// The router's roles and their features, for WELCOME.Details.roles.
    static Dict router_roles();

    /// A session has been welcomed into this realm.
    void join(SessionInfo info, std::weak_ptr<Peer> peer);
    /// A session left (GOODBYE, ABORT, lost transport). Idempotent: unknown IDs are ignored.
    void leave(Id session);
    /// A message from a joined session, in the session's read order. Messages that are not routing messages
    /// (HELLO, WELCOME, ...) never reach here: the router's session state machine handles them.
    void handle(Id session, Message&& message);

    /// Time passes: the router calls this periodically with its monotonic clock (call timeouts expire here).
    void tick(std::uint64_t now_ms);

    std::size_t session_count() const { return ctx_.sessions.size(); }
    const Broker& broker() const { return broker_; }
    const Dealer& dealer() const { return dealer_; }

private:
    RealmContext ctx_;
    Broker broker_;
    Dealer dealer_;
};

}  // namespace flyover::realm
