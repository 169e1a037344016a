// ClientSession: Publish & Subscribe.

#include <catch2/catch.hpp>

#include "client/client_uris.hpp"
#include "serializers/error_uris.hpp"
#include "session_fixture.hpp"

using namespace flyover;
using namespace flyover::client;
using namespace flyover::test;

TEST_CASE("subscribe, receive events, unsubscribe", "[client][pubsub]") {
    SessionFixture f;
    f.join();
    std::vector<EventData> events;
    Capture<Outcome<Subscription>> sub;
    SubscribeOptions options;
    options.match = Match::prefix;
    f.session.subscribe("com.example", [&](const EventData& e) { events.push_back(e); }, options, sub.handler());
    auto* subscribe = f.transport.last<Subscribe>();
    REQUIRE(subscribe);
    CHECK(subscribe->topic == "com.example");
    CHECK(*get_string(subscribe->options, "match") == "prefix");
    CHECK(sub.calls == 0);

    f.session.handle(Subscribed{subscribe->request, 500});
    REQUIRE(sub.calls == 1);
    REQUIRE(sub.value->ok());
    CHECK(sub.value->value().id == 500);
    CHECK(sub.value->value().topic == "com.example");

    f.session.handle(Event{500, 77, Dict{{"topic", "com.example.news"}}, payload({"hello"}, Dict{{"n", 1}})});
    f.session.handle(Event{500, 78, {}, payload({"again"})});
    REQUIRE(events.size() == 2);
    CHECK(events[0].topic == "com.example.news");  // pattern subscriptions: the concrete topic
    CHECK(events[0].publication == 77);
    CHECK(events[0].args == List{"hello"});
    CHECK(events[0].kwargs == Dict{{"n", 1}});
    CHECK(events[1].topic == "com.example");  // no details.topic: the subscribed one

    f.transport.sent.clear();
    Capture<Status> unsub;
    f.session.unsubscribe(sub.value->value(), unsub.handler());
    auto* unsubscribe = f.transport.last<Unsubscribe>();
    REQUIRE(unsubscribe);
    CHECK(unsubscribe->subscription == 500);
    // An event that crossed the UNSUBSCRIBE is dropped.
    f.session.handle(Event{500, 79, {}, payload({"late"})});
    CHECK(events.size() == 2);
    f.session.handle(Unsubscribed{unsubscribe->request, {}});
    REQUIRE(unsub.calls == 1);
    CHECK(unsub.value->ok());

    // Unsubscribing twice is an error value, not a second UNSUBSCRIBE.
    f.transport.sent.clear();
    Capture<Status> again;
    f.session.unsubscribe(sub.value->value(), again.handler());
    CHECK(again.value->error().uri == flyover::uris::no_such_subscription);
    CHECK(f.transport.sent.empty());
}

TEST_CASE("two local handlers on one router subscription: UNSUBSCRIBE only for the last", "[client][pubsub]") {
    SessionFixture f;
    f.join();
    int a = 0, b = 0;
    Capture<Outcome<Subscription>> sa, sb;
    f.session.subscribe("t", [&](const EventData&) { ++a; }, sa.handler());
    f.session.handle(Subscribed{1, 900});
    f.session.subscribe("t", [&](const EventData&) { ++b; }, sb.handler());
    f.session.handle(Subscribed{2, 900});  // the router answers with the same subscription
    CHECK(sa.value->value().handler != sb.value->value().handler);
    f.session.handle(Event{900, 1, {}, {}});
    CHECK(a == 1);
    CHECK(b == 1);

    f.transport.sent.clear();
    Capture<Status> ua;
    f.session.unsubscribe(sa.value->value(), ua.handler());
    CHECK(ua.value->ok());
    CHECK(f.transport.sent.empty());
    f.session.handle(Event{900, 2, {}, {}});
    CHECK(a == 1);
    CHECK(b == 2);

    Capture<Status> ub;
    f.session.unsubscribe(sb.value->value(), ub.handler());
    REQUIRE(f.transport.last<Unsubscribe>());
    f.session.handle(Unsubscribed{f.transport.last<Unsubscribe>()->request, {}});
    CHECK(ub.value->ok());
}

TEST_CASE("an event handler may unsubscribe itself while events are delivered", "[client][pubsub]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<Subscription>> mine;
    int seen = 0;
    f.session.subscribe(
        "t",
        [&](const EventData&) {
            ++seen;
            f.session.unsubscribe(mine.value->value());
        },
        mine.handler());
    f.session.handle(Subscribed{1, 5});
    f.session.handle(Event{5, 1, {}, {}});
    f.session.handle(Event{5, 2, {}, {}});
    CHECK(seen == 1);
}

TEST_CASE("SUBSCRIBE and UNSUBSCRIBE errors are values", "[client][pubsub]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<Subscription>> sub;
    f.session.subscribe("bad..topic", [](const EventData&) {}, sub.handler());
    f.session.handle(ErrorMessage{MessageType::subscribe, 1, {}, "wamp.error.invalid_uri", payload({"bad topic"})});
    REQUIRE(sub.calls == 1);
    CHECK(sub.value->error().uri == "wamp.error.invalid_uri");
    CHECK(sub.value->error().message() == "bad topic");

    Capture<Outcome<Subscription>> good;
    f.session.subscribe("t", [](const EventData&) {}, good.handler());
    f.session.handle(Subscribed{2, 8});
    Capture<Status> unsub;
    f.session.unsubscribe(good.value->value(), unsub.handler());
    f.session.handle(ErrorMessage{MessageType::unsubscribe, 3, {}, "wamp.error.no_such_subscription", {}});
    CHECK(unsub.value->error().uri == "wamp.error.no_such_subscription");
}

TEST_CASE("a revoked subscription stops delivering events", "[client][pubsub]") {
    SessionFixture f;
    f.join();
    int seen = 0;
    f.session.subscribe("t", [&](const EventData&) { ++seen; }, [](Outcome<Subscription>) {});
    f.session.handle(Subscribed{1, 5});
    f.session.handle(Unsubscribed{0, Dict{{"subscription", 5}, {"reason", "wamp.error.revoked"}}});
    f.session.handle(Event{5, 1, {}, {}});
    CHECK(seen == 0);
    CHECK(f.session.is_joined());
}

TEST_CASE("publish: fire-and-forget, acknowledged, refused", "[client][pubsub]") {
    SessionFixture f;
    f.join();
    SECTION("without acknowledge the handler runs once the message is queued") {
        Capture<Outcome<Id>> pub;
        PublishOptions options;
        options.exclude_me = false;
        options.disclose_me = true;
        options.extra = Dict{{"retain", true}};
        f.session.publish("com.t", {1, "two"}, Dict{{"k", 3}}, options, pub.handler());
        auto* p = f.transport.last<Publish>();
        REQUIRE(p);
        CHECK(p->topic == "com.t");
        CHECK(p->payload.args == List{1, "two"});
        CHECK(p->payload.kwargs == Dict{{"k", 3}});
        CHECK(find(p->options, "exclude_me")->as_bool());
        CHECK_FALSE(*find(p->options, "exclude_me")->as_bool());
        CHECK(*find(p->options, "disclose_me")->as_bool());
        CHECK(*find(p->options, "retain")->as_bool());
        CHECK_FALSE(find(p->options, "acknowledge"));
        REQUIRE(pub.calls == 1);
        CHECK(pub.value->value() == 0);
        CHECK(f.session.pending_requests() == 0);
    }
    SECTION("with acknowledge the handler gets the publication id") {
        Capture<Outcome<Id>> pub;
        PublishOptions options;
        options.acknowledge = true;
        f.session.publish("com.t", {}, {}, options, pub.handler());
        auto* p = f.transport.last<Publish>();
        REQUIRE(p);
        CHECK(*find(p->options, "acknowledge")->as_bool());
        CHECK(pub.calls == 0);
        f.session.handle(Published{p->request, 123456});
        REQUIRE(pub.calls == 1);
        CHECK(pub.value->value() == 123456);
    }
    SECTION("an acknowledged publish the router refuses") {
        Capture<Outcome<Id>> pub;
        PublishOptions options;
        options.acknowledge = true;
        f.session.publish("wamp.reserved", {}, {}, options, pub.handler());
        f.session.handle(ErrorMessage{MessageType::publish, 1, {}, "wamp.error.not_authorized", {}});
        CHECK(pub.value->error().uri == "wamp.error.not_authorized");
    }
    SECTION("a full write queue refuses the publish at once") {
        f.transport.queue_full = true;
        Capture<Outcome<Id>> pub;
        f.session.publish("com.t", {}, {}, {}, pub.handler());
        REQUIRE(pub.calls == 1);
        CHECK(pub.value->error().uri == client::uris::write_queue_full);
    }
}

TEST_CASE("pub/sub before joining fails with not_joined", "[client][pubsub]") {
    SessionFixture f;
    Capture<Outcome<Subscription>> sub;
    f.session.subscribe("t", [](const EventData&) {}, sub.handler());
    CHECK(sub.value->error().uri == client::uris::not_joined);
    Capture<Outcome<Id>> pub;
    f.session.publish("t", {}, {}, {}, pub.handler());
    CHECK(pub.value->error().uri == client::uris::not_joined);
    CHECK(f.transport.sent.empty());
}
