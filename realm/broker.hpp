#pragma once
// Publish & Subscribe routing for one realm: subscriptions, matching, fan-out with serialize-once EVENTs.
// Thread affinity: realm strand only.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "realm/realm_context.hpp"
#include "realm/session.hpp"
#include "serializers/message.hpp"

namespace flyover::realm {

/// One subscription as the meta API reports it (wamp.subscription.get, list_subscribers, ...).
struct SubscriptionInfo {
    Id id = 0;
    std::string uri;
    MatchPolicy match = MatchPolicy::exact;
    /// When it was created, on the wall clock (RealmContext::wall_ms).
    std::uint64_t created_ms = 0;
    /// Session IDs, in the order they subscribed.
    std::vector<Id> subscribers;
};

class Broker {
public:
    explicit Broker(RealmContext& ctx);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    /// WELCOME.Details.roles.broker.features: exactly the features that work.
    static Dict features();

    void subscribe(RealmSession& subscriber, Subscribe&& m);
    void unsubscribe(RealmSession& subscriber, Unsubscribe&& m);
    void publish(RealmSession& publisher, Publish&& m);
    /// Drop every subscription of a leaving session (idempotent).
    void leave(RealmSession& session);

    /// A publication by the router itself (meta events such as wamp.session.on_join): no publisher to exclude
    /// or disclose, no publish authorization, reserved "wamp." topics allowed. Each subscriber receives it only
    /// if the realm's authorizer lets it subscribe to `topic` at delivery time (a pattern subscription such as
    /// "wamp." was authorized for the pattern, not for every meta topic it reaches). `options` may carry the
    /// black/white lists and `retain`. Returns the publication ID.
    Id publish_from_router(std::string_view topic, Payload payload, const Dict& options = {});

    // ---- queries for the meta API ----

    using SubscriptionVisitor = std::function<void(Id id, std::string_view uri, MatchPolicy match)>;
    /// The subscription with this ID, or nullopt.
    std::optional<SubscriptionInfo> subscription(Id id) const;
    /// The ID of the subscription on exactly (uri, match), or 0 (what a SUBSCRIBE with these would join).
    Id lookup_subscription(std::string_view uri, MatchPolicy match) const;
    /// Visits every subscription a publication to the concrete `topic` reaches: exact, then prefixes from
    /// shortest to longest, then wildcards.
    void for_each_matching_subscription(std::string_view topic, const SubscriptionVisitor& f) const;
    /// Visits every subscription, in no particular order.
    void for_each_subscription(const SubscriptionVisitor& f) const;

    std::size_t subscription_count() const;
    /// Topics holding at least one retained event.
    std::size_t retained_topic_count() const;

private:
    struct State;
    void dispatch(const RealmSession* publisher, std::string_view topic, const Dict& options, Payload&& payload,
                  Id publication);

    RealmContext& ctx_;
    std::unique_ptr<State> state_;
};

}  // namespace flyover::realm
