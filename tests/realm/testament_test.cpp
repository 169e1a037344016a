#include <catch2/catch.hpp>

#include "fake_peer.hpp"
#include "meta_client.hpp"
#include "serializers/error_uris.hpp"

using namespace flyover;
using test::call;
using test::FakePeer;

namespace {

using Scope = realm::Testaments::Scope;

/// The first argument of every EVENT `peer` got on `subscription`.
List first_args(const FakePeer& peer, Id subscription) {
    List out;
    for (auto& e : test::events_for(peer, subscription)) out.push_back(e.payload.args.empty() ? Value() : e.payload.args[0]);
    return out;
}

}  // namespace

TEST_CASE("Testaments keeps two buckets per session, bounded, taken detached first", "[realm][testament]") {
    realm::Testaments t;
    CHECK(realm::Testaments::parse_scope("detached") == Scope::detached);
    CHECK(realm::Testaments::parse_scope("destroyed") == Scope::destroyed);
    CHECK_FALSE(realm::Testaments::parse_scope("detatched"));
    auto make = [](std::string topic) { return realm::Testaments::Testament{std::move(topic), {}, {}}; };
    CHECK(t.add(1, Scope::destroyed, make("d1")));
    CHECK(t.add(1, Scope::detached, make("x1")));
    CHECK(t.add(1, Scope::destroyed, make("d2")));
    CHECK(t.add(2, Scope::detached, make("other")));
    CHECK(t.count(1, Scope::destroyed) == 2);
    auto taken = t.take(1);
    REQUIRE(taken.size() == 3);
    CHECK(taken[0].topic == "x1");
    CHECK(taken[1].topic == "d1");
    CHECK(taken[2].topic == "d2");
    CHECK(t.take(1).empty());
    CHECK(t.flush(2, Scope::destroyed) == 0);
    CHECK(t.flush(2, Scope::detached) == 1);
    CHECK(t.flush(99, Scope::detached) == 0);

    for (std::size_t i = 0; i < realm::Testaments::max_per_session; ++i)
        REQUIRE(t.add(3, i % 2 ? Scope::detached : Scope::destroyed, make("t")));
    CHECK_FALSE(t.add(3, Scope::detached, make("one too many")));
    t.flush(3, Scope::detached);
    CHECK(t.add(3, Scope::detached, make("room again")));
}

TEST_CASE("a destroyed-scope testament is published when its session leaves", "[realm][testament]") {
    realm::Realm r({"realm1"});
    auto dying = test::join(r, 1);
    auto observer = test::join(r, 2);
    Id sub = test::subscribe(r, 2, *observer, "com.test.destroyed");

    auto answer = call(r, 1, *dying, "wamp.session.add_testament",
                       List{"com.test.destroyed", List{"hello"}, Dict{{"who", "app1"}}});
    REQUIRE(answer.ok());
    CHECK(answer.args.empty());  // spec: no return value
    CHECK(test::events_for(*observer, sub).empty());

    dying->clear();
    r.leave(1);
    auto events = test::events_for(*observer, sub);
    REQUIRE(events.size() == 1);
    CHECK(events[0].payload.args == List{"hello"});
    CHECK(events[0].payload.kwargs == Dict{{"who", "app1"}});
    CHECK(events[0].details.empty());  // the publisher is not disclosed unless asked
    CHECK(dying->delivered.empty());   // no PUBLISHED, nothing at all to the leaving session
    CHECK(r.testaments().count(1, Scope::destroyed) == 0);
}

TEST_CASE("detached testaments go first, each scope in the order added; flush clears one scope", "[realm][testament]") {
    realm::Realm r({"realm1"});
    auto dying = test::join(r, 1);
    auto observer = test::join(r, 2);
    Id sub = test::subscribe(r, 2, *observer, "com.test.", Dict{{"match", "prefix"}});

    auto add = [&](std::string topic, std::string word, Dict kwargs = {}) {
        return call(r, 1, *dying, "wamp.session.add_testament", List{std::move(topic), List{std::move(word)}, Dict{}},
                    std::move(kwargs));
    };
    REQUIRE(add("com.test.a", "destroyed-1").ok());
    REQUIRE(add("com.test.b", "detached-1", Dict{{"scope", "detached"}}).ok());
    REQUIRE(add("com.test.a", "destroyed-2", Dict{{"scope", "destroyed"}}).ok());
    REQUIRE(add("com.test.b", "detached-2", Dict{{"scope", "detached"}}).ok());
    r.leave(1);
    CHECK(first_args(*observer, sub) == List{"detached-1", "detached-2", "destroyed-1", "destroyed-2"});

    // flush_testaments: the default scope is destroyed; the other scope stays.
    auto again = test::join(r, 3);
    observer->clear();
    REQUIRE(call(r, 3, *again, "wamp.session.add_testament", List{"com.test.a", List{"destroyed"}, Dict{}}).ok());
    REQUIRE(call(r, 3, *again, "wamp.session.add_testament", List{"com.test.a", List{"detached"}, Dict{}},
                 Dict{{"scope", "detached"}})
                .ok());
    auto flushed = call(r, 3, *again, "wamp.session.flush_testaments");
    REQUIRE(flushed.ok());
    CHECK(flushed.args.empty());
    r.leave(3);
    CHECK(first_args(*observer, sub) == List{"detached"});

    auto third = test::join(r, 4);
    observer->clear();
    REQUIRE(call(r, 4, *third, "wamp.session.add_testament", List{"com.test.a", List{"kept"}, Dict{}}).ok());
    REQUIRE(call(r, 4, *third, "wamp.session.add_testament", List{"com.test.a", List{"flushed"}, Dict{}},
                 Dict{{"scope", "detached"}})
                .ok());
    REQUIRE(call(r, 4, *third, "wamp.session.flush_testaments", List{"detached"}).ok());
    r.leave(4);
    CHECK(first_args(*observer, sub) == List{"kept"});
}

TEST_CASE("testaments come before the leaving session's meta events", "[realm][testament]") {
    realm::Realm r({"realm1"});
    auto dying = test::join(r, 1);
    auto watcher = test::join(r, 2);
    Id meta = test::subscribe(r, 2, *watcher, "wamp.", Dict{{"match", "prefix"}});
    Id will = test::subscribe(r, 2, *watcher, "com.test.will");
    test::subscribe(r, 1, *dying, "com.test.something");
    REQUIRE(call(r, 1, *dying, "wamp.session.add_testament", List{"com.test.will", List{"gone"}, Dict{}}).ok());
    watcher->clear();
    r.leave(1);
    std::vector<Id> order;
    for (auto& e : watcher->received<Event>()) order.push_back(e.subscription);
    CHECK(order == std::vector<Id>{will, meta, meta, meta});  // testament, on_unsubscribe, on_delete, on_leave
}

TEST_CASE("testament publish options are honoured, except acknowledge and exclude_me", "[realm][testament]") {
    realm::Realm r({"realm1"});
    auto dying = test::join(r, 1, "dying", "user");
    auto admin = test::join(r, 2, "root", "admin");
    auto user = test::join(r, 3, "joe", "user");
    Id sub = test::subscribe(r, 2, *admin, "com.test.status");
    REQUIRE(test::subscribe(r, 3, *user, "com.test.status") == sub);
    test::subscribe(r, 1, *dying, "com.test.status");

    REQUIRE(call(r, 1, *dying, "wamp.session.add_testament", List{"com.test.status", List{"for admins"}, Dict{}},
                 Dict{{"publish_options", Dict{{"eligible_authrole", List{"admin"}},
                                               {"disclose_me", true},
                                               {"acknowledge", true},
                                               {"exclude_me", false},
                                               {"retain", true}}}})
                .ok());
    dying->clear();
    r.leave(1);
    auto got = test::events_for(*admin, sub);
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload.args == List{"for admins"});
    CHECK(*find(got[0].details, "publisher") == Value(1));  // disclosed: the session that left
    CHECK(*find(got[0].details, "publisher_authid") == Value("dying"));
    CHECK(test::events_for(*user, sub).empty());
    CHECK(dying->delivered.empty());  // exclude_me and acknowledge were dropped
    CHECK(r.broker().retained_topic_count() == 1);
}

TEST_CASE("wamp.session.add_testament refuses what it could not publish", "[realm][testament]") {
    realm::RealmOptions o{"realm1"};
    o.authorize = [](const realm::SessionInfo&, realm::Action action, std::string_view uri) {
        return !(action == realm::Action::publish && uri == "com.test.forbidden");
    };
    realm::Realm r(std::move(o));
    auto s = test::join(r, 1);
    auto add = [&](List args, Dict kwargs = {}) {
        return call(r, 1, *s, "wamp.session.add_testament", std::move(args), std::move(kwargs)).error;
    };
    CHECK(add({}) == uris::invalid_argument);
    CHECK(add(List{5}) == uris::invalid_argument);
    CHECK(add(List{"not a uri"}) == uris::invalid_uri);
    CHECK(add(List{"wamp.session.on_leave"}) == uris::invalid_uri);
    CHECK(add(List{"com.test.forbidden"}) == uris::not_authorized);
    CHECK(add(List{"com.test.ok", "args"}) == uris::invalid_argument);
    CHECK(add(List{"com.test.ok", List{}, List{}}) == uris::invalid_argument);
    CHECK(add(List{"com.test.ok"}, Dict{{"scope", "detatched"}}) == uris::invalid_argument);
    CHECK(add(List{"com.test.ok"}, Dict{{"scope", 1}}) == uris::invalid_argument);
    CHECK(add(List{"com.test.ok"}, Dict{{"publish_options", List{}}}) == uris::invalid_argument);
    CHECK(add(List{"com.test.ok"}, Dict{{"publish_options", Dict{{"forward_for", List{}}}}}) == uris::invalid_argument);
    CHECK(add(List{"com.test.ok"}, Dict{{"publish_options", Dict{{"ppt_scheme", "x"}}}}) == uris::invalid_argument);
    CHECK(call(r, 1, *s, "wamp.session.flush_testaments", {}, Dict{{"scope", "both"}}).error == uris::invalid_argument);
    CHECK(r.testaments().count(1, Scope::destroyed) == 0);
    // args and kwargs may be left out; null counts as absent.
    CHECK(add(List{"com.test.ok"}).empty());
    CHECK(add(List{"com.test.ok", Value(), Value()}).empty());
    CHECK(r.testaments().count(1, Scope::destroyed) == 2);
}

TEST_CASE("a session holds at most max_per_session testaments", "[realm][testament]") {
    realm::Realm r({"realm1"});
    auto s = test::join(r, 1);
    for (std::size_t i = 0; i < realm::Testaments::max_per_session; ++i)
        REQUIRE(call(r, 1, *s, "wamp.session.add_testament", List{"com.test.t", List{i}, Dict{}}).ok());
    CHECK(call(r, 1, *s, "wamp.session.add_testament", List{"com.test.t"}).error == uris::too_many_testaments);
    REQUIRE(call(r, 1, *s, "wamp.session.flush_testaments").ok());
    CHECK(call(r, 1, *s, "wamp.session.add_testament", List{"com.test.t"}).ok());
}

TEST_CASE("a killed session's testaments are published; kill_all's are not", "[realm][testament]") {
    realm::Realm r({"realm1"});
    auto admin = test::join(r, 1);
    auto victim = test::join(r, 2);
    auto observer = test::join(r, 3);
    Id sub = test::subscribe(r, 3, *observer, "com.test.will");
    REQUIRE(call(r, 2, *victim, "wamp.session.add_testament", List{"com.test.will", List{"killed"}, Dict{}}).ok());
    REQUIRE(call(r, 1, *admin, "wamp.session.kill", List{2}).ok());
    CHECK(first_args(*observer, sub) == List{"killed"});
    // The victim's testament reached the observer before the admin's RESULT went out.
    CHECK(admin->last<ResultMessage>());
}
