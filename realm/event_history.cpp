#include "realm/event_history.hpp"

#include <algorithm>
#include <limits>

namespace flyover::realm {
namespace {

std::vector<std::string_view> components(std::string_view uri) {
    std::vector<std::string_view> out;
    for (;;) {
        auto dot = uri.find('.');
        out.push_back(uri.substr(0, dot));
        if (dot == std::string_view::npos) return out;
        uri.remove_prefix(dot + 1);
    }
}

/// Whether some URI starts with `prefix` and matches wildcard `pattern`: the prefix's whole components must fit
/// the pattern's, and its last (possibly partial) component must be able to begin the pattern's component there.
bool prefix_meets_wildcard(std::string_view prefix, std::string_view pattern) {
    auto p = components(prefix);
    auto w = components(pattern);
    if (p.size() > w.size()) return false;
    for (std::size_t i = 0; i + 1 < p.size(); ++i)
        if (!w[i].empty() && w[i] != p[i]) return false;
    return w[p.size() - 1].empty() || w[p.size() - 1].starts_with(p.back());
}

/// Whether some concrete URI matches both patterns.
bool patterns_overlap(std::string_view a, MatchPolicy pa, std::string_view b, MatchPolicy pb) {
    if (pa == MatchPolicy::exact) return pattern_matches(b, pb, a);
    if (pb == MatchPolicy::exact) return pattern_matches(a, pa, b);
    if (pa == MatchPolicy::prefix && pb == MatchPolicy::prefix) return a.starts_with(b) || b.starts_with(a);
    if (pa == MatchPolicy::prefix) return prefix_meets_wildcard(a, b);
    if (pb == MatchPolicy::prefix) return prefix_meets_wildcard(b, a);
    auto x = components(a);
    auto y = components(b);
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
        if (!x[i].empty() && !y[i].empty() && x[i] != y[i]) return false;
    return true;
}

/// The literal start of a wildcard pattern, up to its first empty component ("com.a..x" -> "com.a."): every
/// topic the pattern matches begins with it.
std::string_view wildcard_lead(std::string_view pattern) {
    if (pattern.empty() || pattern[0] == '.') return {};
    auto empty_component = pattern.find("..");
    if (empty_component != std::string_view::npos) return pattern.substr(0, empty_component + 1);
    return pattern;
}

}  // namespace

EventHistory::EventHistory(std::vector<EventHistoryRule> rules) {
    for (auto& rule : rules) {
        // A repeated (topic, match) could never win over the first one; the config loader refuses it anyway.
        if (index_.find(rule.topic, rule.match)) continue;
        rule.limit = std::max<std::size_t>(rule.limit, 1);
        rule.max_topics = std::max<std::size_t>(rule.max_topics, 1);
        index_.insert(rule.topic, rule.match, rules_.size());
        rules_.push_back(Rule{std::move(rule), {}, {}});
    }
}

void EventHistory::pop_oldest(Topic& t) {
    seq_of_publication_.erase(t.events.front().publication);
    t.events.pop_front();
}

void EventHistory::drop_topic(Rule& r, Topics::iterator it) {
    for (auto& e : it->second.events) seq_of_publication_.erase(e.publication);
    r.by_recency.erase(it->second.last_seq);
    r.topics.erase(it);
}

void EventHistory::record(std::string_view topic, Id publication, const Dict& options, const Dict& details,
                          const Payload& payload, std::uint64_t now_ms, std::uint64_t wall_ms) {
    if (rules_.empty()) return;
    std::size_t which = std::numeric_limits<std::size_t>::max();
    index_.for_each_match(topic, [&](std::size_t i) { which = std::min(which, i); });
    if (which == std::numeric_limits<std::size_t>::max()) return;
    if (payload.transparent || find(options, "eligible") || find(options, "exclude")) return;

    Rule& r = rules_[which];
    auto it = r.topics.find(topic);
    if (it == r.topics.end()) {
        if (r.topics.size() >= r.config.max_topics && !r.by_recency.empty())
            drop_topic(r, r.by_recency.begin()->second);
        it = r.topics.emplace(std::string(topic), Topic{}).first;
    } else {
        r.by_recency.erase(it->second.last_seq);
    }
    Topic& t = it->second;
    while (!t.events.empty() && expired(r, t.events.front(), now_ms)) pop_oldest(t);
    const std::uint64_t seq = next_seq_++;
    // Publisher exclusion is by session ID, which means nothing later: only the authid/authrole lists remain.
    t.events.push_back(
        StoredEvent{seq, publication, now_ms, wall_ms, details, payload, Audience::from_options(options, 0)});
    seq_of_publication_[publication] = seq;
    while (t.events.size() > r.config.limit) pop_oldest(t);
    t.last_seq = seq;
    r.by_recency.emplace(seq, it);
}

void EventHistory::expire(std::uint64_t now_ms) {
    for (Rule& r : rules_) {
        if (r.config.max_age_ms == 0) continue;
        // by_recency is ordered by each topic's newest event: stop at the first topic still alive.
        while (!r.by_recency.empty()) {
            auto it = r.by_recency.begin()->second;
            if (!expired(r, it->second.events.back(), now_ms)) break;
            drop_topic(r, it);
        }
    }
}

bool EventHistory::covers(std::string_view pattern, MatchPolicy match) const {
    return std::any_of(rules_.begin(), rules_.end(), [&](const Rule& r) {
        return patterns_overlap(r.config.topic, r.config.match, pattern, match);
    });
}

std::vector<EventHistory::Found> EventHistory::query(std::string_view pattern, MatchPolicy match,
                                                     const SessionInfo& reader, std::uint64_t now_ms,
                                                     const Query& q) const {
    std::vector<Found> out;
    auto take = [&](const Rule& r, const std::string& topic, const Topic& t) {
        if (q.topic && *q.topic != topic) return;
        for (const StoredEvent& e : t.events) {
            if (expired(r, e, now_ms) || !e.audience.admits(reader)) continue;
            if (q.from_time && e.wall_ms < *q.from_time) continue;
            if (q.after_time && e.wall_ms <= *q.after_time) continue;
            if (q.before_time && e.wall_ms >= *q.before_time) continue;
            if (q.until_time && e.wall_ms > *q.until_time) continue;
            out.push_back({topic, &e});
        }
    };
    for (const Rule& r : rules_) {
        if (!patterns_overlap(r.config.topic, r.config.match, pattern, match)) continue;
        if (match == MatchPolicy::exact) {
            if (auto it = r.topics.find(pattern); it != r.topics.end()) take(r, it->first, it->second);
            continue;
        }
        // Only topics beginning with the pattern's literal lead can match: a range of the ordered map.
        auto lead = match == MatchPolicy::prefix ? pattern : wildcard_lead(pattern);
        for (auto it = r.topics.lower_bound(lead); it != r.topics.end() && std::string_view(it->first).starts_with(lead); ++it)
            if (match == MatchPolicy::prefix || wildcard_matches(pattern, it->first)) take(r, it->first, it->second);
    }
    std::sort(out.begin(), out.end(), [](const Found& a, const Found& b) { return a.event->seq < b.event->seq; });

    // Publication bounds compare arrival order; an ID no longer held counts as older than everything held.
    auto seq_of = [&](Id publication) -> std::uint64_t {
        auto it = seq_of_publication_.find(publication);
        return it == seq_of_publication_.end() ? 0 : it->second;
    };
    std::erase_if(out, [&](const Found& f) {
        const std::uint64_t s = f.event->seq;
        if (q.from_publication && s < seq_of(*q.from_publication)) return true;
        if (q.after_publication && s <= seq_of(*q.after_publication)) return true;
        if (q.before_publication && s >= seq_of(*q.before_publication)) return true;
        if (q.until_publication && s > seq_of(*q.until_publication)) return true;
        return false;
    });
    if (q.reverse) std::reverse(out.begin(), out.end());
    if (q.limit && out.size() > *q.limit) out.resize(*q.limit);
    return out;
}

std::size_t EventHistory::topic_count() const {
    std::size_t n = 0;
    for (auto& r : rules_) n += r.topics.size();
    return n;
}

}  // namespace flyover::realm
