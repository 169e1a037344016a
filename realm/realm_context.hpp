#pragma once
// What the broker and dealer of one realm share: the realm's sessions, its authorizer, its ID generators and
// its URI rule. Thread affinity: realm strand only.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "realm/authorizer.hpp"
#include "realm/session.hpp"
#include "serializers/ids.hpp"
#include "serializers/uri.hpp"

namespace flyover::realm {

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

    const RealmSession* find_session(Id id) const {
        auto it = sessions.find(id);
        return it == sessions.end() ? nullptr : &it->second;
    }
};

}  // namespace flyover::realm
