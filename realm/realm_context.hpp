#pragma once
// What the broker and dealer of one realm share: the realm's sessions, its authorizer, its ID generators and
// its URI rule. Thread affinity: realm strand only.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "realm/authorizer.hpp"
#include "realm/routing_observer.hpp"
#include "realm/session.hpp"
#include "serializers/ids.hpp"
#include "serializers/uri.hpp"

namespace flyover::realm {

/// The wall clock as Unix epoch milliseconds, for the timestamps the meta API reports (when a subscription was
/// created, when an event was stored). The router injects it, so the realm itself reads no clock and tests fix
/// the time. Durations and expiry never use it: they run on RealmContext::now_ms.
using WallClock = std::function<std::uint64_t()>;

struct RealmContext {
    std::string name;
    UriRule uri_rule = UriRule::loose;
    Authorizer authorize = allow_all();
    /// Publication IDs (global scope: random).
    RandomIdGenerator publication_ids;
    /// Subscription and registration IDs (router scope: sequential is allowed and cheap).
    SequentialIdGenerator subscription_ids;
    SequentialIdGenerator registration_ids;
    /// Joined sessions by ID. unordered_map keeps element addresses stable, so the broker and dealer may
    /// hold RealmSession pointers until the session's leave() reaches them.
    std::unordered_map<Id, RealmSession> sessions;
    /// The router's monotonic clock in milliseconds, as last given to Realm::tick (the realm reads no clock).
    std::uint64_t now_ms = 0;
    /// Calls in flight one session may have made, and invocations one callee may hold, at a time; a CALL
    /// beyond either is refused (the dealer's memory stays bounded when a callee reads but never answers).
    std::size_t max_pending_calls = 10000;
    /// See WallClock; empty = every timestamp reads as the epoch.
    WallClock wall_clock;
    /// Told about subscription, registration and publication changes (the realm's meta API); may be null.
    RoutingObserver* observer = nullptr;

    std::uint64_t wall_ms() const { return wall_clock ? wall_clock() : 0; }

    const RealmSession* find_session(Id id) const {
        auto it = sessions.find(id);
        return it == sessions.end() ? nullptr : &it->second;
    }
};

}  // namespace flyover::realm
