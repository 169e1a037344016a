#pragma once
// Event history (spec, advanced/pubsub_event_history.md): the realm keeps the last events of configured topics
// or topic patterns in memory, and wamp.subscription.get_events hands them to a subscriber, for example one that
// reconnects and wants what it missed.
//
// Storage is per concrete topic, not per subscription: a publication is stored when its topic matches a
// configured rule (the first rule in configuration order that matches decides the limits), whether or not anyone
// is subscribed. A query for a subscription returns the stored events on every topic the subscription matches,
// in the order the broker received them. For the spec's example (exact, exact and prefix subscriptions over one
// topic space) this gives exactly the histories the spec lists, and it needs no "dummy" subscriptions to keep
// history while nobody listens; the limit counts per topic, so a busy topic cannot push a quiet one's history out.
//
// Memory is bounded by configuration: at most `limit` events per topic and `max_topics` topics per rule (the
// topic published to least recently is dropped first). Time-based expiry runs on the router's monotonic clock
// (RealmContext::now_ms, from Realm::tick); the wall clock only labels events with their timestamp.
// Thread affinity: realm strand only.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "realm/audience.hpp"
#include "realm/session.hpp"
#include "realm/uri_index.hpp"
#include "serializers/ids.hpp"
#include "serializers/message.hpp"
#include "serializers/uri.hpp"

namespace flyover::realm {

/// One configured history: which topics, how many events per topic, for how long.
struct EventHistoryRule {
    std::string topic;
    MatchPolicy match = MatchPolicy::exact;
    /// Events kept per topic (the oldest go first). Crossbar's default.
    std::size_t limit = 100;
    /// Events older than this are dropped; 0 = kept until pushed out by `limit`.
    std::uint64_t max_age_ms = 0;
    /// Topics kept for this rule; a new topic beyond it drops the topic published to least recently.
    std::size_t max_topics = 1000;
};

class EventHistory {
public:
    struct StoredEvent {
        /// Arrival order across the realm's history (publication IDs are random, so they cannot order events).
        std::uint64_t seq = 0;
        Id publication = 0;
        /// RealmContext::now_ms when stored, for max_age_ms.
        std::uint64_t stored_ms = 0;
        /// Wall clock when stored: the event's timestamp.
        std::uint64_t wall_ms = 0;
        /// EVENT.Details as every subscriber got them, without the per-subscription `topic`.
        Dict details;
        Payload payload;
        /// Who may read it: the authid/authrole black/white lists of the publication.
        Audience audience;
    };

    /// A stored event and the topic it was published to.
    struct Found {
        std::string_view topic;
        const StoredEvent* event;
    };

    /// The filters of wamp.subscription.get_events (all optional, combined with AND).
    struct Query {
        bool reverse = false;
        std::optional<std::size_t> limit;
        /// Wall-clock bounds in Unix ms: >= from, > after, < before, <= until.
        std::optional<std::uint64_t> from_time, after_time, before_time, until_time;
        /// Only events published to exactly this topic.
        std::optional<std::string> topic;
        /// Bounds by publication: at or after / after / before / at or before the stored event with that ID. An ID
        /// the history does not hold (any more) is taken as older than every stored event, which is what a
        /// paginating client means when its last-seen event has since been pushed out.
        std::optional<Id> from_publication, after_publication, before_publication, until_publication;
    };

    EventHistory() = default;
    explicit EventHistory(std::vector<EventHistoryRule> rules);

    bool enabled() const { return !rules_.empty(); }

    /// Stores a publication if a rule covers `topic`. Not stored: events whose audience is given by session IDs
    /// (`eligible` / `exclude`: spec, those IDs mean nothing to a later session) and payload passthru events
    /// (opaque to the router).
    void record(std::string_view topic, Id publication, const Dict& options, const Dict& details,
                const Payload& payload, std::uint64_t now_ms, std::uint64_t wall_ms);

    /// Frees topics whose newest event is older than their rule's max_age_ms (older events of livelier topics are
    /// skipped by queries and dropped on their topic's next publication).
    void expire(std::uint64_t now_ms);

    /// Whether some rule stores events that a subscription on (pattern, match) would receive.
    bool covers(std::string_view pattern, MatchPolicy match) const;

    /// The stored, unexpired events on topics matching (pattern, match) that `reader` is admitted to, filtered by
    /// `q`: in arrival order, or newest first with q.reverse; at most q.limit of them.
    std::vector<Found> query(std::string_view pattern, MatchPolicy match, const SessionInfo& reader,
                             std::uint64_t now_ms, const Query& q) const;

    std::size_t topic_count() const;
    std::size_t event_count() const { return seq_of_publication_.size(); }

private:
    struct Topic {
        std::deque<StoredEvent> events;
        std::uint64_t last_seq = 0;
    };
    using Topics = std::map<std::string, Topic, std::less<>>;
    struct Rule {
        EventHistoryRule config;
        Topics topics;
        /// Topics by their newest event's seq: the first is the one published to least recently.
        std::map<std::uint64_t, Topics::iterator> by_recency;
    };

    bool expired(const Rule& r, const StoredEvent& e, std::uint64_t now_ms) const {
        return r.config.max_age_ms != 0 && now_ms >= e.stored_ms + r.config.max_age_ms;
    }
    void drop_topic(Rule& r, Topics::iterator it);
    void pop_oldest(Topic& t);

    std::vector<Rule> rules_;
    /// Which rules match a topic (value: the rule's position); the lowest position wins.
    UriIndex<std::size_t> index_;
    std::uint64_t next_seq_ = 1;
    /// For the *_publication filters: the seq of every stored event.
    std::unordered_map<Id, std::uint64_t> seq_of_publication_;
};

}  // namespace flyover::realm
