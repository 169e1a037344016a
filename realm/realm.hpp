#pragma once
// One realm: its sessions, broker and dealer. Pure routing logic, driven synchronously: the router calls
// join/handle/leave on the realm's strand, tests call them directly with FakePeers.
// Thread affinity: realm strand only.

#include <memory>
#include <string>
#include <vector>

#include "realm/broker.hpp"
#include "realm/dealer.hpp"
#include "realm/event_history.hpp"
#include "realm/meta_api.hpp"
#include "realm/realm_context.hpp"
#include "realm/session.hpp"
#include "realm/testaments.hpp"
#include "serializers/message.hpp"

namespace flyover::realm {

struct RealmOptions {
    std::string name;
    UriRule uri_rule = UriRule::loose;
    Authorizer authorize = allow_all();
    /// Topics whose events the realm keeps for wamp.subscription.get_events.
    std::vector<EventHistoryRule> event_history = {};
    /// The wall clock for the meta API's timestamps (see WallClock); empty in tests that do not care.
    WallClock wall_clock = {};
    /// See RealmContext::max_pending_calls.
    std::size_t max_pending_calls = 10000;
};

class Realm {
public:
    explicit Realm(RealmOptions options);

    const std::string& name() const { return ctx_.name; }

    /// The router's roles and their features, for WELCOME.Details.roles.
    static Dict router_roles();

    /// A session has been welcomed into this realm.
    void join(SessionInfo info, std::weak_ptr<Peer> peer);
    /// A session left (GOODBYE, ABORT, lost transport, or killed: see MetaApi). Idempotent: unknown IDs are
    /// ignored. Its testaments are published, its subscriptions and registrations dropped (with their meta
    /// events), then wamp.session.on_leave.
    void leave(Id session);
    /// A message from a joined session, in the session's read order. Messages that are not routing messages
    /// (HELLO, WELCOME, ...) never reach here: the router's session state machine handles them.
    void handle(Id session, Message&& message);

    /// Time passes: the router calls this periodically with its monotonic clock (call timeouts and event history
    /// ages expire here).
    void tick(std::uint64_t now_ms);

    std::size_t session_count() const { return ctx_.sessions.size(); }
    const Broker& broker() const { return broker_; }
    const Dealer& dealer() const { return dealer_; }
    const Testaments& testaments() const { return testaments_; }
    const EventHistory& event_history() const { return history_; }

private:
    friend class MetaApi;
    /// Removes a session from the realm. Without `announce` (wamp.session.kill_all) it leaves silently: no
    /// testaments, no meta events.
    void depart(Id session, bool announce);

    RealmContext ctx_;
    Broker broker_;
    Dealer dealer_;
    Testaments testaments_;
    EventHistory history_;
    MetaApi meta_;
};

}  // namespace flyover::realm
