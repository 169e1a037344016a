// ClientSession: joining (HELLO, CHALLENGE, WELCOME, ABORT), leaving (GOODBYE both ways), lost transports,
// protocol violations by the router, and what happens to pending requests when a session ends.

#include <catch2/catch.hpp>

#include "client/client_uris.hpp"
#include "serializers/error_uris.hpp"
#include "session_fixture.hpp"

using namespace flyover;
using namespace flyover::client;
using namespace flyover::test;

TEST_CASE("join sends HELLO with the client's roles and features, WELCOME completes it", "[client][session]") {
    SessionFixture f;
    Capture<Outcome<SessionInfo>> joined;
    f.session.join("realm1", {}, joined.handler());
    CHECK(f.session.state() == ClientSession::State::joining);
    auto* hello = f.transport.last<Hello>();
    REQUIRE(hello);
    CHECK(hello->realm == "realm1");
    const Value* roles = find(hello->details, "roles");
    REQUIRE(roles);
    for (auto role : {"caller", "callee", "publisher", "subscriber"}) CHECK(roles->find(role));
    auto* caller_features = roles->find("caller")->find("features");
    CHECK(caller_features->find("progressive_call_results"));
    CHECK(caller_features->find("call_canceling"));
    CHECK(caller_features->find("call_timeout"));
    auto* callee_features = roles->find("callee")->find("features");
    CHECK(callee_features->find("progressive_call_results"));
    CHECK(callee_features->find("call_canceling"));
    CHECK(get_string(hello->details, "agent"));
    CHECK_FALSE(find(hello->details, "authmethods"));  // anonymous

    f.session.handle(Welcome{7, Dict{{"authid", "A-1"}, {"authrole", "anonymous"}, {"authmethod", "anonymous"}}});
    REQUIRE(joined.calls == 1);
    REQUIRE(joined.value->ok());
    CHECK(joined.value->value().session == 7);
    CHECK(joined.value->value().realm == "realm1");
    CHECK(joined.value->value().authid == "A-1");
    CHECK(joined.value->value().authrole == "anonymous");
    CHECK(f.session.is_joined());
    CHECK(f.session.info().session == 7);
}

TEST_CASE("ABORT on join fails the join with the router's reason and closes the transport", "[client][session]") {
    SessionFixture f;
    Capture<Outcome<SessionInfo>> joined;
    f.session.join("nope", {}, joined.handler());
    f.session.handle(Abort{Dict{{"message", "no realm \"nope\""}}, "wamp.error.no_such_realm", {}});
    REQUIRE(joined.calls == 1);
    REQUIRE_FALSE(joined.value->ok());
    CHECK(joined.value->error().uri == "wamp.error.no_such_realm");
    CHECK(joined.value->error().message() == "no realm \"nope\"");
    CHECK(f.session.state() == ClientSession::State::closed);
    CHECK(f.transport.closes == 1);
    CHECK(f.closes.empty());  // no session was established, so no close to report
}

TEST_CASE("authentication hook: CHALLENGE is answered with AUTHENTICATE", "[client][session]") {
    SessionFixture f;
    JoinOptions options;
    options.authmethods = {"ticket"};
    options.authid = "joe";
    options.authextra = Dict{{"k", "v"}};
    std::string seen_method;
    options.on_challenge = [&](const Challenge& c) -> Outcome<AuthResponse> {
        seen_method = c.authmethod;
        return AuthResponse{"secret-ticket", {}};
    };
    Capture<Outcome<SessionInfo>> joined;
    f.session.join("realm1", options, joined.handler());
    auto* hello = f.transport.last<Hello>();
    REQUIRE(hello);
    CHECK(*find(hello->details, "authmethods") == Value(List{"ticket"}));
    CHECK(*get_string(hello->details, "authid") == "joe");
    CHECK(*find(hello->details, "authextra") == Value(Dict{{"k", "v"}}));

    f.session.handle(Challenge{"ticket", {}});
    CHECK(seen_method == "ticket");
    auto* auth = f.transport.last<Authenticate>();
    REQUIRE(auth);
    CHECK(auth->signature == "secret-ticket");
    CHECK(f.session.state() == ClientSession::State::authenticating);
    f.session.handle(Welcome{9, Dict{{"authid", "joe"}, {"authrole", "user"}, {"authmethod", "ticket"}}});
    REQUIRE(joined.value->ok());
    CHECK(joined.value->value().authmethod == "ticket");
}

TEST_CASE("CHALLENGE without a hook, or with a hook that refuses, aborts the join", "[client][session]") {
    SECTION("no hook") {
        SessionFixture f;
        Capture<Outcome<SessionInfo>> joined;
        f.session.join("realm1", {}, joined.handler());
        f.session.handle(Challenge{"wampcra", {}});
        REQUIRE(f.transport.last<Abort>());
        CHECK(f.transport.last<Abort>()->reason == client::uris::no_challenge_handler);
        REQUIRE_FALSE(joined.value->ok());
        CHECK(joined.value->error().uri == client::uris::no_challenge_handler);
        CHECK(f.transport.closes == 1);
    }
    SECTION("the hook returns an error") {
        SessionFixture f;
        JoinOptions options;
        options.on_challenge = [](const Challenge&) -> Outcome<AuthResponse> {
            return make_wamp_error("wamp.error.authentication_failed", "no key");
        };
        Capture<Outcome<SessionInfo>> joined;
        f.session.join("realm1", options, joined.handler());
        f.session.handle(Challenge{"cryptosign", {}});
        REQUIRE(f.transport.last<Abort>());
        CHECK(f.transport.last<Abort>()->reason == "wamp.error.authentication_failed");
        CHECK(joined.value->error().uri == "wamp.error.authentication_failed");
    }
    SECTION("the hook throws") {
        SessionFixture f;
        JoinOptions options;
        options.on_challenge = [](const Challenge&) -> Outcome<AuthResponse> { throw std::runtime_error("boom"); };
        Capture<Outcome<SessionInfo>> joined;
        f.session.join("realm1", options, joined.handler());
        f.session.handle(Challenge{"cryptosign", {}});
        CHECK(joined.value->error().uri == client::uris::runtime_error);
        CHECK(f.session.state() == ClientSession::State::closed);
    }
}

TEST_CASE("an unexpected message before WELCOME is a protocol violation", "[client][session]") {
    SessionFixture f;
    Capture<Outcome<SessionInfo>> joined;
    f.session.join("realm1", {}, joined.handler());
    f.session.handle(Event{1, 2, {}, {}});
    auto* abort = f.transport.last<Abort>();
    REQUIRE(abort);
    CHECK(abort->reason == flyover::uris::protocol_violation);
    REQUIRE(joined.calls == 1);
    CHECK(joined.value->error().uri == flyover::uris::protocol_violation);
    CHECK(f.transport.closes == 1);
}

TEST_CASE("join fails at once when already joined or when there is no connection", "[client][session]") {
    SECTION("already joined") {
        SessionFixture f;
        f.join();
        Capture<Outcome<SessionInfo>> again;
        f.session.join("realm1", {}, again.handler());
        REQUIRE(again.calls == 1);
        CHECK(again.value->error().uri == client::uris::already_joined);
        CHECK(f.session.is_joined());
        CHECK(f.transport.sent.empty());
    }
    SECTION("no connection") {
        SessionFixture f;
        f.transport.connected = false;
        Capture<Outcome<SessionInfo>> joined;
        f.session.join("realm1", {}, joined.handler());
        REQUIRE(joined.calls == 1);
        CHECK(joined.value->error().uri == client::uris::transport_lost);
        CHECK(f.session.state() == ClientSession::State::closed);
    }
    SECTION("the connection drops during the handshake") {
        SessionFixture f;
        Capture<Outcome<SessionInfo>> joined;
        f.session.join("realm1", {}, joined.handler());
        f.session.transport_closed("reset by peer");
        REQUIRE(joined.calls == 1);
        CHECK(joined.value->error().uri == client::uris::transport_lost);
        CHECK(joined.value->error().message() == "reset by peer");
    }
}

TEST_CASE("leave sends GOODBYE, ignores everything but GOODBYE/ABORT, and completes on the router's GOODBYE",
          "[client][session]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> call;
    Id request = f.session.call("com.x", {}, {}, {}, call.handler());
    Capture<Status> left;
    f.session.leave("wamp.close.close_realm", left.handler());
    auto* bye = f.transport.last<Goodbye>();
    REQUIRE(bye);
    CHECK(bye->reason == "wamp.close.close_realm");
    CHECK(f.session.state() == ClientSession::State::leaving);

    // Spec: after GOODBYE only GOODBYE matters; a RESULT that crossed it is dropped.
    f.session.handle(ResultMessage{request, {}, payload({1})});
    CHECK(call.calls == 0);
    Capture<Outcome<CallResult>> late;
    CHECK(f.session.call("com.y", {}, {}, {}, late.handler()) == 0);
    CHECK(late.value->error().uri == client::uris::not_joined);

    f.session.handle(Goodbye{{}, "wamp.close.goodbye_and_out"});
    REQUIRE(left.calls == 1);
    CHECK(left.value->ok());
    REQUIRE(call.calls == 1);
    CHECK(call.value->error().uri == "wamp.close.goodbye_and_out");
    REQUIRE(f.closes.size() == 1);
    CHECK(f.closes[0].requested);
    CHECK(f.closes[0].reason == "wamp.close.goodbye_and_out");
    CHECK(f.transport.closes == 1);
    CHECK(f.session.state() == ClientSession::State::closed);
}

TEST_CASE("leave before WELCOME aborts the handshake; leave without a session is an error", "[client][session]") {
    SECTION("joining") {
        SessionFixture f;
        Capture<Outcome<SessionInfo>> joined;
        f.session.join("realm1", {}, joined.handler());
        Capture<Status> left;
        f.session.leave(left.handler());
        CHECK(f.transport.last<Abort>());
        CHECK(left.value->ok());
        CHECK_FALSE(joined.value->ok());
        CHECK(f.session.state() == ClientSession::State::closed);
    }
    SECTION("closed") {
        SessionFixture f;
        Capture<Status> left;
        f.session.leave(left.handler());
        CHECK(left.value->error().uri == client::uris::not_joined);
        CHECK(f.transport.sent.empty());
    }
}

TEST_CASE("GOODBYE from the router is answered, ends the session and fails pending requests", "[client][session]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> call;
    f.session.call("com.slow", {}, {}, {}, call.handler());
    Capture<Outcome<Subscription>> sub;
    f.session.subscribe("com.topic", [](const EventData&) {}, sub.handler());
    f.transport.sent.clear();

    f.session.handle(Goodbye{Dict{{"message", "bye"}}, "wamp.close.system_shutdown"});
    auto* reply = f.transport.last<Goodbye>();
    REQUIRE(reply);
    CHECK(reply->reason == flyover::uris::goodbye_and_out);
    CHECK(f.transport.closes == 1);
    CHECK(call.value->error().uri == "wamp.close.system_shutdown");
    CHECK(sub.value->error().uri == "wamp.close.system_shutdown");
    REQUIRE(f.closes.size() == 1);
    CHECK(f.closes[0].reason == "wamp.close.system_shutdown");
    CHECK(f.closes[0].message == "bye");
    CHECK_FALSE(f.closes[0].requested);
    CHECK(f.session.info().session == 0);

    Capture<Outcome<Id>> pub;
    f.session.publish("t", {}, {}, {}, pub.handler());
    CHECK(pub.value->error().uri == client::uris::not_joined);
}

TEST_CASE("a lost transport fails every pending request with an error value, in request order", "[client][session]") {
    SessionFixture f;
    f.join();
    std::vector<std::pair<std::string, std::string>> failures;  // (what, uri)
    auto record = [&](std::string what) {
        return [&failures, what](auto outcome) {
            REQUIRE_FALSE(outcome.ok());
            failures.emplace_back(what, outcome.error().uri);
        };
    };
    f.session.call("com.a", {}, {}, {}, record("call a"));
    f.session.subscribe("t", [](const EventData&) {}, {}, record("subscribe"));
    f.session.register_procedure("com.p", [](IncomingCall) {}, {}, record("register"));
    PublishOptions ack;
    ack.acknowledge = true;
    f.session.publish("t", {}, {}, ack, record("publish"));
    f.session.call("com.b", {}, {}, {}, record("call b"));
    CHECK(f.session.pending_requests() == 5);

    f.session.transport_closed("connection reset");
    REQUIRE(failures.size() == 5);
    CHECK(failures[0] == std::pair<std::string, std::string>{"call a", std::string(client::uris::transport_lost)});
    CHECK(failures[1].first == "subscribe");
    CHECK(failures[2].first == "register");
    CHECK(failures[3].first == "publish");
    CHECK(failures[4].first == "call b");
    for (auto& f2 : failures) CHECK(f2.second == client::uris::transport_lost);
    CHECK(f.session.pending_requests() == 0);
    REQUIRE(f.closes.size() == 1);
    CHECK(f.closes[0].reason == client::uris::transport_lost);
    CHECK(f.closes[0].message == "connection reset");
    CHECK(f.transport.closes == 0);  // it is already gone

    f.session.transport_closed("again");  // harmless
    CHECK(f.closes.size() == 1);
}

TEST_CASE("ABORT in an established session ends it with the router's reason", "[client][session]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> call;
    f.session.call("com.a", {}, {}, {}, call.handler());
    f.session.handle(Abort{Dict{{"message", "too slow"}}, "flyover.close.slow_consumer", {}});
    CHECK(call.value->error().uri == "flyover.close.slow_consumer");
    REQUIRE(f.closes.size() == 1);
    CHECK(f.closes[0].reason == "flyover.close.slow_consumer");
    CHECK(f.closes[0].message == "too slow");
    CHECK(f.transport.closes == 1);
}

TEST_CASE("protocol violations by the router: ABORT, close, pending requests fail", "[client][session]") {
    auto expect_violation = [](SessionFixture& f, Capture<Outcome<CallResult>>& call) {
        auto* abort = f.transport.last<Abort>();
        REQUIRE(abort);
        CHECK(abort->reason == flyover::uris::protocol_violation);
        CHECK(f.transport.closes == 1);
        REQUIRE(call.calls == 1);
        CHECK(call.value->error().uri == flyover::uris::protocol_violation);
        REQUIRE(f.closes.size() == 1);
        CHECK(f.closes[0].reason == flyover::uris::protocol_violation);
        CHECK(f.session.state() == ClientSession::State::closed);
    };
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> call;
    Id request = f.session.call("com.a", {}, {}, {}, call.handler());

    SECTION("a RESULT for a request that is not pending") {
        f.session.handle(ResultMessage{request + 100, {}, {}});
        expect_violation(f, call);
    }
    SECTION("a reply of the wrong kind for a pending request") {
        f.session.handle(Subscribed{request, 5});
        expect_violation(f, call);
    }
    SECTION("an ERROR whose request type does not match the pending request") {
        f.session.handle(ErrorMessage{MessageType::subscribe, request, {}, "wamp.error.x", {}});
        expect_violation(f, call);
    }
    SECTION("an ERROR for a message type a client never sends as a request") {
        f.session.handle(ErrorMessage{MessageType::event, request, {}, "wamp.error.x", {}});
        expect_violation(f, call);
    }
    SECTION("a message only a client may send") {
        f.session.handle(Call{3, {}, "com.x", {}});
        expect_violation(f, call);
    }
    SECTION("a second WELCOME") {
        f.session.handle(Welcome{43, {}});
        expect_violation(f, call);
    }
    SECTION("the transport reports an undecodable frame") {
        f.session.protocol_error("bad msgpack");
        expect_violation(f, call);
        CHECK(*get_string(f.transport.last<Abort>()->details, "message") == "bad msgpack");
    }
}

TEST_CASE("messages after the session ended are ignored", "[client][session]") {
    SessionFixture f;
    f.join();
    f.session.transport_closed();
    f.transport.sent.clear();
    f.session.handle(Event{1, 2, {}, {}});
    f.session.handle(Goodbye{{}, "wamp.close.system_shutdown"});
    CHECK(f.transport.sent.empty());
    CHECK(f.closes.size() == 1);
}

TEST_CASE("a session can join again after it ended; request ids start over", "[client][session]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> first;
    Id r1 = f.session.call("com.a", {}, {}, {}, first.handler());
    f.session.transport_closed();
    f.join(99);
    CHECK(f.session.info().session == 99);
    Capture<Outcome<CallResult>> second;
    Id r2 = f.session.call("com.a", {}, {}, {}, second.handler());
    CHECK(r1 == r2);  // session-scoped sequential ids
    f.session.handle(ResultMessage{r2, {}, payload({"ok"})});
    CHECK(second.value->ok());
    CHECK(first.calls == 1);  // failed once, at the transport loss, and never again
}

TEST_CASE("a callback that throws is reported to the logger and the session carries on", "[client][session]") {
    SessionFixture f;
    f.join();
    f.session.call("com.a", {}, {}, {}, [](Outcome<CallResult>) { throw std::runtime_error("app bug"); });
    Capture<Outcome<CallResult>> other;
    f.session.call("com.b", {}, {}, {}, other.handler());
    REQUIRE_NOTHROW(f.session.handle(ResultMessage{1, {}, {}}));
    REQUIRE(f.logs.size() == 1);
    CHECK(f.logs[0].find("app bug") != std::string::npos);
    f.session.handle(ResultMessage{2, {}, {}});
    CHECK(other.value->ok());
}
