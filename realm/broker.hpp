#pragma once
// Publish & Subscribe routing for one realm: subscriptions, matching, fan-out with serialize-once EVENTs.
// Thread affinity: realm strand only.

#include <cstddef>
#include <memory>
#include <string_view>

#include "realm/realm_context.hpp"
#include "realm/session.hpp"
#include "serializers/message.hpp"

namespace flyover::realm {

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
    /// or disclose, no authorization, reserved "wamp." topics allowed. `options` may carry the black/white lists
    /// and `retain`. Returns the publication ID.
    Id publish_from_router(std::string_view topic, Payload payload, const Dict& options = {});

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
