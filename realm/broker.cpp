// Publish & Subscribe for one realm (spec: basic/publish_subscribe.md and advanced/pubsub_*.md).
//
// Fan-out cost per publication: one lookup in the URI index (never a scan of all subscriptions), then per
// matching subscription ONE immutable EVENT shared by every admitted subscriber of it, so the codecs encode it
// at most once per serializer. Delivery is synchronous, which keeps each publisher's events in publish order at
// every subscriber.
#include "realm/broker.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "realm/audience.hpp"
#include "realm/retained_events.hpp"
#include "realm/uri_index.hpp"
#include "serializers/error_uris.hpp"
#include "serializers/outbound_message.hpp"
#include "serializers/uri.hpp"

namespace flyover::realm {
namespace {

/// Every session subscribed to one (topic, match policy): they share its ID and the EVENTs made for it.
struct Subscription {
    Id id = 0;
    std::string uri;
    MatchPolicy policy = MatchPolicy::exact;
    /// Wall clock at creation, for the meta API.
    std::uint64_t created_ms = 0;
    /// Sessions stay in ctx.sessions (stable addresses) until their leave() has removed them from here.
    std::vector<RealmSession*> subscribers;
};

/// PUBLISH.Options that EVENT.Details carry on in payload passthru mode: the enc_* names the codecs recognise
/// (Crossbar's payload transparency) and the spec's current ppt_* names.
constexpr std::string_view passthru_keys[] = {"enc_algo",       "enc_serializer", "enc_key",  "ppt_scheme",
                                              "ppt_serializer", "ppt_cipher",     "ppt_keyid"};

bool is_passthru(const Dict& options) { return find(options, "enc_algo") || find(options, "ppt_scheme"); }

/// Passthru needs the publisher to have announced it (spec: otherwise a protocol error). Older Autobahn
/// versions announce the same thing as "payload_transparency".
bool announces_passthru(const SessionInfo& info) {
    return info.client_has_feature("publisher", "payload_passthru_mode") ||
           info.client_has_feature("publisher", "payload_transparency");
}

std::optional<MatchPolicy> match_policy(const Dict& options) {
    auto v = find(options, "match");
    if (!v) return MatchPolicy::exact;
    auto s = v->as_string();
    if (!s) return std::nullopt;
    if (*s == "exact") return MatchPolicy::exact;
    if (*s == "prefix") return MatchPolicy::prefix;
    if (*s == "wildcard") return MatchPolicy::wildcard;
    return std::nullopt;
}

ErrorMessage error(MessageType request_type, Id request, std::string_view uri, std::string text) {
    return ErrorMessage{request_type, request, {}, std::string(uri), Payload{List{Value(std::move(text))}, {}, {}}};
}

}  // namespace

struct Broker::State {
    UriIndex<Subscription> index;
    std::unordered_map<Id, Subscription*> by_id;
    /// Per session: its subscriptions, each with the session's position in that subscription's subscribers,
    /// so unsubscribing and leaving cost O(1) per subscription instead of a search through its subscribers.
    std::unordered_map<Id, std::unordered_map<Id, std::size_t>> by_session;
    RetainedEvents retained;
    /// The subscriptions matching the publication being dispatched; kept to spare an allocation per publish.
    std::vector<Subscription*> matches;

    /// Takes the subscriber at `position` out of `sub` (the last one fills the gap), and deletes the
    /// subscription when nobody is left (then returns true). The caller has already dropped the entry in its own
    /// by_session map.
    bool remove_subscriber(Subscription& sub, std::size_t position) {
        auto& subscribers = sub.subscribers;
        if (position + 1 != subscribers.size()) {
            RealmSession* moved = subscribers.back();
            subscribers[position] = moved;
            by_session.find(moved->id())->second.find(sub.id)->second = position;
        }
        subscribers.pop_back();
        if (!subscribers.empty()) return false;
        by_id.erase(sub.id);
        index.erase(sub.uri, sub.policy);  // destroys `sub`
        return true;
    }
};

Broker::Broker(RealmContext& ctx) : ctx_(ctx), state_(std::make_unique<State>()) {}
Broker::~Broker() = default;

Dict Broker::features() {
    return Dict{
        {"publisher_exclusion", true},        {"subscriber_blackwhite_listing", true},
        {"publisher_identification", true},   {"pattern_based_subscription", true},
        {"event_retention", true},            {"payload_passthru_mode", true},
        {"session_meta_api", true},           {"subscription_meta_api", true},
        {"event_history", true},
    };
}

void Broker::subscribe(RealmSession& subscriber, Subscribe&& m) {
    auto policy = match_policy(m.options);
    if (!policy) {
        // The codec's mapper refuses such a SUBSCRIBE on the wire already; a message built in code gets the same.
        subscriber.abort(uris::protocol_violation, "SUBSCRIBE.Options.match must be one of exact, prefix, wildcard");
        return;
    }
    if (!is_valid_pattern(m.topic, *policy, ctx_.uri_rule)) {
        subscriber.send(error(MessageType::subscribe, m.request, uris::invalid_uri,
                              "subscribe for invalid topic URI '" + m.topic + "'"));
        return;
    }
    if (find(m.options, "forward_for")) {
        // forward_for is for router-to-router links, which Flyover does not have; from a client it would be a
        // forged routing path.
        subscriber.send(error(MessageType::subscribe, m.request, uris::option_not_allowed,
                              "SUBSCRIBE.Options.forward_for is only allowed between routers"));
        return;
    }
    if (!ctx_.authorize(subscriber.info(), Action::subscribe, m.topic)) {
        subscriber.send(error(MessageType::subscribe, m.request, uris::not_authorized,
                              "session is not authorized to subscribe to topic '" + m.topic + "'"));
        return;
    }

    auto& st = *state_;
    Subscription* sub = st.index.find(m.topic, *policy);
    const bool created = !sub;
    if (created) {
        Id id = ctx_.subscription_ids.next();
        sub = &st.index.insert(m.topic, *policy, Subscription{id, m.topic, *policy, ctx_.wall_ms(), {}});
        st.by_id.emplace(id, sub);
    }
    // Subscribing twice is not an error: the session gets the same subscription ID and one EVENT per publication.
    const bool added = st.by_session[subscriber.id()].try_emplace(sub->id, sub->subscribers.size()).second;
    if (added) sub->subscribers.push_back(&subscriber);
    subscriber.send(Subscribed{m.request, sub->id});

    if (get_bool(m.options, "get_retained", false)) {
        // A retained event goes to this session alone, so it is made for it (unlike live fan-out). Crossbar gives
        // it a fresh publication ID.
        st.retained.for_each_match(sub->uri, sub->policy, subscriber.info(),
                                   [&](std::string_view topic, const RetainedEvents::Event& e) {
                                       Dict details = e.details;
                                       details.insert_or_assign("retained", true);
                                       if (sub->policy != MatchPolicy::exact)
                                           details.insert_or_assign("topic", std::string(topic));
                                       subscriber.send(
                                           Event{sub->id, ctx_.publication_ids.next(), std::move(details), e.payload});
                                   });
    }
    // Last, as Crossbar does: the subscriber has its SUBSCRIBED (and retained events) before anyone hears of it.
    if (added && ctx_.observer) ctx_.observer->subscribed(subscriber.id(), sub->id, sub->uri, created);
}

void Broker::unsubscribe(RealmSession& subscriber, Unsubscribe&& m) {
    auto& st = *state_;
    if (auto mine = st.by_session.find(subscriber.id()); mine != st.by_session.end()) {
        auto& held = mine->second;
        if (auto entry = held.find(m.subscription); entry != held.end()) {
            auto position = entry->second;
            held.erase(entry);
            if (held.empty()) st.by_session.erase(mine);
            Subscription& sub = *st.by_id.at(m.subscription);
            std::string topic = ctx_.observer ? sub.uri : std::string();  // `sub` may die just below
            const bool deleted = st.remove_subscriber(sub, position);
            subscriber.send(Unsubscribed{m.request, {}});
            if (ctx_.observer) ctx_.observer->unsubscribed(subscriber.id(), m.subscription, topic, deleted);
            return;
        }
    }
    subscriber.send(error(MessageType::unsubscribe, m.request, uris::no_such_subscription,
                          "session holds no subscription " + std::to_string(m.subscription)));
}

void Broker::leave(RealmSession& session) {
    auto& st = *state_;
    auto mine = st.by_session.find(session.id());
    if (mine == st.by_session.end()) return;
    auto held = std::move(mine->second);
    st.by_session.erase(mine);
    struct Removed {
        Id subscription;
        std::string topic;
        bool deleted;
    };
    std::vector<Removed> removed;
    for (auto [subscription, position] : held) {
        Subscription& sub = *st.by_id.at(subscription);
        std::string topic = ctx_.observer ? sub.uri : std::string();
        const bool deleted = st.remove_subscriber(sub, position);
        if (ctx_.observer) removed.push_back({subscription, std::move(topic), deleted});
    }
    if (!ctx_.observer) return;
    // Reported once the broker is consistent again, in subscription order so listeners see a stable sequence.
    std::sort(removed.begin(), removed.end(), [](auto& a, auto& b) { return a.subscription < b.subscription; });
    for (auto& r : removed) ctx_.observer->unsubscribed(session.id(), r.subscription, r.topic, r.deleted);
}

void Broker::publish(RealmSession& publisher, Publish&& m) {
    // As Crossbar: a refused publication is reported only when the publisher asked for an acknowledgement;
    // otherwise the publisher is not waiting for an answer and gets none.
    const bool acknowledge = get_bool(m.options, "acknowledge", false);
    auto refuse = [&](std::string_view uri, std::string text) {
        if (acknowledge) publisher.send(error(MessageType::publish, m.request, uri, std::move(text)));
    };

    if (is_passthru(m.options) && !announces_passthru(publisher.info())) {
        publisher.abort(uris::protocol_violation,
                        "PUBLISH in payload passthru mode, but HELLO did not announce publisher feature "
                        "payload_passthru_mode");
        return;
    }
    if (!is_valid_uri(m.topic, ctx_.uri_rule)) {
        refuse(uris::invalid_uri, "publish with invalid topic URI '" + m.topic + "'");
        return;
    }
    if (is_reserved_uri(m.topic)) {
        // wamp.* events (the meta API) come from the router only, so subscribers can trust them.
        refuse(uris::invalid_uri, "publish with restricted topic URI '" + m.topic + "'");
        return;
    }
    if (find(m.options, "forward_for")) {
        refuse(uris::option_not_allowed, "PUBLISH.Options.forward_for is only allowed between routers");
        return;
    }
    if (!ctx_.authorize(publisher.info(), Action::publish, m.topic)) {
        refuse(uris::not_authorized, "session is not authorized to publish to topic '" + m.topic + "'");
        return;
    }

    Id publication = ctx_.publication_ids.next();
    if (acknowledge) publisher.send(Published{m.request, publication});
    dispatch(&publisher, m.topic, m.options, std::move(m.payload), publication);
}

Id Broker::publish_from_router(std::string_view topic, Payload payload, const Dict& options) {
    Id publication = ctx_.publication_ids.next();
    dispatch(nullptr, topic, options, std::move(payload), publication);
    return publication;
}

void Broker::dispatch(const RealmSession* publisher, std::string_view topic, const Dict& options, Payload&& payload,
                      Id publication) {
    auto& st = *state_;
    const Audience audience = Audience::from_options(options, publisher ? publisher->id() : 0);

    Dict details;
    if (publisher && get_bool(options, "disclose_me", false)) {
        details.emplace("publisher", publisher->id());
        details.emplace("publisher_authid", publisher->info().authid);
        details.emplace("publisher_authrole", publisher->info().authrole);
    }
    for (auto key : passthru_keys)
        if (auto v = find(options, key)) details.emplace(std::string(key), *v);

    if (get_bool(options, "retain", false)) st.retained.retain(topic, {payload, details, audience});
    if (ctx_.observer) ctx_.observer->published(topic, publication, options, details, payload);

    st.matches.clear();
    st.index.for_each_match(topic, [&](Subscription& sub) { st.matches.push_back(&sub); });
    for (std::size_t i = 0; i < st.matches.size(); ++i) {
        const Subscription& sub = *st.matches[i];
        const bool last = i + 1 == st.matches.size();
        // Made on the first admitted subscriber: a subscription nobody may receive costs no EVENT.
        SharedMessage event;
        for (RealmSession* subscriber : sub.subscribers) {
            if (!audience.admits(subscriber->info())) continue;
            if (!publisher && !ctx_.authorize(subscriber->info(), Action::subscribe, topic)) continue;
            if (!event) {
                Event e{sub.id, publication, {}, {}};
                // One EVENT per matching subscription (usually one): the last one takes details and payload
                // without a copy.
                if (last) {
                    e.details = std::move(details);
                    e.payload = std::move(payload);
                } else {
                    e.details = details;
                    e.payload = payload;
                }
                if (sub.policy != MatchPolicy::exact) e.details.insert_or_assign("topic", std::string(topic));
                event = make_shared_message(std::move(e));
            }
            subscriber->deliver(event);
        }
    }
}

std::optional<SubscriptionInfo> Broker::subscription(Id id) const {
    auto it = state_->by_id.find(id);
    if (it == state_->by_id.end()) return std::nullopt;
    const Subscription& sub = *it->second;
    SubscriptionInfo info{sub.id, sub.uri, sub.policy, sub.created_ms, {}};
    info.subscribers.reserve(sub.subscribers.size());
    for (const RealmSession* s : sub.subscribers) info.subscribers.push_back(s->id());
    return info;
}

Id Broker::lookup_subscription(std::string_view uri, MatchPolicy match) const {
    const Subscription* sub = state_->index.find(uri, match);
    return sub ? sub->id : 0;
}

void Broker::for_each_matching_subscription(std::string_view topic, const SubscriptionVisitor& f) const {
    state_->index.for_each_match(topic, [&](const Subscription& sub) { f(sub.id, sub.uri, sub.policy); });
}

void Broker::for_each_subscription(const SubscriptionVisitor& f) const {
    state_->index.for_each([&](const Subscription& sub) { f(sub.id, sub.uri, sub.policy); });
}

std::size_t Broker::subscription_count() const { return state_->index.size(); }

std::size_t Broker::retained_topic_count() const { return state_->retained.topic_count(); }

}  // namespace flyover::realm
