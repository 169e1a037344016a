#pragma once
// The retained events of one realm's broker (spec, advanced/pubsub_event_retention.md): per topic, the most
// recent event published with `retain`, handed to a later subscriber that asks with `get_retained`.
// Best effort and in memory only, as the spec allows. Thread affinity: realm strand only.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "realm/audience.hpp"
#include "realm/uri_index.hpp"
#include "serializers/message.hpp"
#include "serializers/uri.hpp"

namespace flyover::realm {

class RetainedEvents {
public:
    struct Event {
        Payload payload;
        /// EVENT.Details as the live event carried them (publisher disclosure, payload passthru attributes),
        /// without the per-subscription `topic`.
        Dict details;
        Audience audience;
    };

    /// At most this many retained events per topic. The spec asks for "the most recent retained event that
    /// [the subscriber] would have received", so events with black/white lists are kept beside the latest
    /// event for everyone (as Crossbar does); this bounds how many such events pile up.
    static constexpr std::size_t max_per_topic = 16;

    /// Keeps `event` as the newest retained event of `topic`. An event for everyone replaces all older ones; a
    /// restricted one replaces older ones with the same audience and is kept beside the rest.
    void retain(std::string_view topic, Event event);

    /// Calls f(topic, event) for the newest retained event `subscriber` is admitted to, for every topic that
    /// (pattern, policy) matches; topics in lexicographic order.
    template <class F>
    void for_each_match(std::string_view pattern, MatchPolicy policy, const SessionInfo& subscriber, F&& f) const {
        auto visit = [&](const std::string& topic, const std::vector<Event>& events) {
            for (auto it = events.rbegin(); it != events.rend(); ++it) {
                if (it->audience.admits(subscriber)) {
                    f(std::string_view(topic), *it);
                    return;
                }
            }
        };
        if (policy == MatchPolicy::exact) {
            if (auto it = topics_.find(pattern); it != topics_.end()) visit(it->first, it->second);
            return;
        }
        // Only topics that start with the pattern's literal lead can match: a range of the ordered map.
        auto lead = policy == MatchPolicy::prefix ? pattern : wildcard_lead(pattern);
        for (auto it = topics_.lower_bound(lead); it != topics_.end(); ++it) {
            if (std::string_view(it->first).substr(0, lead.size()) != lead) break;
            if (policy == MatchPolicy::prefix || wildcard_matches(pattern, it->first)) visit(it->first, it->second);
        }
    }

    /// Topics with at least one retained event.
    std::size_t topic_count() const { return topics_.size(); }

private:
    /// The part of a wildcard pattern before its first empty component ("com.a..x" -> "com.a.").
    static std::string_view wildcard_lead(std::string_view pattern);

    std::map<std::string, std::vector<Event>, std::less<>> topics_;
};

}  // namespace flyover::realm
