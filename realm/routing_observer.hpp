#pragma once
// What the broker and dealer tell the rest of the realm about their state changes: the meta API turns them into
// wamp.subscription.* / wamp.registration.* events, the event history records publications. The broker and
// dealer only report; they do not know who listens. Thread affinity: realm strand only.
//
// Every call comes after the state changed and after the acting session got its own reply (SUBSCRIBED,
// REGISTERED, ...), so a listener may query the broker or dealer and may publish; it must not subscribe,
// register or remove anything from inside a call.

#include <string_view>

#include "serializers/ids.hpp"
#include "serializers/message.hpp"
#include "serializers/value.hpp"

namespace flyover::realm {

class RoutingObserver {
public:
    virtual ~RoutingObserver() = default;

    /// `session` was added to subscription `subscription` on `topic`; `created` when the subscription is new.
    virtual void subscribed(Id session, Id subscription, std::string_view topic, bool created) = 0;
    /// `session` was removed from `subscription`; `deleted` when it was the last subscriber and the subscription
    /// is gone.
    virtual void unsubscribed(Id session, Id subscription, std::string_view topic, bool deleted) = 0;
    /// A publication is about to be dispatched: `details` are the EVENT.Details every subscriber gets (without
    /// the per-subscription `topic`), `options` the PUBLISH.Options it came with.
    virtual void published(std::string_view topic, Id publication, const Dict& options, const Dict& details,
                           const Payload& payload) = 0;

    /// `session` was added to registration `registration` of `procedure`; `created` when the registration is new.
    virtual void registered(Id session, Id registration, std::string_view procedure, bool created) = 0;
    /// `session` was removed from `registration`; `deleted` when it was the last callee.
    virtual void unregistered(Id session, Id registration, std::string_view procedure, bool deleted) = 0;
};

}  // namespace flyover::realm
