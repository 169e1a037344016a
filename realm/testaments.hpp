#pragma once
// The testaments of a realm's sessions (spec, advanced/pubsub_testament.md): events a session files with
// wamp.session.add_testament for the router to publish when the session is gone.
//
// Scopes: Flyover has no session resumption, so a session is "detached" exactly when it is destroyed: when it
// says GOODBYE, is killed, or its transport is lost (Crossbar publishes at the same moment). The two buckets are
// still kept apart, as the spec asks, so that wamp.session.flush_testaments can clear one of them; at departure
// the detached testaments are published first, then the destroyed ones, each in the order they were added.
// Thread affinity: realm strand only.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "serializers/ids.hpp"
#include "serializers/message.hpp"
#include "serializers/value.hpp"

namespace flyover::realm {

class Testaments {
public:
    enum class Scope { detached, destroyed };

    struct Testament {
        std::string topic;
        /// PUBLISH.Options for the event (acknowledge and exclude_me already removed).
        Dict options;
        Payload payload;
    };

    /// At most this many testaments per session, both scopes together: a session cannot grow router memory
    /// without bound through add_testament.
    static constexpr std::size_t max_per_session = 64;

    /// "detached" / "destroyed", or nullopt.
    static std::optional<Scope> parse_scope(std::string_view s);

    /// Files `t` for `session`; false (and nothing filed) when the session already holds max_per_session.
    bool add(Id session, Scope scope, Testament t);
    /// Drops the session's testaments of `scope`; returns how many there were.
    std::size_t flush(Id session, Scope scope);
    /// Removes all of the session's testaments and returns them in publication order: detached ones first, then
    /// destroyed ones, each in the order added.
    std::vector<Testament> take(Id session);
    /// How many testaments `session` holds in `scope`.
    std::size_t count(Id session, Scope scope) const;

private:
    struct Buckets {
        std::vector<Testament> detached;
        std::vector<Testament> destroyed;
        std::vector<Testament>& of(Scope s) { return s == Scope::detached ? detached : destroyed; }
        const std::vector<Testament>& of(Scope s) const { return s == Scope::detached ? detached : destroyed; }
    };
    std::unordered_map<Id, Buckets> by_session_;
};

}  // namespace flyover::realm
