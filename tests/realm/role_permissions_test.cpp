#include <catch2/catch.hpp>

#include "fake_peer.hpp"
#include "realm/role_permissions.hpp"
#include "serializers/error_uris.hpp"

using namespace flyover;
using namespace flyover::realm;

namespace {
SessionInfo as(std::string role) {
    SessionInfo s;
    s.id = 1;
    s.authrole = std::move(role);
    return s;
}

Permission perm(std::string uri, MatchPolicy match, bool call, bool reg, bool publish, bool subscribe) {
    return Permission{std::move(uri), match, call, reg, publish, subscribe};
}
}  // namespace

TEST_CASE("role permissions deny by default and pick the most specific permission", "[realm][permissions]") {
    auto authorize = make_role_authorizer({
        {"chatter",
         {perm("chat.", MatchPolicy::prefix, false, false, true, true),
          perm("chat.admin.", MatchPolicy::prefix, false, false, false, false),
          perm("wamp.session.list", MatchPolicy::exact, true, false, false, false),
          perm("chat..status", MatchPolicy::wildcard, true, false, false, false),
          perm("wamp.session.on_", MatchPolicy::prefix, false, false, false, true)}},
        {"backend", {perm("", MatchPolicy::prefix, true, true, true, true)}},
    });
    auto chatter = as("chatter");
    CHECK(authorize(chatter, Action::publish, "chat.room.lobby"));
    CHECK(authorize(chatter, Action::subscribe, "chat.room.lobby"));
    CHECK_FALSE(authorize(chatter, Action::call, "chat.room.lobby"));
    CHECK_FALSE(authorize(chatter, Action::reg, "chat.room.lobby"));
    // The longer prefix wins over the shorter one.
    CHECK_FALSE(authorize(chatter, Action::publish, "chat.admin.ban"));
    // Exact wins; anything not listed is denied.
    CHECK(authorize(chatter, Action::call, "wamp.session.list"));
    CHECK_FALSE(authorize(chatter, Action::call, "wamp.session.kill"));
    CHECK_FALSE(authorize(chatter, Action::call, "wamp.session.kill_by_authid"));
    CHECK(authorize(chatter, Action::subscribe, "wamp.session.on_join"));
    // A prefix permission is consulted before a wildcard one: "chat.x.status" falls under "chat." (no call).
    CHECK_FALSE(authorize(chatter, Action::call, "chat.x.status"));
    CHECK_FALSE(authorize(chatter, Action::publish, "other.topic"));
    // An empty prefix covers everything.
    CHECK(authorize(as("backend"), Action::reg, "com.example.anything"));
    // A role that is not listed may do nothing.
    CHECK_FALSE(authorize(as("guest"), Action::subscribe, "chat.room.lobby"));
}

TEST_CASE("a wildcard permission applies when nothing more specific matches", "[realm][permissions]") {
    auto authorize = make_role_authorizer({{"device", {perm("sensor..reading", MatchPolicy::wildcard, false, false, true, false)}}});
    CHECK(authorize(as("device"), Action::publish, "sensor.kitchen.reading"));
    CHECK_FALSE(authorize(as("device"), Action::publish, "sensor.kitchen.command"));
    CHECK_FALSE(authorize(as("device"), Action::publish, "sensor.a.b.reading"));
}

TEST_CASE("a realm with role permissions refuses what they do not allow", "[realm][permissions]") {
    Realm r({"chat", UriRule::loose,
             make_role_authorizer({{"chatter", {perm("chat.", MatchPolicy::prefix, false, false, true, true)}}})});
    auto mallory = test::join(r, 1, "mallory", "chatter");
    r.handle(1, Subscribe{1, {}, "chat.room.lobby"});
    CHECK(mallory->last<Subscribed>());
    r.handle(1, Subscribe{2, {}, "secret.topic"});
    auto refused = mallory->last<ErrorMessage>();
    REQUIRE(refused);
    CHECK(refused->error == uris::not_authorized);
    r.handle(1, Call{3, {}, "wamp.session.kill_by_authid", Payload{List{Value("alice")}, {}, {}}});
    auto kill = mallory->last<ErrorMessage>();
    REQUIRE(kill);
    CHECK(kill->request == 3);
    CHECK(kill->error == uris::not_authorized);
}
