#include <catch2/catch.hpp>

#include "fake_peer.hpp"
#include "meta_client.hpp"
#include "realm/event_history.hpp"
#include "realm/iso_time.hpp"
#include "serializers/error_uris.hpp"

using namespace flyover;
using realm::EventHistory;
using realm::EventHistoryRule;
using test::call;
using test::FakePeer;

namespace {

realm::SessionInfo reader(std::string authid = "reader", std::string authrole = "user") {
    realm::SessionInfo s;
    s.id = 1000;
    s.authid = std::move(authid);
    s.authrole = std::move(authrole);
    return s;
}

/// Stores one event with args [n] at time `now_ms` (wall clock = 1e12 + now_ms).
void store(EventHistory& h, std::string_view topic, Id publication, int n, std::uint64_t now_ms = 0,
           Dict options = {}) {
    h.record(topic, publication, options, {}, Payload{List{n}, {}, {}}, now_ms, 1'000'000'000'000ULL + now_ms);
}

/// The publication IDs a query returns.
std::vector<Id> publications(const std::vector<EventHistory::Found>& found) {
    std::vector<Id> out;
    for (auto& f : found) out.push_back(f.event->publication);
    return out;
}

std::vector<Id> query(const EventHistory& h, std::string_view pattern, MatchPolicy match,
                      EventHistory::Query q = {}, std::uint64_t now_ms = 0, const realm::SessionInfo& who = reader()) {
    return publications(h.query(pattern, match, who, now_ms, q));
}

/// Publication IDs of get_events results.
std::vector<Id> publications(const Value& events) {
    std::vector<Id> out;
    if (auto* l = events.as_list())
        for (auto& e : *l) out.push_back(*e.find("publication")->as_uint());
    return out;
}

realm::RealmOptions history_realm(test::FixedClock& clock, std::vector<EventHistoryRule> rules) {
    realm::RealmOptions o{"realm1"};
    o.wall_clock = clock.clock();
    o.event_history = std::move(rules);
    return o;
}

}  // namespace

TEST_CASE("timestamps: RFC 3339 out and in, by calendar arithmetic", "[realm][history]") {
    using realm::format_timestamp;
    using realm::parse_timestamp;
    CHECK(format_timestamp(0) == "1970-01-01T00:00:00.000Z");
    CHECK(format_timestamp(1714564800123ULL) == "2024-05-01T12:00:00.123Z");
    CHECK(format_timestamp(951782400000ULL) == "2000-02-29T00:00:00.000Z");
    CHECK(format_timestamp(253402300799999ULL) == "9999-12-31T23:59:59.999Z");

    CHECK(parse_timestamp("1970-01-01T00:00:00Z") == 0u);
    CHECK(parse_timestamp("2024-05-01T12:00:00.123Z") == 1714564800123ULL);
    CHECK(parse_timestamp("2024-05-01t12:00:00.1z") == 1714564800100ULL);
    CHECK(parse_timestamp("2024-05-01T12:00:00.123456789Z") == 1714564800123ULL);  // beyond ms: truncated
    CHECK(parse_timestamp("2024-05-01T14:00:00+02:00") == 1714564800000ULL);
    CHECK(parse_timestamp("2024-05-01T07:30:00-04:30") == 1714564800000ULL);
    CHECK(parse_timestamp("2000-02-29T00:00:00Z") == 951782400000ULL);
    for (std::uint64_t t : {0ULL, 1ULL, 86399999ULL, 1714564800123ULL, 4102444800000ULL})
        CHECK(parse_timestamp(format_timestamp(t)) == t);

    for (auto bad : {"", "2024-05-01", "2024-05-01T12:00:00", "2024-05-01 12:00:00Z", "2024-13-01T00:00:00Z",
                     "2023-02-29T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z", "2024-05-01T12:00:00.Z",
                     "2024-05-01T12:00:00+0200", "1969-12-31T23:59:59Z", "2024-05-01T12:00:00Zjunk", "x024-05-01T12:00:00Z"}) {
        INFO(bad);
        CHECK_FALSE(parse_timestamp(bad));
    }
}

TEST_CASE("EventHistory keeps the last `limit` events per topic, by the first rule that matches", "[realm][history]") {
    EventHistory h({EventHistoryRule{"chat.room.", MatchPolicy::prefix, 3},
                    EventHistoryRule{"chat.room.lobby", MatchPolicy::exact, 1},  // listed later: never wins
                    EventHistoryRule{"log..error", MatchPolicy::wildcard, 2}});
    CHECK(h.enabled());
    for (int i = 1; i <= 5; ++i) store(h, "chat.room.lobby", 100 + i, i);
    store(h, "chat.room.quiet", 200, 0);
    store(h, "other.topic", 300, 0);
    store(h, "log.db.error", 400, 0);
    store(h, "log.db.warning", 401, 0);

    CHECK(query(h, "chat.room.lobby", MatchPolicy::exact) == std::vector<Id>{103, 104, 105});
    // A busy topic does not push out a quiet one: the limit counts per topic.
    CHECK(query(h, "chat.room.quiet", MatchPolicy::exact) == std::vector<Id>{200});
    CHECK(query(h, "chat.room.", MatchPolicy::prefix) == std::vector<Id>{103, 104, 105, 200});
    CHECK(query(h, "chat", MatchPolicy::prefix) == std::vector<Id>{103, 104, 105, 200});
    CHECK(query(h, "chat..lobby", MatchPolicy::wildcard) == std::vector<Id>{103, 104, 105});
    CHECK(query(h, "log..error", MatchPolicy::wildcard) == std::vector<Id>{400});
    CHECK(query(h, "other.topic", MatchPolicy::exact).empty());  // no rule: not stored
    CHECK(h.topic_count() == 3);
    CHECK(h.event_count() == 5);
    CHECK_FALSE(EventHistory().enabled());
}

TEST_CASE("EventHistory drops the topic published to least recently beyond max_topics", "[realm][history]") {
    EventHistory h({EventHistoryRule{"t.", MatchPolicy::prefix, 10, 0, 2}});
    store(h, "t.a", 1, 1);
    store(h, "t.b", 2, 2);
    store(h, "t.a", 3, 3);  // t.a is now the livelier one
    store(h, "t.c", 4, 4);  // drops t.b
    CHECK(query(h, "t.", MatchPolicy::prefix) == std::vector<Id>{1, 3, 4});
    CHECK(h.topic_count() == 2);
    CHECK(h.event_count() == 3);
}

TEST_CASE("EventHistory expires events by age on the monotonic clock", "[realm][history]") {
    EventHistory h({EventHistoryRule{"t.", MatchPolicy::prefix, 10, 1000}});
    store(h, "t.a", 1, 1, 0);
    store(h, "t.b", 2, 2, 500);
    store(h, "t.a", 3, 3, 900);
    CHECK(query(h, "t.", MatchPolicy::prefix, {}, 999) == std::vector<Id>{1, 2, 3});
    CHECK(query(h, "t.", MatchPolicy::prefix, {}, 1000) == std::vector<Id>{2, 3});  // queries skip expired events
    h.expire(1499);
    CHECK(h.topic_count() == 2);  // t.a still has a live event; t.b's is live too
    h.expire(1500);
    CHECK(h.topic_count() == 1);  // t.b's only event expired: the topic is freed
    store(h, "t.a", 4, 4, 1950);  // storing drops t.a's expired events
    CHECK(query(h, "t.", MatchPolicy::prefix, {}, 1950) == std::vector<Id>{4});
    CHECK(h.event_count() == 1);
}

TEST_CASE("EventHistory stores only what a later reader may see", "[realm][history]") {
    EventHistory h({EventHistoryRule{"t", MatchPolicy::exact, 10}});
    store(h, "t", 1, 1, 0, Dict{{"eligible", List{1000}}});  // session IDs mean nothing later: not stored
    store(h, "t", 2, 2, 0, Dict{{"exclude", List{5}}});
    store(h, "t", 3, 3, 0, Dict{{"eligible_authrole", List{"admin"}}});
    store(h, "t", 4, 4, 0, Dict{{"exclude_authid", List{"reader"}}});
    store(h, "t", 5, 5, 0, Dict{{"exclude_me", false}});
    h.record("t", 6, Dict{{"ppt_scheme", "x"}}, {}, Payload{{}, {}, Value(Bytes{"opaque"})}, 0, 0);
    CHECK(query(h, "t", MatchPolicy::exact) == std::vector<Id>{5});
    CHECK(query(h, "t", MatchPolicy::exact, {}, 0, reader("root", "admin")) == std::vector<Id>{3, 4, 5});
}

TEST_CASE("EventHistory knows which subscriptions its rules cover", "[realm][history]") {
    EventHistory h({EventHistoryRule{"chat.room.", MatchPolicy::prefix, 1}, EventHistoryRule{"a.b.c", MatchPolicy::exact, 1},
                    EventHistoryRule{"x..z", MatchPolicy::wildcard, 1}});
    CHECK(h.covers("chat.room.lobby", MatchPolicy::exact));
    CHECK(h.covers("chat.room.", MatchPolicy::prefix));
    CHECK(h.covers("chat", MatchPolicy::prefix));              // reaches chat.room.* among others
    CHECK(h.covers("chat.room.lobby.", MatchPolicy::prefix));  // lies within
    CHECK(h.covers("chat..lobby", MatchPolicy::wildcard));
    CHECK(h.covers("a.b.c", MatchPolicy::exact));
    CHECK(h.covers("a.b", MatchPolicy::prefix));
    CHECK(h.covers("a..c", MatchPolicy::wildcard));
    CHECK(h.covers("x.y.z", MatchPolicy::exact));
    CHECK(h.covers("x.y", MatchPolicy::prefix));
    CHECK(h.covers("x.", MatchPolicy::prefix));
    CHECK(h.covers("..z", MatchPolicy::wildcard));
    CHECK_FALSE(h.covers("chat.other", MatchPolicy::exact));
    CHECK_FALSE(h.covers("chat.roomy", MatchPolicy::prefix));
    CHECK(h.covers("chat..lobby.x", MatchPolicy::wildcard));  // chat.room.lobby.x fits both
    CHECK_FALSE(h.covers("a.b.d", MatchPolicy::exact));
    CHECK_FALSE(h.covers("a..d", MatchPolicy::wildcard));
    CHECK_FALSE(h.covers("x.y.z.w", MatchPolicy::exact));
    CHECK_FALSE(h.covers("x.y.w", MatchPolicy::prefix));
    CHECK_FALSE(h.covers("x..z.w", MatchPolicy::wildcard));
    CHECK_FALSE(h.covers("y", MatchPolicy::prefix));
    CHECK_FALSE(EventHistory().covers("a", MatchPolicy::prefix));
}

TEST_CASE("EventHistory queries: reverse, limit, topic, time and publication bounds", "[realm][history]") {
    EventHistory h({EventHistoryRule{"t.", MatchPolicy::prefix, 100}});
    // Publication IDs are random in real life; arrival order is what counts.
    store(h, "t.a", 50, 0, 0);
    store(h, "t.b", 10, 1, 1000);
    store(h, "t.a", 40, 2, 2000);
    store(h, "t.b", 20, 3, 3000);
    store(h, "t.a", 30, 4, 4000);
    auto q = [](auto set) {
        EventHistory::Query x;
        set(x);
        return x;
    };
    auto t = [](std::uint64_t ms) { return 1'000'000'000'000ULL + ms; };
    CHECK(query(h, "t.", MatchPolicy::prefix) == std::vector<Id>{50, 10, 40, 20, 30});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) { x.reverse = true; })) == std::vector<Id>{30, 20, 40, 10, 50});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) { x.limit = 2; })) == std::vector<Id>{50, 10});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) {
              x.limit = 2;
              x.reverse = true;
          })) == std::vector<Id>{30, 20});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) { x.topic = "t.b"; })) == std::vector<Id>{10, 20});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([&](auto& x) { x.from_time = t(1000); })) == std::vector<Id>{10, 40, 20, 30});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([&](auto& x) { x.after_time = t(1000); })) == std::vector<Id>{40, 20, 30});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([&](auto& x) { x.before_time = t(3000); })) == std::vector<Id>{50, 10, 40});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([&](auto& x) { x.until_time = t(3000); })) == std::vector<Id>{50, 10, 40, 20});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) { x.from_publication = 40; })) == std::vector<Id>{40, 20, 30});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) { x.after_publication = 40; })) == std::vector<Id>{20, 30});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) { x.before_publication = 40; })) == std::vector<Id>{50, 10});
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) { x.until_publication = 40; })) == std::vector<Id>{50, 10, 40});
    // Pagination backwards: the page before publication 20, newest first, two per page.
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) {
              x.before_publication = 20;
              x.reverse = true;
              x.limit = 2;
          })) == std::vector<Id>{40, 10});
    // The publication bound counts across topics, even with a topic filter.
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) {
              x.topic = "t.a";
              x.after_publication = 10;
          })) == std::vector<Id>{40, 30});
    // An ID no longer (or never) held is older than everything held.
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) { x.after_publication = 999; })).size() == 5);
    CHECK(query(h, "t.", MatchPolicy::prefix, q([](auto& x) { x.before_publication = 999; })).empty());
}

TEST_CASE("wamp.subscription.get_events returns a subscription's stored events", "[realm][history]") {
    test::FixedClock clock;
    realm::Realm r(history_realm(clock, {EventHistoryRule{"chat.room.", MatchPolicy::prefix, 50}}));
    auto pub = test::join(r, 1, "pub", "user");
    auto sub = test::join(r, 2, "sub", "user");
    Id lobby = test::subscribe(r, 2, *sub, "chat.room.lobby");
    Id p1 = test::publish(r, 1, *pub, "chat.room.lobby", List{"hi"}, Dict{{"from", "pub"}}, Dict{{"disclose_me", true}});
    clock.now += 250;
    Id p2 = test::publish(r, 1, *pub, "chat.room.lobby", List{"there"});
    Id p3 = test::publish(r, 1, *pub, "chat.room.other", List{"elsewhere"});
    REQUIRE(test::events_for(*sub, lobby).size() == 2);

    auto got = call(r, 2, *sub, "wamp.subscription.get_events", List{lobby});
    REQUIRE(got.ok());
    REQUIRE(got.args.size() == 1);  // one positional result: the list of events
    CHECK(publications(got.value()) == std::vector<Id>{p1, p2});
    auto& first = (*got.value().as_list())[0];
    CHECK(*first.find("timestamp") == Value("2024-05-01T12:00:00.000Z"));
    CHECK(*first.find("subscription") == Value(lobby));
    CHECK(*first.find("publication") == Value(test::events_for(*sub, lobby)[0].publication));
    CHECK(*first.find("details") == Value(Dict{{"publisher", 1}, {"publisher_authid", "pub"}, {"publisher_authrole", "user"}}));
    CHECK(*first.find("args") == Value(List{"hi"}));
    CHECK(*first.find("kwargs") == Value(Dict{{"from", "pub"}}));
    CHECK(*(*got.value().as_list())[1].find("timestamp") == Value("2024-05-01T12:00:00.250Z"));

    // Crossbar's positional limit and the spec's keyword filters.
    CHECK(publications(call(r, 2, *sub, "wamp.subscription.get_events", List{lobby, 1}).value()) == std::vector<Id>{p1});
    CHECK(publications(call(r, 2, *sub, "wamp.subscription.get_events", List{lobby},
                            Dict{{"limit", 1}, {"reverse", true}})
                           .value()) == std::vector<Id>{p2});
    CHECK(publications(call(r, 2, *sub, "wamp.subscription.get_events", List{lobby},
                            Dict{{"after_time", "2024-05-01T12:00:00.000Z"}})
                           .value()) == std::vector<Id>{p2});
    CHECK(publications(call(r, 2, *sub, "wamp.subscription.get_events", List{lobby}, Dict{{"after_publication", p1}})
                           .value()) == std::vector<Id>{p2});

    // A pattern subscription gets every matching topic's events, each with its topic as a live EVENT has it.
    Id all = test::subscribe(r, 2, *sub, "chat.room.", Dict{{"match", "prefix"}});
    auto every = call(r, 2, *sub, "wamp.subscription.get_events", List{all});
    CHECK(publications(every.value()) == std::vector<Id>{p1, p2, p3});
    CHECK(*(*every.value().as_list())[2].find("details") == Value(Dict{{"topic", "chat.room.other"}}));
    CHECK(publications(call(r, 2, *sub, "wamp.subscription.get_events", List{all}, Dict{{"topic", "chat.room.other"}})
                           .value()) == std::vector<Id>{p3});
}

TEST_CASE("the spec's event history example", "[realm][history]") {
    test::FixedClock clock;
    realm::Realm r(history_realm(clock, {EventHistoryRule{"com.mycompany.log", MatchPolicy::prefix, 100}}));
    auto s = test::join(r, 1);
    auto p = test::join(r, 2);
    Id auth = test::subscribe(r, 1, *s, "com.mycompany.log.auth");
    Id basket = test::subscribe(r, 1, *s, "com.mycompany.log.basket");
    Id all = test::subscribe(r, 1, *s, "com.mycompany.log", Dict{{"match", "prefix"}});
    Id e1 = test::publish(r, 2, *p, "com.mycompany.log.auth");
    Id e2 = test::publish(r, 2, *p, "com.mycompany.log.basket");
    Id e3 = test::publish(r, 2, *p, "com.mycompany.log.basket");
    Id e4 = test::publish(r, 2, *p, "com.mycompany.log.basket");
    Id e5 = test::publish(r, 2, *p, "com.mycompany.log.checkout");
    auto history = [&](Id sub) { return publications(call(r, 1, *s, "wamp.subscription.get_events", List{sub}).value()); };
    CHECK(history(auth) == std::vector<Id>{e1});
    CHECK(history(basket) == std::vector<Id>{e2, e3, e4});
    CHECK(history(all) == std::vector<Id>{e1, e2, e3, e4, e5});
}

TEST_CASE("get_events: history after reconnecting, age expiry on tick, and the errors", "[realm][history]") {
    test::FixedClock clock;
    realm::RealmOptions o = history_realm(clock, {EventHistoryRule{"news", MatchPolicy::exact, 10, 60'000}});
    o.authorize = [](const realm::SessionInfo& s, realm::Action action, std::string_view uri) {
        return !(s.authrole == "outsider" && action == realm::Action::subscribe && uri == "news");
    };
    realm::Realm r(std::move(o));
    auto pub = test::join(r, 1);
    auto sub = test::join(r, 2);
    Id first = test::subscribe(r, 2, *sub, "news");
    Id n1 = test::publish(r, 1, *pub, "news", List{1});
    r.leave(2);  // the subscription goes with its last subscriber
    Id n2 = test::publish(r, 1, *pub, "news", List{2});  // published while nobody listens: stored anyway

    auto back = test::join(r, 3);
    Id again = test::subscribe(r, 3, *back, "news");
    CHECK(again != first);
    CHECK(publications(call(r, 3, *back, "wamp.subscription.get_events", List{again}).value()) == std::vector<Id>{n1, n2});

    r.tick(59'999);
    CHECK(publications(call(r, 3, *back, "wamp.subscription.get_events", List{again}).value()).size() == 2);
    r.tick(60'000);
    CHECK(call(r, 3, *back, "wamp.subscription.get_events", List{again}).value() == Value(List{}));
    CHECK(r.event_history().topic_count() == 0);

    Id other = test::subscribe(r, 3, *back, "sports");
    CHECK(call(r, 3, *back, "wamp.subscription.get_events", List{other}).error == uris::history_unavailable);
    CHECK(call(r, 3, *back, "wamp.subscription.get_events", List{424242}).error == uris::no_such_subscription);
    CHECK(call(r, 3, *back, "wamp.subscription.get_events").error == uris::invalid_argument);
    CHECK(call(r, 3, *back, "wamp.subscription.get_events", List{again, 0}).error == uris::invalid_argument);
    CHECK(call(r, 3, *back, "wamp.subscription.get_events", List{again, "ten"}).error == uris::invalid_argument);
    CHECK(call(r, 3, *back, "wamp.subscription.get_events", List{again}, Dict{{"reverse", "yes"}}).error ==
          uris::invalid_argument);
    CHECK(call(r, 3, *back, "wamp.subscription.get_events", List{again}, Dict{{"from_time", "yesterday"}}).error ==
          uris::invalid_argument);
    CHECK(call(r, 3, *back, "wamp.subscription.get_events", List{again}, Dict{{"until_publication", -4}}).error ==
          uris::invalid_argument);
    CHECK(call(r, 3, *back, "wamp.subscription.get_events", List{again}, Dict{{"topic", 5}}).error ==
          uris::invalid_argument);
    // Spec: who may not subscribe to the topic may not read its history.
    auto outsider = test::join(r, 4, "o", "outsider");
    CHECK(call(r, 4, *outsider, "wamp.subscription.get_events", List{again}).error == uris::not_authorized);
    // Meta event subscriptions are protected.
    Id meta = test::subscribe(r, 3, *back, "wamp.session.on_join");
    CHECK(call(r, 3, *back, "wamp.subscription.get_events", List{meta}).error == uris::not_authorized);
}

TEST_CASE("a realm without event history answers history_unavailable", "[realm][history]") {
    realm::Realm r({"realm1"});
    auto s = test::join(r, 1);
    Id sub = test::subscribe(r, 1, *s, "com.example.topic");
    CHECK(call(r, 1, *s, "wamp.subscription.get_events", List{sub}).error == uris::history_unavailable);
}
