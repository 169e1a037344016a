#pragma once
// The WAMP meta API of one realm, served by the router itself (spec: advanced/meta_api_*.md,
// pubsub_testament.md, pubsub_event_history.md): the wamp.session.*, wamp.subscription.* and wamp.registration.*
// procedures, answered here without a dealer round trip, and the meta events, published through the broker.
// Thread affinity: realm strand only.
//
// Choices where the spec leaves one (Crossbar.io's where it has one):
// - Arguments are read by position, or by name from ArgumentsKw (Crossbar's meta procedures are Python functions,
//   so clients use both forms); a null argument counts as absent.
// - Subscriptions to "wamp." topics (meta event subscriptions) are the router's business: they get no
//   wamp.subscription.* events, list/lookup/match leave them out, and get/list_subscribers/count_subscribers/
//   get_events answer wamp.error.not_authorized for them (Crossbar's "protected URIs").
// - wamp.session.on_leave carries the spec's three arguments (session, authid, authrole); Crossbar sends the
//   session ID only, which stays the first argument.
// - A session leaving publishes, in this order: its testaments (detached, then destroyed), for each of its
//   subscriptions wamp.subscription.on_unsubscribe then on_delete if it was the last subscriber, the same for its
//   registrations, and finally wamp.session.on_leave.
// - wamp.session.kill & co answer the caller only after the victims have left the realm: their GOODBYE
//   (wamp.close.killed unless a reason is given) is on its way, their subscriptions and registrations are gone,
//   their testaments and on_leave published. kill_all is silent, as the spec says: no meta events and no
//   testaments for its victims.
// - wamp.session.add_testament and flush_testaments return nothing (spec; Crossbar returns a publication ID and a
//   count). A bad scope is wamp.error.invalid_argument (Crossbar: its own wamp.error.testament_error).
// - wamp.subscription.get_events takes the spec's keyword filters and also Crossbar's positional limit
//   (get_events(subscription, limit)); events come oldest first unless reverse=true (spec; Crossbar returns the
//   newest first). A subscription whose topics keep no history gets wamp.error.history_unavailable (Crossbar).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "realm/broker.hpp"
#include "realm/dealer.hpp"
#include "realm/event_history.hpp"
#include "realm/realm_context.hpp"
#include "realm/routing_observer.hpp"
#include "realm/session.hpp"
#include "realm/testaments.hpp"
#include "serializers/message.hpp"

namespace flyover::realm {

class Realm;

class MetaApi : public RoutingObserver {
public:
    MetaApi(Realm& realm, RealmContext& ctx, Broker& broker, Dealer& dealer, Testaments& testaments,
            EventHistory& history);
    MetaApi(const MetaApi&) = delete;
    MetaApi& operator=(const MetaApi&) = delete;

    /// Whether `procedure` is one of the router's meta procedures (answered here, never routed to a callee).
    static bool is_meta_procedure(std::string_view procedure);

    /// Answers a CALL to a meta procedure with RESULT or ERROR.
    void call(RealmSession& caller, Call&& m);

    /// wamp.session.on_join for a session that just joined.
    void session_joined(const SessionInfo& info);
    /// Publishes a leaving session's testaments, as that session (it is still subscribed, so publisher exclusion
    /// keeps them from itself).
    void publish_testaments(RealmSession& session);
    /// wamp.session.on_leave for a session that has left.
    void session_left(const SessionInfo& info);

    /// While muted no meta event is published (kill_all's victims leave silently); history still records.
    void set_muted(bool muted) { muted_ = muted; }

    // RoutingObserver
    void subscribed(Id session, Id subscription, std::string_view topic, bool created) override;
    void unsubscribed(Id session, Id subscription, std::string_view topic, bool deleted) override;
    void published(std::string_view topic, Id publication, const Dict& options, const Dict& details,
                   const Payload& payload) override;
    void registered(Id session, Id registration, std::string_view procedure, bool created) override;
    void unregistered(Id session, Id registration, std::string_view procedure, bool deleted) override;

    /// The answer of a meta procedure: RESULT arguments, or an ERROR URI with an explanation.
    struct Outcome {
        std::string error;
        std::string explanation;
        List args;
    };

private:
    using Handler = Outcome (MetaApi::*)(RealmSession& caller, const Call& m);
    static const Handler* find_handler(std::string_view procedure);

    void publish(std::string_view topic, List args);

    // wamp.session.*
    Outcome session_count(RealmSession& caller, const Call& m);
    Outcome session_list(RealmSession& caller, const Call& m);
    Outcome session_get(RealmSession& caller, const Call& m);
    Outcome session_kill(RealmSession& caller, const Call& m);
    Outcome session_kill_by_authid(RealmSession& caller, const Call& m);
    Outcome session_kill_by_authrole(RealmSession& caller, const Call& m);
    Outcome session_kill_all(RealmSession& caller, const Call& m);
    Outcome session_add_testament(RealmSession& caller, const Call& m);
    Outcome session_flush_testaments(RealmSession& caller, const Call& m);
    // wamp.subscription.*
    Outcome subscription_list(RealmSession& caller, const Call& m);
    Outcome subscription_lookup(RealmSession& caller, const Call& m);
    Outcome subscription_match(RealmSession& caller, const Call& m);
    Outcome subscription_get(RealmSession& caller, const Call& m);
    Outcome subscription_list_subscribers(RealmSession& caller, const Call& m);
    Outcome subscription_count_subscribers(RealmSession& caller, const Call& m);
    Outcome subscription_get_events(RealmSession& caller, const Call& m);
    // wamp.registration.*
    Outcome registration_list(RealmSession& caller, const Call& m);
    Outcome registration_lookup(RealmSession& caller, const Call& m);
    Outcome registration_match(RealmSession& caller, const Call& m);
    Outcome registration_get(RealmSession& caller, const Call& m);
    Outcome registration_list_callees(RealmSession& caller, const Call& m);
    Outcome registration_count_callees(RealmSession& caller, const Call& m);

    /// Kills the sessions `pick` selects (never the caller) with the reason and message in `m` from argument
    /// position `first_option` on; their IDs in ascending order, or an error.
    template <class Pick>
    Outcome kill_where(RealmSession& caller, const Call& m, std::size_t first_option, bool announce, Pick pick,
                       std::vector<Id>& killed);
    /// The subscription `m` names at argument 0 (nullptr and an error when it is missing, unknown or protected).
    const SubscriptionInfo* subscription_argument(const Call& m, std::optional<SubscriptionInfo>& holder,
                                                  Outcome& error);
    const RegistrationInfo* registration_argument(const Call& m, std::optional<RegistrationInfo>& holder,
                                                  Outcome& error);

    Realm& realm_;
    RealmContext& ctx_;
    Broker& broker_;
    Dealer& dealer_;
    Testaments& testaments_;
    EventHistory& history_;
    bool muted_ = false;
};

}  // namespace flyover::realm
