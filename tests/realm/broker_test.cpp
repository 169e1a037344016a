#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fake_peer.hpp"
#include "realm/uri_index.hpp"
#include "serializers/error_uris.hpp"

using namespace flyover;
using test::FakePeer;

namespace {

Id next_request = 1000;

/// SUBSCRIBE and return the subscription ID from the SUBSCRIBED the session got (0 if it got none).
Id subscribe(realm::Realm& r, Id session, FakePeer& peer, std::string topic, Dict options = {}) {
    auto request = ++next_request;
    r.handle(session, Subscribe{request, std::move(options), std::move(topic)});
    for (auto& s : peer.received<Subscribed>())
        if (s.request == request) return s.subscription;
    return 0;
}

void publish(realm::Realm& r, Id session, std::string topic, Dict options = {}, List args = {}, Dict kwargs = {}) {
    r.handle(session, Publish{++next_request, std::move(options), std::move(topic), Payload{std::move(args), std::move(kwargs), {}}});
}

List ids(std::initializer_list<Id> l) {
    List out;
    for (auto id : l) out.emplace_back(id);
    return out;
}

List strings(std::initializer_list<const char*> l) {
    List out;
    for (auto s : l) out.emplace_back(s);
    return out;
}

Dict subscriber_roles(std::string_view role, std::string_view feature) {
    return Dict{{std::string(role), Dict{{"features", Dict{{std::string(feature), true}}}}}};
}

}  // namespace

TEST_CASE("broker announces the features it implements", "[realm][broker]") {
    auto roles = realm::Realm::router_roles();
    auto features = roles.at("broker").find("features");
    REQUIRE(features);
    for (auto f : {"publisher_exclusion", "subscriber_blackwhite_listing", "publisher_identification",
                   "pattern_based_subscription", "event_retention", "payload_passthru_mode"}) {
        INFO(f);
        auto v = features->find(f);
        REQUIRE(v);
        CHECK(*v == Value(true));
    }
}

TEST_CASE("broker: subscribe, publish, event with payload", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto sub = test::join(r, 1);
    auto pub = test::join(r, 2);
    auto id = subscribe(r, 1, *sub, "com.example.topic");
    REQUIRE(id != 0);
    CHECK(r.broker().subscription_count() == 1);

    publish(r, 2, "com.example.topic", {}, List{1, "two"}, Dict{{"k", "v"}});
    auto events = sub->received<Event>();
    REQUIRE(events.size() == 1);
    CHECK(events[0].subscription == id);
    CHECK(is_valid_id(events[0].publication));
    CHECK(events[0].details.empty());  // exact subscription, publisher not disclosed: no details
    CHECK(events[0].payload.args == List{1, "two"});
    CHECK(events[0].payload.kwargs == Dict{{"k", "v"}});
    CHECK(pub->delivered.empty());  // no acknowledge asked: nothing back

    publish(r, 2, "com.example.other");
    CHECK(sub->received<Event>().size() == 1);
}

TEST_CASE("broker: sessions subscribed to one topic share one subscription id", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1);
    auto b = test::join(r, 2);
    auto p = test::join(r, 3);
    auto id_a = subscribe(r, 1, *a, "com.example.topic");
    auto id_b = subscribe(r, 2, *b, "com.example.topic");
    CHECK(id_a == id_b);
    CHECK(r.broker().subscription_count() == 1);
    // The same session subscribing again gets the same id, and still one EVENT per publication.
    CHECK(subscribe(r, 1, *a, "com.example.topic") == id_a);
    // Another match policy on the same URI is another subscription.
    auto id_prefix = subscribe(r, 2, *b, "com.example.topic", Dict{{"match", "prefix"}});
    CHECK(id_prefix != id_a);
    CHECK(r.broker().subscription_count() == 2);

    publish(r, 3, "com.example.topic");
    CHECK(a->received<Event>().size() == 1);
    // b holds two matching subscriptions: one EVENT for each, with the same publication id.
    auto events_b = b->received<Event>();
    REQUIRE(events_b.size() == 2);
    CHECK(events_b[0].publication == events_b[1].publication);
    CHECK(events_b[0].subscription != events_b[1].subscription);
}

TEST_CASE("broker: every subscriber of a subscription gets the identical shared EVENT", "[realm][broker]") {
    realm::Realm r({"realm1"});
    std::vector<std::shared_ptr<FakePeer>> peers;
    for (Id i = 1; i <= 5; ++i) {
        peers.push_back(test::join(r, i));
        subscribe(r, i, *peers.back(), "com.example.topic");
    }
    auto p = test::join(r, 99);
    subscribe(r, 99, *p, "com.example.", Dict{{"match", "prefix"}});
    publish(r, 99, "com.example.topic", {}, List{"payload"});

    REQUIRE(peers[0]->delivered.size() == 2);  // SUBSCRIBED, EVENT
    const OutboundMessage* shared = peers[0]->delivered.back().get();
    for (auto& peer : peers) {
        REQUIRE(peer->delivered.size() == 2);
        CHECK(peer->delivered.back().get() == shared);  // serialize once: one object for all
    }
    // The publisher's own prefix subscription excludes it (exclude_me), so nothing reached it.
    CHECK(p->received<Event>().empty());
}

TEST_CASE("broker: publisher exclusion", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1);
    auto b = test::join(r, 2);
    subscribe(r, 1, *a, "com.example.topic");
    subscribe(r, 2, *b, "com.example.topic");

    SECTION("by default the publisher does not get its own event") {
        publish(r, 1, "com.example.topic");
        CHECK(a->received<Event>().empty());
        CHECK(b->received<Event>().size() == 1);
    }
    SECTION("exclude_me true is the default") {
        publish(r, 1, "com.example.topic", Dict{{"exclude_me", true}});
        CHECK(a->received<Event>().empty());
        CHECK(b->received<Event>().size() == 1);
    }
    SECTION("exclude_me false delivers to the publisher too") {
        publish(r, 1, "com.example.topic", Dict{{"exclude_me", false}});
        CHECK(a->received<Event>().size() == 1);
        CHECK(b->received<Event>().size() == 1);
    }
}

TEST_CASE("broker: subscriber black- and whitelisting", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto pub = test::join(r, 100, "publisher", "backend");
    auto s1 = test::join(r, 1, "alice", "staff");
    auto s2 = test::join(r, 2, "bob", "manager");
    auto s3 = test::join(r, 3, "carol", "staff");
    const std::vector<std::pair<Id, std::shared_ptr<FakePeer>>> subscribers{{1, s1}, {2, s2}, {3, s3}};
    for (auto& [id, peer] : subscribers) subscribe(r, id, *peer, "com.example.topic");

    auto receivers = [&](Dict options) {
        for (auto& [id, peer] : subscribers) peer->clear();
        publish(r, 100, "com.example.topic", std::move(options));
        std::set<Id> out;
        for (auto& [id, peer] : subscribers)
            if (!peer->received<Event>().empty()) out.insert(id);
        return out;
    };

    CHECK(receivers({}) == std::set<Id>{1, 2, 3});
    CHECK(receivers({{"exclude", ids({1, 3})}}) == std::set<Id>{2});
    CHECK(receivers({{"eligible", ids({1, 3, 77})}}) == std::set<Id>{1, 3});
    CHECK(receivers({{"exclude_authid", strings({"bob"})}}) == std::set<Id>{1, 3});
    CHECK(receivers({{"eligible_authid", strings({"bob", "carol"})}}) == std::set<Id>{2, 3});
    CHECK(receivers({{"exclude_authrole", strings({"staff"})}}) == std::set<Id>{2});
    CHECK(receivers({{"eligible_authrole", strings({"staff"})}}) == std::set<Id>{1, 3});
    // The spec's example: eligible and exclude together.
    CHECK(receivers({{"eligible", ids({1, 2, 3})}, {"exclude", ids({1})}}) == std::set<Id>{2, 3});
    // Every whitelist present must admit the subscriber.
    CHECK(receivers({{"eligible_authrole", strings({"staff"})}, {"eligible_authid", strings({"alice", "bob"})}}) ==
          std::set<Id>{1});
    // A whitelist that is present but empty admits nobody (spec: "if there is an eligible attribute present").
    CHECK(receivers({{"eligible", List{}}}).empty());
    CHECK(receivers({{"exclude", List{}}}) == std::set<Id>{1, 2, 3});
}

TEST_CASE("broker: publisher identification", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto sub = test::join(r, 1);
    auto pub = test::join(r, 2, "the-publisher", "backend");
    subscribe(r, 1, *sub, "com.example.topic");

    publish(r, 2, "com.example.topic", Dict{{"disclose_me", true}});
    publish(r, 2, "com.example.topic", Dict{{"disclose_me", false}});
    publish(r, 2, "com.example.topic");
    auto events = sub->received<Event>();
    REQUIRE(events.size() == 3);
    CHECK(events[0].details == Dict{{"publisher", 2}, {"publisher_authid", "the-publisher"},
                                    {"publisher_authrole", "backend"}});
    CHECK(events[1].details.empty());
    CHECK(events[2].details.empty());
}

TEST_CASE("broker: prefix subscriptions", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto sub = test::join(r, 1);
    auto pub = test::join(r, 2);
    auto id = subscribe(r, 1, *sub, "com.myapp", Dict{{"match", "prefix"}});
    REQUIRE(id != 0);

    for (auto topic : {"com.myapp", "com.myapp.x", "com.myapp.x.y", "com.myapp2", "com.other", "com.myap"})
        publish(r, 2, topic);
    auto events = sub->received<Event>();
    // A plain string prefix, as the spec's "emergency-low" example and Crossbar: "com.myapp2" matches too.
    REQUIRE(events.size() == 4);
    std::vector<std::string> topics;
    for (auto& e : events) {
        CHECK(e.subscription == id);
        auto t = get_string(e.details, "topic");
        REQUIRE(t);
        topics.push_back(*t);
    }
    CHECK(topics == std::vector<std::string>{"com.myapp", "com.myapp.x", "com.myapp.x.y", "com.myapp2"});

    // With a trailing dot only whole components below it match.
    auto dotted = test::join(r, 3);
    subscribe(r, 3, *dotted, "com.myapp.", Dict{{"match", "prefix"}});
    publish(r, 2, "com.myapp2");
    publish(r, 2, "com.myapp.z");
    auto dotted_events = dotted->received<Event>();
    REQUIRE(dotted_events.size() == 1);
    CHECK(*get_string(dotted_events[0].details, "topic") == "com.myapp.z");
}

TEST_CASE("broker: wildcard subscriptions", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto sub = test::join(r, 1);
    auto pub = test::join(r, 2);
    auto id = subscribe(r, 1, *sub, "com..update", Dict{{"match", "wildcard"}});
    REQUIRE(id != 0);
    for (auto topic : {"com.x.update", "com.y.update", "com.x.y.update", "com.update", "org.x.update", "com.x.updated"})
        publish(r, 2, topic, {}, List{topic});
    auto events = sub->received<Event>();
    REQUIRE(events.size() == 2);
    CHECK(*get_string(events[0].details, "topic") == "com.x.update");
    CHECK(*get_string(events[1].details, "topic") == "com.y.update");
    CHECK(events[0].subscription == id);
}

TEST_CASE("broker: event retention", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto pub = test::join(r, 1, "sensor", "device");

    SECTION("the last retained event goes to a subscriber asking with get_retained") {
        publish(r, 1, "com.example.temp", Dict{{"retain", true}}, List{20});
        publish(r, 1, "com.example.temp", Dict{{"retain", true}, {"disclose_me", true}}, List{21});
        publish(r, 1, "com.example.temp", {}, List{22});  // not retained: does not replace the retained one
        CHECK(r.broker().retained_topic_count() == 1);

        auto late = test::join(r, 2);
        auto id = subscribe(r, 2, *late, "com.example.temp", Dict{{"get_retained", true}});
        auto msgs = late->messages();
        REQUIRE(msgs.size() == 2);
        CHECK(std::holds_alternative<Subscribed>(msgs[0]));  // SUBSCRIBED first, then the retained event
        auto& e = std::get<Event>(msgs[1]);
        CHECK(e.subscription == id);
        CHECK(e.payload.args == List{21});
        CHECK(*find(e.details, "retained") == Value(true));
        CHECK(*find(e.details, "publisher") == Value(1));  // disclosed as it was live
        CHECK(*get_string(e.details, "publisher_authid") == "sensor");
        CHECK(find(e.details, "topic") == nullptr);  // exact subscription

        auto plain = test::join(r, 3);
        subscribe(r, 3, *plain, "com.example.temp");
        CHECK(plain->received<Event>().empty());  // no get_retained, no retained event
    }
    SECTION("pattern subscriptions get the retained event of every matching topic, with details.topic") {
        publish(r, 1, "com.example.a.temp", Dict{{"retain", true}}, List{"a"});
        publish(r, 1, "com.example.b.temp", Dict{{"retain", true}}, List{"b"});
        publish(r, 1, "com.example.b.humidity", Dict{{"retain", true}}, List{"h"});
        publish(r, 1, "com.other.temp", Dict{{"retain", true}}, List{"o"});

        auto w = test::join(r, 2);
        subscribe(r, 2, *w, "com.example..temp", Dict{{"match", "wildcard"}, {"get_retained", true}});
        auto events = w->received<Event>();
        REQUIRE(events.size() == 2);
        CHECK(*get_string(events[0].details, "topic") == "com.example.a.temp");
        CHECK(*get_string(events[1].details, "topic") == "com.example.b.temp");
        CHECK(*find(events[1].details, "retained") == Value(true));

        auto p = test::join(r, 3);
        subscribe(r, 3, *p, "com.example.b", Dict{{"match", "prefix"}, {"get_retained", true}});
        auto prefix_events = p->received<Event>();
        REQUIRE(prefix_events.size() == 2);
        CHECK(*get_string(prefix_events[0].details, "topic") == "com.example.b.humidity");
        CHECK(*get_string(prefix_events[1].details, "topic") == "com.example.b.temp");

        auto all = test::join(r, 4);
        subscribe(r, 4, *all, ".example..temp", Dict{{"match", "wildcard"}, {"get_retained", true}});
        CHECK(all->received<Event>().size() == 2);
    }
    SECTION("a retained event goes only to subscribers it was eligible for") {
        publish(r, 1, "com.example.temp", Dict{{"retain", true}}, List{"everyone"});
        publish(r, 1, "com.example.temp", Dict{{"retain", true}, {"eligible_authrole", strings({"admin"})}},
                List{"admins"});
        auto admin = test::join(r, 2, "root", "admin");
        auto guest = test::join(r, 3, "guest", "anonymous");
        subscribe(r, 2, *admin, "com.example.temp", Dict{{"get_retained", true}});
        subscribe(r, 3, *guest, "com.example.temp", Dict{{"get_retained", true}});
        REQUIRE(admin->received<Event>().size() == 1);
        CHECK(admin->received<Event>()[0].payload.args == List{"admins"});
        // The newest event the guest would have received is the one for everyone.
        REQUIRE(guest->received<Event>().size() == 1);
        CHECK(guest->received<Event>()[0].payload.args == List{"everyone"});

        // A new event for everyone replaces both.
        publish(r, 1, "com.example.temp", Dict{{"retain", true}}, List{"new"});
        auto admin2 = test::join(r, 4, "root2", "admin");
        subscribe(r, 4, *admin2, "com.example.temp", Dict{{"get_retained", true}});
        REQUIRE(admin2->received<Event>().size() == 1);
        CHECK(admin2->received<Event>()[0].payload.args == List{"new"});
    }
    SECTION("the publisher excluded by exclude_me does not get its retained event back") {
        publish(r, 1, "com.example.temp", Dict{{"retain", true}}, List{1});
        subscribe(r, 1, *pub, "com.example.temp", Dict{{"get_retained", true}});
        CHECK(pub->received<Event>().empty());
        publish(r, 1, "com.example.temp", Dict{{"retain", true}, {"exclude_me", false}}, List{2});
        subscribe(r, 1, *pub, "com.example.temp", Dict{{"get_retained", true}});
        REQUIRE(pub->received<Event>().size() == 2);  // the live one (exclude_me false) and the retained one
        CHECK(*find(pub->received<Event>()[1].details, "retained") == Value(true));
    }
    SECTION("a refused publication is not retained") {
        publish(r, 1, "wamp.session.on_join", Dict{{"retain", true}});
        publish(r, 1, "com..bad", Dict{{"retain", true}});
        CHECK(r.broker().retained_topic_count() == 0);
    }
}

TEST_CASE("broker: acknowledge", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto sub = test::join(r, 1);
    auto pub = test::join(r, 2);
    subscribe(r, 1, *sub, "com.example.topic");

    SECTION("PUBLISHED carries the publication id of the event") {
        r.handle(2, Publish{77, Dict{{"acknowledge", true}}, "com.example.topic", {}});
        auto published = pub->last<Published>();
        REQUIRE(published);
        CHECK(published->request == 77);
        REQUIRE(sub->last<Event>());
        CHECK(published->publication == sub->last<Event>()->publication);
    }
    SECTION("PUBLISHED also when nobody is subscribed") {
        r.handle(2, Publish{78, Dict{{"acknowledge", true}}, "com.example.nobody", {}});
        REQUIRE(pub->last<Published>());
        CHECK(pub->last<Published>()->request == 78);
    }
    SECTION("no acknowledge, no PUBLISHED") {
        r.handle(2, Publish{79, Dict{{"acknowledge", false}}, "com.example.topic", {}});
        CHECK(pub->delivered.empty());
        CHECK(sub->received<Event>().size() == 1);
    }
}

TEST_CASE("broker: publish errors are reported only when acknowledge was asked for", "[realm][broker]") {
    auto check_error = [](realm::Realm& r, Id session, FakePeer& peer, std::string topic, Dict options,
                          std::string_view expected) {
        INFO("topic " << topic << ", expected " << expected);
        peer.clear();
        options.insert_or_assign("acknowledge", true);
        r.handle(session, Publish{55, options, topic, {}});
        auto err = peer.last<ErrorMessage>();
        REQUIRE(err);
        CHECK(err->request_type == MessageType::publish);
        CHECK(err->request == 55);
        CHECK(err->error == expected);
        CHECK(peer.delivered.size() == 1);

        peer.clear();
        options.erase("acknowledge");
        r.handle(session, Publish{56, options, topic, {}});
        CHECK(peer.delivered.empty());
    };

    realm::Realm r({"realm1"});
    auto pub = test::join(r, 1);
    auto sub = test::join(r, 2);
    subscribe(r, 2, *sub, "wamp.", Dict{{"match", "prefix"}});

    check_error(r, 1, *pub, "com..bad", {}, uris::invalid_uri);
    check_error(r, 1, *pub, "com.bad uri", {}, uris::invalid_uri);
    check_error(r, 1, *pub, "", {}, uris::invalid_uri);
    // The wamp. namespace belongs to the router (meta events), as in Crossbar.
    check_error(r, 1, *pub, "wamp.session.on_join", {}, uris::invalid_uri);
    check_error(r, 1, *pub, "com.example.topic", Dict{{"forward_for", List{Dict{{"session", 1}}}}},
                uris::option_not_allowed);
    CHECK(sub->received<Event>().empty());

    SECTION("strict URI rule") {
        realm::Realm strict({"realm1", UriRule::strict});
        auto p = test::join(strict, 1);
        check_error(strict, 1, *p, "com.Example.topic", {}, uris::invalid_uri);
        strict.handle(1, Publish{57, Dict{{"acknowledge", true}}, "com.example_2.topic", {}});
        CHECK(p->last<Published>());
    }
    SECTION("not authorized") {
        realm::Realm guarded({"realm1", UriRule::loose,
                              [](const realm::SessionInfo& s, realm::Action action, std::string_view uri) {
                                  if (action == realm::Action::publish) return s.authrole == "backend";
                                  return uri != "com.secret";
                              }});
        auto guest = test::join(guarded, 1, "guest", "anonymous");
        auto backend = test::join(guarded, 2, "svc", "backend");
        auto listener = test::join(guarded, 3);
        subscribe(guarded, 3, *listener, "com.example.topic");
        check_error(guarded, 1, *guest, "com.example.topic", {}, uris::not_authorized);
        CHECK(listener->received<Event>().empty());
        guarded.handle(2, Publish{58, Dict{{"acknowledge", true}}, "com.example.topic", {}});
        CHECK(backend->last<Published>());
        CHECK(listener->received<Event>().size() == 1);
    }
}

TEST_CASE("broker: subscribe errors", "[realm][broker]") {
    auto check_error = [](realm::Realm& r, Id session, FakePeer& peer, std::string topic, Dict options,
                          std::string_view expected) {
        INFO("topic " << topic << ", expected " << expected);
        peer.clear();
        r.handle(session, Subscribe{66, std::move(options), std::move(topic)});
        auto err = peer.last<ErrorMessage>();
        REQUIRE(err);
        CHECK(err->request_type == MessageType::subscribe);
        CHECK(err->request == 66);
        CHECK(err->error == expected);
        REQUIRE(err->payload.args.size() == 1);  // a human-readable reason, as Crossbar gives
    };

    realm::Realm r({"realm1"});
    auto s = test::join(r, 1);
    check_error(r, 1, *s, "com..topic", {}, uris::invalid_uri);
    check_error(r, 1, *s, "com..topic", Dict{{"match", "prefix"}}, uris::invalid_uri);
    check_error(r, 1, *s, "", Dict{{"match", "wildcard"}}, uris::invalid_uri);
    check_error(r, 1, *s, "", Dict{{"match", "prefix"}}, uris::invalid_uri);
    check_error(r, 1, *s, "com.topic", Dict{{"forward_for", List{}}}, uris::option_not_allowed);
    CHECK(r.broker().subscription_count() == 0);
    // Valid patterns: an empty wildcard component, a prefix ending in a dot.
    CHECK(subscribe(r, 1, *s, "com..topic", Dict{{"match", "wildcard"}}) != 0);
    CHECK(subscribe(r, 1, *s, "com.", Dict{{"match", "prefix"}}) != 0);
    // Subscribing to the router's meta events is allowed.
    CHECK(subscribe(r, 1, *s, "wamp.session.on_join") != 0);

    SECTION("strict URI rule") {
        realm::Realm strict({"realm1", UriRule::strict});
        auto p = test::join(strict, 1);
        check_error(strict, 1, *p, "com.Topic", {}, uris::invalid_uri);
        check_error(strict, 1, *p, "com..Topic", Dict{{"match", "wildcard"}}, uris::invalid_uri);
    }
    SECTION("not authorized") {
        realm::Realm guarded({"realm1", UriRule::loose,
                              [](const realm::SessionInfo&, realm::Action action, std::string_view uri) {
                                  return !(action == realm::Action::subscribe && uri.substr(0, 10) == "com.secret");
                              }});
        auto g = test::join(guarded, 1);
        check_error(guarded, 1, *g, "com.secret.topic", {}, uris::not_authorized);
        // The authorizer sees the pattern as given.
        check_error(guarded, 1, *g, "com.secret", Dict{{"match", "prefix"}}, uris::not_authorized);
        CHECK(guarded.broker().subscription_count() == 0);
        CHECK(subscribe(guarded, 1, *g, "com.public") != 0);
    }
    SECTION("an unknown match policy in a message built in code is a protocol violation") {
        r.handle(1, Subscribe{67, Dict{{"match", "regex"}}, "com.topic"});
        REQUIRE(s->aborts.size() == 1);
        CHECK(s->aborts[0] == uris::protocol_violation);
    }
}

TEST_CASE("broker: unsubscribe", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1);
    auto b = test::join(r, 2);
    auto p = test::join(r, 3);
    auto id = subscribe(r, 1, *a, "com.example.topic");
    subscribe(r, 2, *b, "com.example.topic");

    r.handle(1, Unsubscribe{90, id});
    auto unsubscribed = a->last<Unsubscribed>();
    REQUIRE(unsubscribed);
    CHECK(unsubscribed->request == 90);
    CHECK(r.broker().subscription_count() == 1);  // b still holds it

    publish(r, 3, "com.example.topic");
    CHECK(a->received<Event>().empty());
    CHECK(b->received<Event>().size() == 1);

    SECTION("unsubscribing twice, or an id never held, is no_such_subscription") {
        r.handle(1, Unsubscribe{91, id});
        auto err = a->last<ErrorMessage>();
        REQUIRE(err);
        CHECK(err->request_type == MessageType::unsubscribe);
        CHECK(err->request == 91);
        CHECK(err->error == uris::no_such_subscription);
        // p never subscribed: b's subscription id is not p's to drop.
        r.handle(3, Unsubscribe{92, id});
        REQUIRE(p->last<ErrorMessage>());
        CHECK(p->last<ErrorMessage>()->error == uris::no_such_subscription);
        r.handle(3, Unsubscribe{93, 123456});
        CHECK(p->last<ErrorMessage>()->request == 93);
        CHECK(r.broker().subscription_count() == 1);
    }
    SECTION("the last subscriber leaving deletes the subscription; a new one gets a new id") {
        r.handle(2, Unsubscribe{94, id});
        CHECK(b->last<Unsubscribed>());
        CHECK(r.broker().subscription_count() == 0);
        auto again = subscribe(r, 1, *a, "com.example.topic");
        CHECK(again != 0);
        CHECK(again != id);
    }
}

TEST_CASE("broker: leave drops every subscription of the session", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1);
    auto b = test::join(r, 2);
    auto p = test::join(r, 3);
    subscribe(r, 1, *a, "com.example.topic");
    subscribe(r, 1, *a, "com.example", Dict{{"match", "prefix"}});
    subscribe(r, 1, *a, "com..topic", Dict{{"match", "wildcard"}});
    subscribe(r, 2, *b, "com.example.topic");
    CHECK(r.broker().subscription_count() == 3);

    r.leave(1);
    CHECK(r.broker().subscription_count() == 1);  // the shared one survives for b, the other two are gone
    publish(r, 3, "com.example.topic");
    CHECK(a->received<Event>().empty());
    CHECK(b->received<Event>().size() == 1);
    r.leave(1);  // idempotent
    r.leave(2);
    CHECK(r.broker().subscription_count() == 0);
}

TEST_CASE("broker: one publisher's events arrive in publish order", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto sub = test::join(r, 1);
    auto pub = test::join(r, 2);
    subscribe(r, 1, *sub, "com.example.topic");
    subscribe(r, 1, *sub, "com.example", Dict{{"match", "prefix"}});
    for (int i = 0; i < 200; ++i) publish(r, 2, "com.example.topic", {}, List{i});
    auto events = sub->received<Event>();
    REQUIRE(events.size() == 400);
    for (int i = 0; i < 200; ++i) {
        CHECK(events[2 * i].payload.args == List{i});
        CHECK(events[2 * i + 1].payload.args == List{i});
    }
}

TEST_CASE("broker: payload passthru mode", "[realm][broker]") {
    realm::Realm r({"realm1"});
    auto sub = test::join(r, 1, "", "anonymous", subscriber_roles("subscriber", "payload_passthru_mode"));
    auto pub = test::join(r, 2, "", "anonymous", subscriber_roles("publisher", "payload_passthru_mode"));
    auto legacy = test::join(r, 3);
    subscribe(r, 1, *sub, "com.example.secret");

    Dict options{{"enc_algo", "cryptobox"}, {"enc_serializer", "json"}, {"enc_key", "k1"}, {"acknowledge", true}};
    Payload opaque{{}, {}, Value(Bytes{std::string("\x01\x02\x03", 3)})};
    r.handle(2, Publish{70, options, "com.example.secret", opaque});
    CHECK(pub->last<Published>());
    auto e = sub->last<Event>();
    REQUIRE(e);
    CHECK(e->payload == opaque);  // forwarded untouched
    CHECK(*get_string(e->details, "enc_algo") == "cryptobox");
    CHECK(*get_string(e->details, "enc_serializer") == "json");
    CHECK(*get_string(e->details, "enc_key") == "k1");
    CHECK(find(e->details, "acknowledge") == nullptr);

    Dict ppt{{"ppt_scheme", "mqtt"}, {"ppt_serializer", "native"}};
    r.handle(2, Publish{71, ppt, "com.example.secret", Payload{List{Bytes{"raw"}}, {}, {}}});
    e = sub->last<Event>();
    REQUIRE(e);
    CHECK(*get_string(e->details, "ppt_scheme") == "mqtt");
    CHECK(*get_string(e->details, "ppt_serializer") == "native");
    CHECK(e->payload.args == List{Bytes{"raw"}});

    // A publisher that did not announce the feature breaks the protocol (spec: payload passthru mode).
    r.handle(3, Publish{72, options, "com.example.secret", opaque});
    REQUIRE(legacy->aborts.size() == 1);
    CHECK(legacy->aborts[0] == uris::protocol_violation);
    CHECK(sub->received<Event>().size() == 2);
}

TEST_CASE("broker: the router publishes its own (meta) events", "[realm][broker]") {
    // The realm hands out its broker as const, so this test builds a broker of its own.
    realm::RealmContext ctx;
    realm::Broker broker(ctx);
    auto peer = std::make_shared<FakePeer>();
    realm::SessionInfo info;
    info.id = 5;
    auto& session = ctx.sessions.try_emplace(5, info, peer).first->second;
    broker.subscribe(session, Subscribe{1, {}, "wamp.session.on_join"});
    auto publication = broker.publish_from_router("wamp.session.on_join", Payload{List{Dict{{"session", 9}}}, {}, {}},
                                                  Dict{{"exclude", ids({6})}});
    auto e = peer->last<Event>();
    REQUIRE(e);
    CHECK(e->publication == publication);
    CHECK(e->payload.args == List{Dict{{"session", 9}}});
    CHECK(e->details.empty());  // no publisher to disclose
    broker.leave(session);
    CHECK(broker.subscription_count() == 0);
}

TEST_CASE("broker: random subscribe, unsubscribe and leave keep the bookkeeping right", "[realm][broker]") {
    // A model of who holds which (topic, policy) is compared with the EVENTs actually delivered; this exercises
    // the O(1) removal (the last subscriber moves into the gap) under every order of operations.
    const std::vector<std::pair<std::string, MatchPolicy>> patterns{
        {"a.b", MatchPolicy::exact}, {"a.c", MatchPolicy::exact}, {"a", MatchPolicy::prefix},
        {"a.", MatchPolicy::prefix}, {"a..", MatchPolicy::wildcard}, {".b", MatchPolicy::wildcard}};
    const std::vector<std::string> topics{"a.b", "a.c", "x.b", "a.b.c", "ab"};
    auto policy_name = [](MatchPolicy p) {
        return p == MatchPolicy::exact ? "exact" : p == MatchPolicy::prefix ? "prefix" : "wildcard";
    };
    auto matches = [](const std::string& pattern, MatchPolicy p, const std::string& topic) {
        if (p == MatchPolicy::exact) return pattern == topic;
        if (p == MatchPolicy::prefix) return topic.rfind(pattern, 0) == 0;
        return realm::wildcard_matches(pattern, topic);
    };

    for (unsigned seed = 1; seed <= 10; ++seed) {
        INFO("seed " << seed);
        std::mt19937 rng(seed);
        auto below = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
        realm::Realm r({"realm1"});
        constexpr Id sessions = 12;
        constexpr Id publisher = 100;
        std::map<Id, std::shared_ptr<FakePeer>> peers;
        for (Id i = 1; i <= sessions; ++i) peers[i] = test::join(r, i);
        test::join(r, publisher);
        // session -> pattern index -> subscription id
        std::map<Id, std::map<std::size_t, Id>> held;

        for (int step = 0; step < 600; ++step) {
            Id s = 1 + below(sessions);
            auto& peer = *peers[s];
            switch (below(5)) {
            case 0:
            case 1: {
                auto k = below(patterns.size());
                auto id = subscribe(r, s, peer, patterns[k].first, Dict{{"match", policy_name(patterns[k].second)}});
                REQUIRE(id != 0);
                if (held[s].count(k)) REQUIRE(held[s][k] == id);
                held[s][k] = id;
                break;
            }
            case 2: {
                if (held[s].empty()) break;
                auto it = std::next(held[s].begin(), static_cast<long>(below(held[s].size())));
                r.handle(s, Unsubscribe{++next_request, it->second});
                REQUIRE(peer.last<Unsubscribed>());
                held[s].erase(it);
                break;
            }
            case 3:
                if (below(4) == 0) {
                    r.leave(s);
                    held.erase(s);
                    peers[s] = test::join(r, s);
                }
                break;
            default: {
                auto& topic = topics[below(topics.size())];
                for (auto& [id, p] : peers) p->clear();
                publish(r, publisher, topic);
                for (auto& [id, p] : peers) {
                    std::multiset<Id> expected;
                    for (auto& [k, sub_id] : held[id])
                        if (matches(patterns[k].first, patterns[k].second, topic)) expected.insert(sub_id);
                    std::multiset<Id> got;
                    for (auto& e : p->received<Event>()) got.insert(e.subscription);
                    REQUIRE(got == expected);
                }
            }
            }
            // Subscriptions alive = distinct patterns held by anyone.
            std::set<std::size_t> alive;
            for (auto& [id, m] : held)
                for (auto& [k, sub_id] : m) alive.insert(k);
            REQUIRE(r.broker().subscription_count() == alive.size());
        }
    }
}
