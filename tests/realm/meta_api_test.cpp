#include <catch2/catch.hpp>

#include <algorithm>

#include "fake_peer.hpp"
#include "meta_client.hpp"
#include "serializers/error_uris.hpp"

using namespace flyover;
using test::call;
using test::FakePeer;

namespace {

realm::RealmOptions options_with(test::FixedClock& clock) {
    realm::RealmOptions o{"realm1"};
    o.wall_clock = clock.clock();
    return o;
}

/// A session that watches every meta event through one prefix subscription on "wamp.", so the order across
/// meta topics is visible.
struct Watcher {
    std::shared_ptr<FakePeer> peer;
    Id id;
    Id sub;

    Watcher(realm::Realm& r, Id session_id) : peer(test::join(r, session_id, "watcher", "admin")), id(session_id) {
        sub = test::subscribe(r, id, *peer, "wamp.", Dict{{"match", "prefix"}});
        REQUIRE(sub != 0);
    }
    std::vector<std::string> topics() const { return test::event_topics(*peer, sub); }
    std::vector<Event> events() const { return test::events_for(*peer, sub); }
    /// The events on one meta topic.
    std::vector<Event> on(std::string_view topic) const {
        std::vector<Event> out;
        for (auto& e : events())
            if (auto* t = get_string(e.details, "topic"); t && *t == topic) out.push_back(e);
        return out;
    }
    void clear() { peer->clear(); }
};

List ids(std::initializer_list<Id> l) {
    List out;
    for (auto id : l) out.emplace_back(id);
    return out;
}

}  // namespace

TEST_CASE("meta API features are announced for the broker and the dealer", "[realm][meta]") {
    auto roles = realm::Realm::router_roles();
    auto broker = roles.at("broker").find("features");
    auto dealer = roles.at("dealer").find("features");
    REQUIRE(broker);
    REQUIRE(dealer);
    for (auto f : {"session_meta_api", "subscription_meta_api", "event_history"}) {
        INFO(f);
        CHECK(*broker->find(f) == Value(true));
    }
    for (auto f : {"session_meta_api", "registration_meta_api", "testament_meta_api"}) {
        INFO(f);
        CHECK(*dealer->find(f) == Value(true));
    }
}

TEST_CASE("wamp.session.on_join carries who joined and over what", "[realm][meta]") {
    realm::Realm r({"realm1"});
    Watcher w(r, 1);
    auto peer = std::make_shared<FakePeer>();
    realm::SessionInfo info;
    info.id = 42;
    info.authid = "alice";
    info.authrole = "user";
    info.authmethod = "anonymous";
    info.authprovider = "static";
    info.transport = Dict{{"type", "websocket"}, {"serializer", "wamp.2.json"}, {"peer", "127.0.0.1:5000"}};
    r.join(info, peer);

    auto joins = w.on("wamp.session.on_join");
    REQUIRE(joins.size() == 1);
    REQUIRE(joins[0].payload.args.size() == 1);
    CHECK(joins[0].payload.args[0] == Value(Dict{{"session", 42},
                                                  {"authid", "alice"},
                                                  {"authrole", "user"},
                                                  {"authmethod", "anonymous"},
                                                  {"authprovider", "static"},
                                                  {"transport", info.transport}}));
    CHECK(peer->delivered.empty());  // the joining session itself was not subscribed yet
}

TEST_CASE("a leaving session: on_unsubscribe, on_delete, on_unregister, on_delete, then on_leave", "[realm][meta]") {
    realm::Realm r({"realm1"});
    Watcher w(r, 1);
    auto a = test::join(r, 2, "alice", "user");
    auto b = test::join(r, 3, "bob", "user");
    Id shared = test::subscribe(r, 2, *a, "com.example.shared");
    REQUIRE(test::subscribe(r, 3, *b, "com.example.shared") == shared);
    Id own = test::subscribe(r, 2, *a, "com.example.own", Dict{{"match", "prefix"}});
    Id reg = test::register_procedure(r, 2, *a, "com.example.proc");
    REQUIRE(own > shared);
    w.clear();

    r.leave(2);
    CHECK(w.topics() == std::vector<std::string>{"wamp.subscription.on_unsubscribe", "wamp.subscription.on_unsubscribe",
                                                 "wamp.subscription.on_delete", "wamp.registration.on_unregister",
                                                 "wamp.registration.on_delete", "wamp.session.on_leave"});
    auto ev = w.events();
    CHECK(ev[0].payload.args == List{2, shared});  // still has bob: no on_delete
    CHECK(ev[1].payload.args == List{2, own});
    CHECK(ev[2].payload.args == List{2, own});
    CHECK(ev[3].payload.args == List{2, reg});
    CHECK(ev[4].payload.args == List{2, reg});
    CHECK(ev[5].payload.args == List{2, "alice", "user"});  // spec: session, authid, authrole
    CHECK(a->delivered.size() == 3);  // SUBSCRIBED, SUBSCRIBED, REGISTERED: nothing about its own departure
}

TEST_CASE("wamp.session.count and list, with and without the authrole filter", "[realm][meta]") {
    realm::Realm r({"realm1"});
    auto admin = test::join(r, 1, "root", "admin");
    auto u1 = test::join(r, 7, "u1", "user");
    auto u2 = test::join(r, 3, "u2", "user");
    auto g = test::join(r, 5, "g", "guest");

    CHECK(call(r, 1, *admin, "wamp.session.count").value() == Value(4));
    CHECK(call(r, 1, *admin, "wamp.session.list").value() == Value(ids({1, 3, 5, 7})));
    CHECK(call(r, 1, *admin, "wamp.session.count", List{List{"user"}}).value() == Value(2));
    CHECK(call(r, 1, *admin, "wamp.session.list", List{List{"user", "guest"}}).value() == Value(ids({3, 5, 7})));
    CHECK(call(r, 1, *admin, "wamp.session.list", List{List{"nobody"}}).value() == Value(List{}));
    // By name, as Crossbar's Python signature allows; null means no filter.
    CHECK(call(r, 1, *admin, "wamp.session.count", {}, Dict{{"filter_authroles", List{"guest"}}}).value() == Value(1));
    CHECK(call(r, 1, *admin, "wamp.session.count", List{Value()}).value() == Value(4));

    CHECK(call(r, 1, *admin, "wamp.session.count", List{"user"}).error == uris::invalid_argument);
    CHECK(call(r, 1, *admin, "wamp.session.list", List{List{1}}).error == uris::invalid_argument);
}

TEST_CASE("wamp.session.get returns a session's details or no_such_session", "[realm][meta]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1, "alice", "user");
    auto b = test::join(r, 2, "bob", "user");
    auto got = call(r, 1, *a, "wamp.session.get", List{2});
    REQUIRE(got.ok());
    CHECK(got.value() == Value(Dict{{"session", 2},
                                    {"authid", "bob"},
                                    {"authrole", "user"},
                                    {"authmethod", "anonymous"},
                                    {"authprovider", ""},
                                    {"transport", Dict{}}}));
    CHECK(call(r, 1, *a, "wamp.session.get", List{1}).ok());  // its own session is fine
    CHECK(call(r, 1, *a, "wamp.session.get", {}, Dict{{"session_id", 2}}).ok());
    CHECK(call(r, 1, *a, "wamp.session.get", List{99}).error == uris::no_such_session);
    CHECK(call(r, 1, *a, "wamp.session.get").error == uris::invalid_argument);
    CHECK(call(r, 1, *a, "wamp.session.get", List{"2"}).error == uris::invalid_argument);
}

TEST_CASE("wamp.session.kill: GOODBYE wamp.close.killed, gone from the realm before the RESULT", "[realm][meta]") {
    realm::Realm r({"realm1"});
    Watcher w(r, 1);
    auto victim = test::join(r, 2, "mallory", "user");
    auto caller = test::join(r, 3, "admin", "admin");
    auto callee = test::join(r, 4, "callee", "user", Dict{{"callee", Dict{}}});
    Id sub = test::subscribe(r, 2, *victim, "com.example.topic");
    REQUIRE(test::register_procedure(r, 4, *callee, "com.example.slow") != 0);
    r.handle(2, Call{77, {}, "com.example.slow", {}});  // the victim has a call in flight
    REQUIRE(callee->received<Invocation>().size() == 1);
    w.clear();

    auto answer = call(r, 3, *caller, "wamp.session.kill", List{2});
    REQUIRE(answer.ok());
    CHECK(answer.args.empty());  // no return value
    REQUIRE(victim->closes == std::vector<std::string>{std::string(uris::killed)});
    CHECK(victim->close_messages == std::vector<std::string>{""});
    CHECK(r.session_count() == 3);
    CHECK(call(r, 3, *caller, "wamp.session.get", List{2}).error == uris::no_such_session);
    CHECK(call(r, 3, *caller, "wamp.subscription.get", List{sub}).error == uris::no_such_subscription);
    CHECK(w.topics() == std::vector<std::string>{"wamp.subscription.on_unsubscribe", "wamp.subscription.on_delete",
                                                 "wamp.session.on_leave"});
    // The victim is gone as a caller: its call is interrupted at the callee if it can cancel; this one cannot.
    CHECK(callee->received<Interrupt>().empty());
    // The session's own later leave (its GOODBYE reply or lost transport) changes nothing.
    r.leave(2);
    CHECK(r.session_count() == 3);
}

TEST_CASE("wamp.session.kill: reason and message, and its errors", "[realm][meta]") {
    realm::Realm r({"realm1"});
    auto caller = test::join(r, 1);
    auto victim = test::join(r, 2);
    auto other = test::join(r, 3);

    CHECK(call(r, 1, *caller, "wamp.session.kill", List{1}).error == uris::no_such_session);  // not itself
    CHECK(caller->closes.empty());
    CHECK(call(r, 1, *caller, "wamp.session.kill", List{99}).error == uris::no_such_session);
    CHECK(call(r, 1, *caller, "wamp.session.kill").error == uris::invalid_argument);
    CHECK(call(r, 1, *caller, "wamp.session.kill", List{2}, Dict{{"reason", "not a uri"}}).error == uris::invalid_uri);
    CHECK(call(r, 1, *caller, "wamp.session.kill", List{2}, Dict{{"reason", ""}}).error == uris::invalid_uri);
    CHECK(call(r, 1, *caller, "wamp.session.kill", List{2}, Dict{{"reason", 5}}).error == uris::invalid_uri);
    CHECK(call(r, 1, *caller, "wamp.session.kill", List{2}, Dict{{"message", 5}}).error == uris::invalid_argument);
    CHECK(victim->closes.empty());
    CHECK(r.session_count() == 3);

    REQUIRE(call(r, 1, *caller, "wamp.session.kill", List{2},
                 Dict{{"reason", "com.example.kicked"}, {"message", "spamming"}})
                .ok());
    CHECK(victim->closes == std::vector<std::string>{"com.example.kicked"});
    CHECK(victim->close_messages == std::vector<std::string>{"spamming"});
    // Positionally too (Crossbar's signature: session_id, reason, message).
    REQUIRE(call(r, 1, *caller, "wamp.session.kill", List{3, "wamp.close.normal", "bye"}).ok());
    CHECK(other->closes == std::vector<std::string>{"wamp.close.normal"});
    CHECK(r.session_count() == 1);
}

TEST_CASE("wamp.session.kill_by_authid kills every session of an authid but the caller", "[realm][meta]") {
    realm::Realm r({"realm1"});
    Watcher w(r, 1);
    auto me = test::join(r, 10, "alice", "user");
    auto a2 = test::join(r, 30, "alice", "user");
    auto a3 = test::join(r, 20, "alice", "user");
    auto bob = test::join(r, 40, "bob", "user");
    w.clear();

    auto answer = call(r, 10, *me, "wamp.session.kill_by_authid", List{"alice"});
    REQUIRE(answer.ok());
    CHECK(answer.value() == Value(ids({20, 30})));
    CHECK(me->closes.empty());
    CHECK(a2->closes == std::vector<std::string>{std::string(uris::killed)});
    CHECK(a3->closes == std::vector<std::string>{std::string(uris::killed)});
    CHECK(bob->closes.empty());
    CHECK(w.on("wamp.session.on_leave").size() == 2);
    CHECK(call(r, 10, *me, "wamp.session.kill_by_authid", List{"nobody"}).value() == Value(List{}));
    CHECK(call(r, 10, *me, "wamp.session.kill_by_authid").error == uris::invalid_argument);
    CHECK(call(r, 10, *me, "wamp.session.kill_by_authid", List{"bob"}, Dict{{"reason", "bad uri"}}).error ==
          uris::invalid_uri);
    CHECK(bob->closes.empty());
    CHECK(r.session_count() == 3);
}

TEST_CASE("wamp.session.kill_by_authrole returns how many it killed", "[realm][meta]") {
    realm::Realm r({"realm1"});
    auto me = test::join(r, 1, "me", "user");
    auto u = test::join(r, 2, "u", "user");
    auto g1 = test::join(r, 3, "g1", "guest");
    auto g2 = test::join(r, 4, "g2", "guest");
    auto answer = call(r, 1, *me, "wamp.session.kill_by_authrole", List{"guest"}, Dict{{"message", "closing"}});
    REQUIRE(answer.ok());
    CHECK(answer.value() == Value(2));
    CHECK(g1->close_messages == std::vector<std::string>{"closing"});
    CHECK(call(r, 1, *me, "wamp.session.kill_by_authrole", List{"user"}).value() == Value(1));  // not the caller
    CHECK(u->closes.size() == 1);
    CHECK(me->closes.empty());
    CHECK(r.session_count() == 1);
}

TEST_CASE("wamp.session.kill_all kills everyone else, silently", "[realm][meta]") {
    realm::Realm r({"realm1"});
    Watcher w(r, 1);  // the caller watches: it stays, and sees no meta events about the others
    auto a = test::join(r, 2);
    auto b = test::join(r, 3);
    auto listener = test::join(r, 4);
    test::subscribe(r, 2, *a, "com.example.a");
    test::register_procedure(r, 3, *b, "com.example.b");
    test::subscribe(r, 4, *listener, "com.example.will");
    REQUIRE(call(r, 2, *a, "wamp.session.add_testament", List{"com.example.will", List{"bye"}, Dict{}}).ok());
    w.clear();

    auto answer = call(r, 1, *w.peer, "wamp.session.kill_all", {}, Dict{{"reason", "wamp.close.system_shutdown"}});
    REQUIRE(answer.ok());
    CHECK(answer.value() == Value(3));
    CHECK(a->closes == std::vector<std::string>{"wamp.close.system_shutdown"});
    CHECK(listener->received<Event>().empty());  // no testament
    CHECK(w.events().empty());                    // no on_unsubscribe, on_unregister, on_leave
    CHECK(r.session_count() == 1);
    CHECK(r.broker().subscription_count() == 1);  // the watcher's own
    CHECK(r.dealer().registration_count() == 0);
    CHECK(r.testaments().count(2, realm::Testaments::Scope::destroyed) == 0);

    // After kill_all the meta events flow again.
    auto c = test::join(r, 5);
    CHECK(w.on("wamp.session.on_join").size() == 1);
    CHECK(call(r, 1, *w.peer, "wamp.session.kill_all", List{"bad uri"}).error == uris::invalid_uri);
    CHECK(c->closes.empty());
}

TEST_CASE("subscription meta events: on_create with details, on_subscribe, on_unsubscribe, on_delete",
          "[realm][meta]") {
    test::FixedClock clock;
    realm::Realm r(options_with(clock));
    Watcher w(r, 1);
    auto a = test::join(r, 2);
    auto b = test::join(r, 3);
    w.clear();

    Id sub = test::subscribe(r, 2, *a, "com.example.", Dict{{"match", "prefix"}});
    CHECK(w.topics() == std::vector<std::string>{"wamp.subscription.on_create", "wamp.subscription.on_subscribe"});
    auto ev = w.events();
    CHECK(ev[0].payload.args ==
          List{2, Dict{{"id", sub}, {"created", "2024-05-01T12:00:00.000Z"}, {"uri", "com.example."}, {"match", "prefix"}}});
    CHECK(ev[1].payload.args == List{2, sub});
    // SUBSCRIBED reached the subscriber before anyone heard of the subscription.
    REQUIRE(!a->delivered.empty());
    CHECK(std::holds_alternative<Subscribed>(a->delivered.back()->message()));
    w.clear();

    REQUIRE(test::subscribe(r, 3, *b, "com.example.", Dict{{"match", "prefix"}}) == sub);
    CHECK(w.topics() == std::vector<std::string>{"wamp.subscription.on_subscribe"});
    REQUIRE(test::subscribe(r, 3, *b, "com.example.", Dict{{"match", "prefix"}}) == sub);  // again: no event
    CHECK(w.events().size() == 1);
    w.clear();

    r.handle(2, Unsubscribe{900, sub});
    CHECK(w.topics() == std::vector<std::string>{"wamp.subscription.on_unsubscribe"});
    r.handle(3, Unsubscribe{901, sub});
    CHECK(w.topics() == std::vector<std::string>{"wamp.subscription.on_unsubscribe", "wamp.subscription.on_unsubscribe",
                                                 "wamp.subscription.on_delete"});
    CHECK(w.events().back().payload.args == List{3, sub});
    w.clear();
    r.handle(3, Unsubscribe{902, sub});  // an error, not an event
    CHECK(w.events().empty());
}

TEST_CASE("subscriptions to wamp. topics are the router's business: no events, hidden from the meta API",
          "[realm][meta]") {
    realm::Realm r({"realm1"});
    Watcher w(r, 1);
    auto a = test::join(r, 2);
    w.clear();
    Id meta_sub = test::subscribe(r, 2, *a, "wamp.session.on_join");
    Id app_sub = test::subscribe(r, 2, *a, "com.example.app");
    r.handle(2, Unsubscribe{5, meta_sub});
    meta_sub = test::subscribe(r, 2, *a, "wamp.session.on_join");
    CHECK(w.topics() == std::vector<std::string>{"wamp.subscription.on_create", "wamp.subscription.on_subscribe"});

    auto list = call(r, 2, *a, "wamp.subscription.list").value();
    CHECK(*list.find("exact") == Value(ids({app_sub})));
    CHECK(*list.find("prefix") == Value(List{}));  // the watcher's "wamp." prefix is hidden too
    CHECK(call(r, 2, *a, "wamp.subscription.lookup", List{"wamp.session.on_join"}).value().is_null());
    CHECK(call(r, 2, *a, "wamp.subscription.match", List{"wamp.session.on_join"}).value().is_null());
    CHECK(call(r, 2, *a, "wamp.subscription.get", List{meta_sub}).error == uris::not_authorized);
    CHECK(call(r, 2, *a, "wamp.subscription.list_subscribers", List{meta_sub}).error == uris::not_authorized);
    CHECK(call(r, 2, *a, "wamp.subscription.count_subscribers", List{w.sub}).error == uris::not_authorized);
}

TEST_CASE("wamp.subscription.list, lookup, match, get, list_subscribers, count_subscribers", "[realm][meta]") {
    test::FixedClock clock;
    realm::Realm r(options_with(clock));
    auto a = test::join(r, 1);
    auto b = test::join(r, 2);
    Id exact = test::subscribe(r, 1, *a, "com.example.topic");
    REQUIRE(test::subscribe(r, 2, *b, "com.example.topic") == exact);
    clock.now += 1500;
    Id prefix = test::subscribe(r, 2, *b, "com.example", Dict{{"match", "prefix"}});
    Id wild = test::subscribe(r, 1, *a, "com..topic", Dict{{"match", "wildcard"}});
    Id other = test::subscribe(r, 1, *a, "org.other");

    auto list = call(r, 1, *a, "wamp.subscription.list");
    REQUIRE(list.ok());
    CHECK(list.value() ==
          Value(Dict{{"exact", ids({exact, other})}, {"prefix", ids({prefix})}, {"wildcard", ids({wild})}}));

    CHECK(call(r, 1, *a, "wamp.subscription.lookup", List{"com.example.topic"}).value() == Value(exact));
    CHECK(call(r, 1, *a, "wamp.subscription.lookup", List{"com.example", Dict{{"match", "prefix"}}}).value() ==
          Value(prefix));
    CHECK(call(r, 1, *a, "wamp.subscription.lookup", List{"com.example"}).value().is_null());  // not exact
    CHECK(call(r, 1, *a, "wamp.subscription.lookup", List{"com..topic"}, Dict{{"options", Dict{{"match", "wildcard"}}}})
              .value() == Value(wild));
    CHECK(call(r, 1, *a, "wamp.subscription.lookup", List{"com.x", Dict{{"match", "fuzzy"}}}).error ==
          uris::invalid_argument);
    CHECK(call(r, 1, *a, "wamp.subscription.lookup", List{"com.x", "prefix"}).error == uris::invalid_argument);
    CHECK(call(r, 1, *a, "wamp.subscription.lookup").error == uris::invalid_argument);

    // Everything a publication to the topic reaches: exact, prefixes, wildcards.
    CHECK(call(r, 1, *a, "wamp.subscription.match", List{"com.example.topic"}).value() == Value(ids({exact, prefix, wild})));
    CHECK(call(r, 1, *a, "wamp.subscription.match", List{"com.exampleX"}).value() == Value(ids({prefix})));
    CHECK(call(r, 1, *a, "wamp.subscription.match", List{"net.none"}).value().is_null());
    CHECK(call(r, 1, *a, "wamp.subscription.match", List{7}).error == uris::invalid_argument);

    CHECK(call(r, 1, *a, "wamp.subscription.get", List{prefix}).value() ==
          Value(Dict{{"id", prefix}, {"created", "2024-05-01T12:00:01.500Z"}, {"uri", "com.example"}, {"match", "prefix"}}));
    CHECK(call(r, 1, *a, "wamp.subscription.get", List{exact}).value().find("match")->as_string()->compare("exact") == 0);
    CHECK(call(r, 1, *a, "wamp.subscription.get", List{12345}).error == uris::no_such_subscription);
    CHECK(call(r, 1, *a, "wamp.subscription.get", List{"x"}).error == uris::invalid_argument);

    CHECK(call(r, 1, *a, "wamp.subscription.list_subscribers", List{exact}).value() == Value(ids({1, 2})));
    CHECK(call(r, 1, *a, "wamp.subscription.count_subscribers", List{exact}).value() == Value(2));
    CHECK(call(r, 1, *a, "wamp.subscription.count_subscribers", {}, Dict{{"subscription_id", wild}}).value() == Value(1));
    CHECK(call(r, 1, *a, "wamp.subscription.list_subscribers", List{12345}).error == uris::no_such_subscription);
    CHECK(call(r, 1, *a, "wamp.subscription.count_subscribers", List{12345}).error == uris::no_such_subscription);

    r.leave(2);
    CHECK(call(r, 1, *a, "wamp.subscription.list_subscribers", List{exact}).value() == Value(ids({1})));
    CHECK(call(r, 1, *a, "wamp.subscription.get", List{prefix}).error == uris::no_such_subscription);
}

TEST_CASE("registration meta events: on_create with details, on_register, on_unregister, on_delete",
          "[realm][meta]") {
    test::FixedClock clock;
    realm::Realm r(options_with(clock));
    Watcher w(r, 1);
    auto a = test::join(r, 2);
    auto b = test::join(r, 3);
    w.clear();

    Id reg = test::register_procedure(r, 2, *a, "com.example.add", Dict{{"invoke", "roundrobin"}});
    CHECK(w.topics() == std::vector<std::string>{"wamp.registration.on_create", "wamp.registration.on_register"});
    CHECK(w.events()[0].payload.args == List{2, Dict{{"id", reg},
                                                     {"created", "2024-05-01T12:00:00.000Z"},
                                                     {"uri", "com.example.add"},
                                                     {"match", "exact"},
                                                     {"invoke", "roundrobin"}}});
    CHECK(w.events()[1].payload.args == List{2, reg});
    w.clear();

    REQUIRE(test::register_procedure(r, 3, *b, "com.example.add", Dict{{"invoke", "roundrobin"}}) == reg);
    CHECK(w.topics() == std::vector<std::string>{"wamp.registration.on_register"});
    REQUIRE(test::register_procedure(r, 3, *b, "com.example.add", Dict{{"invoke", "roundrobin"}}) == reg);
    CHECK(w.events().size() == 1);  // already a callee: no event
    // A refused REGISTER is no event either.
    CHECK(test::register_procedure(r, 3, *b, "com.example.add", Dict{{"invoke", "random"}}) == 0);
    CHECK(w.events().size() == 1);
    w.clear();

    r.handle(2, Unregister{800, reg});
    CHECK(w.topics() == std::vector<std::string>{"wamp.registration.on_unregister"});
    r.handle(3, Unregister{801, reg});
    CHECK(w.topics() == std::vector<std::string>{"wamp.registration.on_unregister", "wamp.registration.on_unregister",
                                                 "wamp.registration.on_delete"});
    CHECK(w.events().back().payload.args == List{3, reg});
}

TEST_CASE("force_reregister: the old callees' on_unregister and on_delete, then the new registration",
          "[realm][meta]") {
    realm::Realm r({"realm1"});
    Watcher w(r, 1);
    auto a = test::join(r, 2);
    auto b = test::join(r, 3);
    Id old_reg = test::register_procedure(r, 2, *a, "com.example.svc");
    w.clear();
    Id new_reg = test::register_procedure(r, 3, *b, "com.example.svc", Dict{{"force_reregister", true}});
    REQUIRE(new_reg != old_reg);
    CHECK(w.topics() == std::vector<std::string>{"wamp.registration.on_unregister", "wamp.registration.on_delete",
                                                 "wamp.registration.on_create", "wamp.registration.on_register"});
    CHECK(w.events()[0].payload.args == List{2, old_reg});
    CHECK(w.events()[3].payload.args == List{3, new_reg});
}

TEST_CASE("wamp.registration.list, lookup, match, get, list_callees, count_callees", "[realm][meta]") {
    test::FixedClock clock;
    realm::Realm r(options_with(clock));
    auto a = test::join(r, 1);
    auto b = test::join(r, 2);
    Id exact = test::register_procedure(r, 1, *a, "com.example.f", Dict{{"invoke", "first"}});
    REQUIRE(test::register_procedure(r, 2, *b, "com.example.f", Dict{{"invoke", "first"}}) == exact);
    Id prefix = test::register_procedure(r, 2, *b, "com.example", Dict{{"match", "prefix"}});
    Id wild = test::register_procedure(r, 1, *a, "com..f", Dict{{"match", "wildcard"}});

    CHECK(call(r, 1, *a, "wamp.registration.list").value() ==
          Value(Dict{{"exact", ids({exact})}, {"prefix", ids({prefix})}, {"wildcard", ids({wild})}}));
    CHECK(call(r, 1, *a, "wamp.registration.lookup", List{"com.example.f"}).value() == Value(exact));
    CHECK(call(r, 1, *a, "wamp.registration.lookup", List{"com.example", Dict{{"match", "prefix"}}}).value() ==
          Value(prefix));
    CHECK(call(r, 1, *a, "wamp.registration.lookup", List{"com.example.g"}).value().is_null());
    CHECK(call(r, 1, *a, "wamp.registration.lookup", List{"com.x", Dict{{"match", 3}}}).error == uris::invalid_argument);
    // The best match, as a call is routed: exact, then the longest prefix, then wildcards.
    CHECK(call(r, 1, *a, "wamp.registration.match", List{"com.example.f"}).value() == Value(exact));
    CHECK(call(r, 1, *a, "wamp.registration.match", List{"com.example.g"}).value() == Value(prefix));
    CHECK(call(r, 1, *a, "wamp.registration.match", List{"com.other.f"}).value() == Value(wild));
    CHECK(call(r, 1, *a, "wamp.registration.match", List{"org.none"}).value().is_null());
    CHECK(call(r, 1, *a, "wamp.registration.match").error == uris::invalid_argument);

    CHECK(call(r, 1, *a, "wamp.registration.get", List{exact}).value() == Value(Dict{{"id", exact},
                                                                                      {"created", "2024-05-01T12:00:00.000Z"},
                                                                                      {"uri", "com.example.f"},
                                                                                      {"match", "exact"},
                                                                                      {"invoke", "first"}}));
    CHECK(call(r, 1, *a, "wamp.registration.get", List{999}).error == uris::no_such_registration);
    CHECK(call(r, 1, *a, "wamp.registration.get", List{-1}).error == uris::invalid_argument);
    CHECK(call(r, 1, *a, "wamp.registration.list_callees", List{exact}).value() == Value(ids({1, 2})));
    CHECK(call(r, 1, *a, "wamp.registration.count_callees", List{exact}).value() == Value(2));
    CHECK(call(r, 1, *a, "wamp.registration.count_callees", {}, Dict{{"registration_id", wild}}).value() == Value(1));
    CHECK(call(r, 1, *a, "wamp.registration.list_callees", List{999}).error == uris::no_such_registration);
    CHECK(call(r, 1, *a, "wamp.registration.count_callees", List{999}).error == uris::no_such_registration);
}

TEST_CASE("meta procedures go through the authorizer; meta events too, at delivery", "[realm][meta]") {
    realm::RealmOptions o{"realm1"};
    o.authorize = [](const realm::SessionInfo& s, realm::Action action, std::string_view uri) {
        if (s.authrole == "admin") return true;
        if (action == realm::Action::call && uri == "wamp.session.kill") return false;
        if (action == realm::Action::subscribe && uri == "wamp.session.on_join") return false;
        return true;
    };
    realm::Realm r(std::move(o));
    auto user = test::join(r, 1, "u", "user");
    auto admin = test::join(r, 2, "a", "admin");
    // Both may subscribe to the "wamp." prefix, but the user may not hear on_join events through it.
    Id user_sub = test::subscribe(r, 1, *user, "wamp.", Dict{{"match", "prefix"}});
    Id admin_sub = test::subscribe(r, 2, *admin, "wamp.", Dict{{"match", "prefix"}});
    REQUIRE(user_sub == admin_sub);
    CHECK(test::subscribe(r, 1, *user, "wamp.session.on_join") == 0);  // refused at subscribe time
    auto c = test::join(r, 3);
    CHECK(test::events_for(*admin, admin_sub).size() == 1);
    CHECK(test::events_for(*user, user_sub).empty());
    r.leave(3);
    CHECK(test::event_topics(*user, user_sub) == std::vector<std::string>{"wamp.session.on_leave"});

    CHECK(call(r, 1, *user, "wamp.session.kill", List{2}).error == uris::not_authorized);
    CHECK(admin->closes.empty());
    CHECK(call(r, 1, *user, "wamp.session.count").ok());
}

TEST_CASE("meta procedures are the router's: unknown wamp. procedures, REGISTER and passthru", "[realm][meta]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1, "a", "user", Dict{{"caller", Dict{{"features", Dict{{"payload_passthru_mode", true}}}}}});
    CHECK(realm::MetaApi::is_meta_procedure("wamp.session.count"));
    CHECK_FALSE(realm::MetaApi::is_meta_procedure("wamp.session.nonexistent"));
    CHECK_FALSE(realm::MetaApi::is_meta_procedure("com.example.count"));
    CHECK(call(r, 1, *a, "wamp.session.nonexistent").error == uris::no_such_procedure);
    CHECK(test::register_procedure(r, 1, *a, "wamp.session.count") == 0);
    CHECK(a->last<ErrorMessage>()->error == uris::invalid_uri);

    Call passthru;
    passthru.request = 5;
    passthru.options.emplace("ppt_scheme", "x");
    passthru.procedure = "wamp.session.count";
    passthru.payload.transparent = Value(Bytes{"raw"});
    r.handle(1, std::move(passthru));
    REQUIRE(a->last<ErrorMessage>());
    CHECK(a->last<ErrorMessage>()->request == 5);
    CHECK(a->last<ErrorMessage>()->error == uris::invalid_argument);
}
