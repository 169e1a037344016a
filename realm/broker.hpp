#pragma once
// Publish & Subscribe routing for one realm: subscriptions, matching, fan-out with serialize-once EVENTs.
// Thread affinity: realm strand only.

#include <cstddef>

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

    std::size_t subscription_count() const;

private:
    struct State;
    RealmContext& ctx_;
    std::unique_ptr<State> state_;
};

}  // namespace flyover::realm
