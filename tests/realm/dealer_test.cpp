#include <catch2/catch.hpp>

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "fake_peer.hpp"
#include "realm/dealer.hpp"
#include "serializers/error_uris.hpp"

using namespace flyover;
using test::FakePeer;

namespace {

/// HELLO.Details.roles with the given features set to true for each role.
Dict roles(std::initializer_list<std::pair<std::string_view, std::initializer_list<std::string_view>>> spec) {
    Dict out;
    for (auto& [role, features] : spec) {
        Dict f;
        for (auto name : features) f.emplace(std::string(name), true);
        out.emplace(std::string(role), Dict{{"features", std::move(f)}});
    }
    return out;
}

const Dict canceling_callee = roles({{"callee", {"call_canceling"}}});
const Dict progressive_callee = roles({{"callee", {"call_canceling", "progressive_call_results"}}});
const Dict streaming_callee =
    roles({{"callee", {"call_canceling", "progressive_call_invocations", "progressive_call_results"}}});
const Dict streaming_caller = roles({{"caller", {"progressive_call_invocations", "progressive_call_results"}}});

Payload args(List a, Dict kw = {}) { return Payload{std::move(a), std::move(kw), std::nullopt}; }

/// Registers `uri` and returns the registration ID (the REGISTER must succeed).
Id register_procedure(realm::Realm& r, Id session, FakePeer& peer, std::string uri, Dict options = {}, Id request = 1) {
    r.handle(session, Register{request, std::move(options), std::move(uri)});
    auto* reply = peer.last<Registered>();
    REQUIRE(reply);
    CHECK(reply->request == request);
    return reply->registration;
}

/// The ERROR URI the REGISTER got (the REGISTER must fail).
std::string register_error(realm::Realm& r, Id session, FakePeer& peer, std::string uri, Dict options = {},
                           Id request = 1) {
    r.handle(session, Register{request, std::move(options), std::move(uri)});
    auto* reply = peer.last<ErrorMessage>();
    REQUIRE(reply);
    CHECK(reply->request_type == MessageType::reg);
    CHECK(reply->request == request);
    return reply->error;
}

/// The ERROR URI the CALL got (the CALL must fail at once).
std::string call_error(realm::Realm& r, Id session, FakePeer& peer, std::string uri, Dict options = {},
                       Id request = 1) {
    r.handle(session, Call{request, std::move(options), std::move(uri), {}});
    auto* reply = peer.last<ErrorMessage>();
    REQUIRE(reply);
    CHECK(reply->request_type == MessageType::call);
    CHECK(reply->request == request);
    return reply->error;
}

/// The INVOCATION the callee just received.
Invocation last_invocation(const FakePeer& callee) {
    auto* inv = callee.last<Invocation>();
    REQUIRE(inv);
    return *inv;
}

const Value* detail(const Dict& d, std::string_view key) { return find(d, key); }

}  // namespace

TEST_CASE("the dealer announces exactly the features it implements", "[realm][dealer]") {
    auto f = realm::Dealer::features();
    for (auto name : {"call_canceling", "call_timeout", "caller_identification", "pattern_based_registration",
                      "payload_passthru_mode", "progressive_call_invocations", "progressive_call_results",
                      "registration_revocation", "shared_registration", "session_meta_api",
                      "registration_meta_api", "testament_meta_api"}) {
        INFO(name);
        CHECK(get_bool(f, name, false));
    }
    CHECK(f.size() == 12);
    auto router_roles = realm::Realm::router_roles();
    auto dealer = find(router_roles, "dealer");
    REQUIRE(dealer);
    CHECK(*dealer->find("features") == Value(f));
}

TEST_CASE("CALL -> INVOCATION -> YIELD -> RESULT carries the payload both ways", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10);
    auto caller = test::join(r, 20);
    Id reg = register_procedure(r, 10, *callee, "com.example.add");
    CHECK(r.dealer().registration_count() == 1);

    r.handle(20, Call{7, {}, "com.example.add", args({2, 3}, {{"round", true}})});
    auto inv = last_invocation(*callee);
    CHECK(inv.registration == reg);
    CHECK(inv.request == 1);
    CHECK(inv.details.empty());  // exact registration, no disclosure, no progress
    CHECK(inv.payload == args({2, 3}, {{"round", true}}));
    CHECK(r.dealer().pending_call_count() == 1);
    CHECK(caller->delivered.empty());

    r.handle(10, Yield{inv.request, {}, args({5}, {{"exact", true}})});
    auto* result = caller->last<ResultMessage>();
    REQUIRE(result);
    CHECK(result->request == 7);
    CHECK(result->details.empty());
    CHECK(result->payload == args({5}, {{"exact", true}}));
    CHECK(r.dealer().pending_call_count() == 0);
    CHECK(caller->aborts.empty());
    CHECK(callee->aborts.empty());
}

TEST_CASE("INVOCATION request IDs are sequential per callee session", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 10);
    auto b = test::join(r, 11);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *a, "com.example.a");
    register_procedure(r, 11, *b, "com.example.b");
    r.handle(20, Call{1, {}, "com.example.a", {}});
    r.handle(20, Call{2, {}, "com.example.a", {}});
    r.handle(20, Call{3, {}, "com.example.b", {}});
    auto at_a = a->received<Invocation>();
    auto at_b = b->received<Invocation>();
    REQUIRE(at_a.size() == 2);
    REQUIRE(at_b.size() == 1);
    CHECK(at_a[0].request == 1);
    CHECK(at_a[1].request == 2);
    CHECK(at_b[0].request == 1);
    // Answers out of order reach the right calls.
    r.handle(10, Yield{2, {}, args({"second"})});
    r.handle(11, Yield{1, {}, args({"third"})});
    r.handle(10, Yield{1, {}, args({"first"})});
    auto results = caller->received<ResultMessage>();
    REQUIRE(results.size() == 3);
    CHECK(results[0].request == 2);
    CHECK(results[0].payload.args == List{"second"});
    CHECK(results[1].request == 3);
    CHECK(results[2].request == 1);
    CHECK(r.dealer().pending_call_count() == 0);
}

TEST_CASE("a call to an unregistered procedure fails with no_such_procedure", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto caller = test::join(r, 20);
    CHECK(call_error(r, 20, *caller, "com.example.nothing") == uris::no_such_procedure);
    CHECK(r.dealer().pending_call_count() == 0);
}

TEST_CASE("invalid procedure URIs are refused with invalid_uri", "[realm][dealer]") {
    SECTION("loose rule") {
        realm::Realm r({"realm1"});
        auto p = test::join(r, 10);
        CHECK(call_error(r, 10, *p, "com..example") == uris::invalid_uri);
        CHECK(call_error(r, 10, *p, "com.ex ample") == uris::invalid_uri);
        CHECK(call_error(r, 10, *p, "") == uris::invalid_uri);
        CHECK(register_error(r, 10, *p, "com..example") == uris::invalid_uri);
        CHECK(register_error(r, 10, *p, "com.example.") == uris::invalid_uri);
        CHECK(register_error(r, 10, *p, "com.#") == uris::invalid_uri);
        CHECK(register_error(r, 10, *p, "") == uris::invalid_uri);
        // The reserved namespace belongs to the router.
        CHECK(register_error(r, 10, *p, "wamp.session.count") == uris::invalid_uri);
        CHECK(register_error(r, 10, *p, "wamp.", Dict{{"match", "prefix"}}) == uris::invalid_uri);
        CHECK(r.dealer().registration_count() == 0);
    }
    SECTION("strict rule") {
        realm::Realm r({"realm1", UriRule::strict});
        auto p = test::join(r, 10);
        CHECK(register_error(r, 10, *p, "com.Example") == uris::invalid_uri);
        CHECK(call_error(r, 10, *p, "com.example-x") == uris::invalid_uri);
        register_procedure(r, 10, *p, "com.example_x");
    }
    SECTION("patterns") {
        realm::Realm r({"realm1"});
        auto p = test::join(r, 10);
        register_procedure(r, 10, *p, "com..update", Dict{{"match", "wildcard"}});
        register_procedure(r, 10, *p, "com.example.", Dict{{"match", "prefix"}});
        CHECK(register_error(r, 10, *p, "com. .x", Dict{{"match", "wildcard"}}) == uris::invalid_uri);
        CHECK(register_error(r, 10, *p, "", Dict{{"match", "prefix"}}) == uris::invalid_uri);
        // A call names one concrete procedure: no empty components.
        CHECK(call_error(r, 10, *p, "com..update") == uris::invalid_uri);
    }
}

TEST_CASE("a second REGISTER of a single registration fails with procedure_already_exists", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 10);
    auto b = test::join(r, 11);
    register_procedure(r, 10, *a, "com.example.proc");
    CHECK(register_error(r, 11, *b, "com.example.proc") == uris::procedure_already_exists);
    CHECK(register_error(r, 10, *a, "com.example.proc", {}, 2) == uris::procedure_already_exists);
    // Even when the newcomer asks for a shared policy: "single" forbids any further callee.
    CHECK(register_error(r, 11, *b, "com.example.proc", Dict{{"invoke", "roundrobin"}}) ==
          uris::procedure_already_exists);
    // The same URI with another match policy is another registration.
    register_procedure(r, 11, *b, "com.example.proc", Dict{{"match", "prefix"}});
    CHECK(r.dealer().registration_count() == 2);
}

TEST_CASE("UNREGISTER removes a registration; unknown or foreign ones fail with no_such_registration",
          "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 10);
    auto b = test::join(r, 11);
    Id reg = register_procedure(r, 10, *a, "com.example.proc");

    r.handle(11, Unregister{5, reg});
    auto* err = b->last<ErrorMessage>();
    REQUIRE(err);
    CHECK(err->request_type == MessageType::unregister);
    CHECK(err->request == 5);
    CHECK(err->error == uris::no_such_registration);

    r.handle(10, Unregister{6, 999});
    REQUIRE(a->last<ErrorMessage>());
    CHECK(a->last<ErrorMessage>()->error == uris::no_such_registration);

    r.handle(10, Unregister{7, reg});
    auto* ok = a->last<Unregistered>();
    REQUIRE(ok);
    CHECK(ok->request == 7);
    CHECK(r.dealer().registration_count() == 0);
    CHECK(call_error(r, 11, *b, "com.example.proc") == uris::no_such_procedure);

    r.handle(10, Unregister{8, reg});
    REQUIRE(a->last<ErrorMessage>());
    CHECK(a->last<ErrorMessage>()->error == uris::no_such_registration);

    // The URI is free again.
    register_procedure(r, 11, *b, "com.example.proc");
}

TEST_CASE("the authorizer decides who may call and who may register", "[realm][dealer]") {
    realm::RealmOptions options{"realm1"};
    options.authorize = [](const realm::SessionInfo& s, realm::Action action, std::string_view uri) {
        if (action == realm::Action::reg) return s.authrole == "backend";
        if (action == realm::Action::call) return uri != "com.example.secret";
        return true;
    };
    realm::Realm r(std::move(options));
    auto backend = test::join(r, 10, "svc", "backend");
    auto browser = test::join(r, 20, "alice", "user");
    CHECK(register_error(r, 20, *browser, "com.example.proc") == uris::not_authorized);
    register_procedure(r, 10, *backend, "com.example.proc");
    register_procedure(r, 10, *backend, "com.example.secret", {}, 2);
    CHECK(call_error(r, 20, *browser, "com.example.secret") == uris::not_authorized);
    // Not authorized comes before the lookup: an unauthorized caller cannot probe what exists.
    CHECK(call_error(r, 20, *browser, "com.example.secret.missing") == uris::no_such_procedure);
    r.handle(20, Call{9, {}, "com.example.proc", {}});
    CHECK(backend->last<Invocation>());
}

TEST_CASE("a callee's ERROR reaches the caller with its URI, args and kwargs", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *callee, "com.example.write");
    r.handle(20, Call{3, {}, "com.example.write", args({"obj"})});
    auto inv = last_invocation(*callee);
    r.handle(10, ErrorMessage{MessageType::invocation, inv.request, Dict{{"internal", "x"}},
                              "com.myapp.error.object_write_protected",
                              args({"Object is write protected."}, {{"severity", 3}})});
    auto* err = caller->last<ErrorMessage>();
    REQUIRE(err);
    CHECK(err->request_type == MessageType::call);
    CHECK(err->request == 3);
    CHECK(err->error == "com.myapp.error.object_write_protected");
    CHECK(err->payload == args({"Object is write protected."}, {{"severity", 3}}));
    CHECK(err->details.empty());  // the callee's details stay with the dealer (as in Crossbar)
    CHECK(r.dealer().pending_call_count() == 0);
}

TEST_CASE("YIELD and ERROR for unknown invocations are dropped silently", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10);
    auto other = test::join(r, 11);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *callee, "com.example.proc");
    r.handle(10, Yield{42, {}, {}});
    r.handle(10, ErrorMessage{MessageType::invocation, 43, {}, "com.example.error", {}});
    CHECK(callee->aborts.empty());

    // Another session cannot answer someone else's invocation, even with the right ID.
    r.handle(20, Call{1, {}, "com.example.proc", {}});
    auto inv = last_invocation(*callee);
    r.handle(11, Yield{inv.request, {}, args({"forged"})});
    CHECK(caller->received<ResultMessage>().empty());
    CHECK(other->aborts.empty());
    r.handle(10, Yield{inv.request, {}, args({"real"})});
    REQUIRE(caller->last<ResultMessage>());
    CHECK(caller->last<ResultMessage>()->payload.args == List{"real"});
    // A second final YIELD for the same invocation is late: dropped.
    r.handle(10, Yield{inv.request, {}, args({"again"})});
    CHECK(caller->received<ResultMessage>().size() == 1);
}

TEST_CASE("a CALL whose request ID is already in flight is a protocol violation", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *callee, "com.example.proc");
    r.handle(20, Call{1, {}, "com.example.proc", {}});
    r.handle(20, Call{1, {}, "com.example.proc", {}});
    REQUIRE(caller->aborts.size() == 1);
    CHECK(caller->aborts[0] == uris::protocol_violation);
    CHECK(callee->received<Invocation>().size() == 1);
    // Once answered, the ID may be used again (IDs wrap around eventually).
    r.handle(10, Yield{1, {}, {}});
    r.handle(20, Call{1, {}, "com.example.proc", {}});
    CHECK(callee->received<Invocation>().size() == 2);
}

TEST_CASE("caller identification: disclose_me and disclose_caller", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10);
    auto discloser = test::join(r, 11);
    auto caller = test::join(r, 20, "alice", "user");
    register_procedure(r, 10, *callee, "com.example.anon");
    register_procedure(r, 11, *discloser, "com.example.who", Dict{{"disclose_caller", true}});

    r.handle(20, Call{1, {}, "com.example.anon", {}});
    CHECK_FALSE(detail(last_invocation(*callee).details, "caller"));

    r.handle(20, Call{2, Dict{{"disclose_me", true}}, "com.example.anon", {}});
    auto inv = last_invocation(*callee);
    REQUIRE(detail(inv.details, "caller"));
    CHECK(*detail(inv.details, "caller") == Value(20));
    CHECK(*detail(inv.details, "caller_authid") == Value("alice"));
    CHECK(*detail(inv.details, "caller_authrole") == Value("user"));

    r.handle(20, Call{3, {}, "com.example.who", {}});
    auto inv2 = last_invocation(*discloser);
    REQUIRE(detail(inv2.details, "caller"));
    CHECK(*detail(inv2.details, "caller") == Value(20));
    CHECK(*detail(inv2.details, "caller_authid") == Value("alice"));
}

TEST_CASE("pattern-based registrations: prefix, wildcard, precedence and details.procedure", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto exact = test::join(r, 1);
    auto short_prefix = test::join(r, 2);
    auto long_prefix = test::join(r, 3);
    auto wild = test::join(r, 4);
    auto wild_late = test::join(r, 5);
    auto caller = test::join(r, 20);
    Id r_exact = register_procedure(r, 1, *exact, "a1.b2.c3.d4.e55");
    Id r_short = register_procedure(r, 2, *short_prefix, "a1.b2.c3", Dict{{"match", "prefix"}});
    Id r_long = register_procedure(r, 3, *long_prefix, "a1.b2.c3.d4", Dict{{"match", "prefix"}});
    Id r_wild = register_procedure(r, 4, *wild, "a1.b2..d4.e5", Dict{{"match", "wildcard"}});
    Id r_late = register_procedure(r, 5, *wild_late, "a1.b2.c33..e5", Dict{{"match", "wildcard"}});
    auto wild6 = test::join(r, 6);
    auto wild7 = test::join(r, 7);
    Id r_6 = register_procedure(r, 6, *wild6, "a1.b2..d4.e5..g7", Dict{{"match", "wildcard"}});
    Id r_7 = register_procedure(r, 7, *wild7, "a1.b2..d4..f6.g7", Dict{{"match", "wildcard"}});

    struct Case {
        const char* uri;
        Id session;
        FakePeer* peer;
        Id registration;
    };
    Id request = 0;
    // The spec's examples (advanced/rpc_pattern_based_registration.md).
    for (auto c :
         {Case{"a1.b2.c3.d4.e55", 1, exact.get(), r_exact}, Case{"a1.b2.c3.d98.e74", 2, short_prefix.get(), r_short},
          Case{"a1.b2.c3.d4.e325", 3, long_prefix.get(), r_long}, Case{"a1.b2.c55.d4.e5", 4, wild.get(), r_wild},
          // The spec's example expects RPC 5 ("a1.b2.c33..e5") here, assuming prefixes match whole
          // components; Flyover matches prefixes as plain strings, as the spec's own prefix example and
          // Crossbar do, so the prefix "a1.b2.c3" matches "a1.b2.c33..." and wins over any wildcard.
          Case{"a1.b2.c33.d4.e5", 2, short_prefix.get(), r_short},
          Case{"a1.b2.c88.d4.e5.f6.g7", 6, wild6.get(), r_6}}) {
        INFO(c.uri);
        c.peer->clear();
        r.handle(20, Call{++request, {}, c.uri, {}});
        auto inv = last_invocation(*c.peer);
        CHECK(inv.registration == c.registration);
        auto* procedure = detail(inv.details, "procedure");
        if (c.registration == r_exact) {
            CHECK_FALSE(procedure);  // the callee knows its exact URI
        } else {
            REQUIRE(procedure);
            CHECK(*procedure == Value(c.uri));
        }
        r.handle(c.session, Yield{inv.request, {}, {}});
    }
    CHECK(call_error(r, 20, *caller, "a2.b2.c2.d2.e2", {}, 100) == uris::no_such_procedure);
    // Prefixes match as plain strings (spec example: "com.myapp.myobject1-mysubobject1").
    short_prefix->clear();
    r.handle(20, Call{101, {}, "a1.b2.c3-x", {}});
    CHECK(last_invocation(*short_prefix).registration == r_short);
    CHECK(*detail(last_invocation(*short_prefix).details, "procedure") == Value("a1.b2.c3-x"));
    // Without the interfering prefix, the wildcard with the longer literal portion before its wildcard wins.
    r.leave(2);
    wild_late->clear();
    r.handle(20, Call{102, {}, "a1.b2.c33.d4.e5", {}});
    CHECK(last_invocation(*wild_late).registration == r_late);
    wild7->clear();
    r.handle(20, Call{103, {}, "a1.b2.c88.d4.x5.f6.g7", {}});
    CHECK(last_invocation(*wild7).registration == r_7);
    CHECK(r.dealer().pending_call_count() == 2);
}

TEST_CASE("invalid match and invoke options are protocol violations", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto p = test::join(r, 10);
    SECTION("match") {
        r.handle(10, Register{1, Dict{{"match", "regex"}}, "com.example"});
        REQUIRE(p->aborts.size() == 1);
        CHECK(p->aborts[0] == uris::protocol_violation);
    }
    SECTION("invoke") {
        r.handle(10, Register{1, Dict{{"invoke", 3}}, "com.example"});
        REQUIRE(p->aborts.size() == 1);
        CHECK(p->aborts[0] == uris::protocol_violation);
    }
    CHECK(r.dealer().registration_count() == 0);
}

TEST_CASE("shared registrations: policies and their conflicts", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1);
    auto b = test::join(r, 2);
    auto c = test::join(r, 3);
    auto caller = test::join(r, 20);
    Id request = 0;
    // Which of a, b, c got the next call.
    auto next_callee = [&]() -> int {
        a->clear();
        b->clear();
        c->clear();
        r.handle(20, Call{++request, {}, "com.example.shared", {}});
        int which = 0;
        FakePeer* peers[] = {a.get(), b.get(), c.get()};
        for (int i = 0; i < 3; ++i) {
            if (auto* inv = peers[i]->last<Invocation>()) {
                CHECK(which == 0);
                which = i + 1;
                r.handle(static_cast<Id>(i + 1), Yield{inv->request, {}, {}});
            }
        }
        return which;
    };

    SECTION("roundrobin rotates in registration order and survives a callee leaving") {
        Id reg = register_procedure(r, 1, *a, "com.example.shared", Dict{{"invoke", "roundrobin"}});
        CHECK(register_procedure(r, 2, *b, "com.example.shared", Dict{{"invoke", "roundrobin"}}) == reg);
        CHECK(register_procedure(r, 3, *c, "com.example.shared", Dict{{"invoke", "roundrobin"}}) == reg);
        CHECK(r.dealer().registration_count() == 1);
        CHECK(next_callee() == 1);
        CHECK(next_callee() == 2);
        CHECK(next_callee() == 3);
        CHECK(next_callee() == 1);
        // b was due next; it leaves, c takes its turn.
        r.leave(2);
        CHECK(next_callee() == 3);
        CHECK(next_callee() == 1);
        CHECK(next_callee() == 3);
        r.leave(1);
        r.leave(3);
        CHECK(r.dealer().registration_count() == 0);
        CHECK(call_error(r, 20, *caller, "com.example.shared", {}, ++request) == uris::no_such_procedure);
    }
    SECTION("first and last") {
        register_procedure(r, 1, *a, "com.example.shared", Dict{{"invoke", "first"}});
        register_procedure(r, 2, *b, "com.example.shared", Dict{{"invoke", "first"}});
        CHECK(next_callee() == 1);
        CHECK(next_callee() == 1);
        r.leave(1);
        CHECK(next_callee() == 2);  // hot stand-by takes over

        register_procedure(r, 3, *c, "com.example.last", Dict{{"invoke", "last"}});
        register_procedure(r, 2, *b, "com.example.last", Dict{{"invoke", "last"}}, 9);
        b->clear();
        r.handle(20, Call{++request, {}, "com.example.last", {}});
        CHECK(b->last<Invocation>());
        CHECK(c->received<Invocation>().empty());
    }
    SECTION("random spreads calls over every callee, repeatably") {
        register_procedure(r, 1, *a, "com.example.shared", Dict{{"invoke", "random"}});
        register_procedure(r, 2, *b, "com.example.shared", Dict{{"invoke", "random"}});
        register_procedure(r, 3, *c, "com.example.shared", Dict{{"invoke", "random"}});
        std::map<int, int> hits;
        for (int i = 0; i < 300; ++i) ++hits[next_callee()];
        CHECK(hits.size() == 3);
        CHECK_FALSE(hits.count(0));
        for (auto [who, n] : hits) CHECK(n > 50);
    }
    SECTION("a different policy is refused") {
        register_procedure(r, 1, *a, "com.example.shared", Dict{{"invoke", "roundrobin"}});
        CHECK(register_error(r, 2, *b, "com.example.shared", Dict{{"invoke", "random"}}) ==
              uris::procedure_exists_with_different_invocation_policy);
        CHECK(register_error(r, 2, *b, "com.example.shared") ==
              uris::procedure_exists_with_different_invocation_policy);
    }
    SECTION("the same callee registering twice keeps one place") {
        Id reg = register_procedure(r, 1, *a, "com.example.shared", Dict{{"invoke", "roundrobin"}});
        CHECK(register_procedure(r, 1, *a, "com.example.shared", Dict{{"invoke", "roundrobin"}}, 2) == reg);
        register_procedure(r, 2, *b, "com.example.shared", Dict{{"invoke", "roundrobin"}});
        CHECK(next_callee() == 1);
        CHECK(next_callee() == 2);
        CHECK(next_callee() == 1);
        // One UNREGISTER takes it out.
        r.handle(1, Unregister{3, reg});
        CHECK(a->last<Unregistered>());
        CHECK(next_callee() == 2);
        CHECK(next_callee() == 2);
    }
    SECTION("unregistering one callee keeps the registration for the others") {
        Id reg = register_procedure(r, 1, *a, "com.example.shared", Dict{{"invoke", "first"}});
        register_procedure(r, 2, *b, "com.example.shared", Dict{{"invoke", "first"}});
        r.handle(1, Unregister{2, reg});
        CHECK(a->last<Unregistered>());
        CHECK(r.dealer().registration_count() == 1);
        CHECK(next_callee() == 2);
    }
}

TEST_CASE("progressive call results", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10, "", "anonymous", progressive_callee);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *callee, "com.example.revenue");

    SECTION("progressive YIELDs become progressive RESULTs; the final YIELD closes the call") {
        r.handle(20, Call{5, Dict{{"receive_progress", true}}, "com.example.revenue", args({2010, 2011})});
        auto inv = last_invocation(*callee);
        REQUIRE(detail(inv.details, "receive_progress"));
        CHECK(*detail(inv.details, "receive_progress") == Value(true));
        r.handle(10, Yield{inv.request, Dict{{"progress", true}}, args({"Y2010", 120})});
        r.handle(10, Yield{inv.request, Dict{{"progress", true}}, args({"Y2011", 205})});
        r.handle(10, Yield{inv.request, {}, args({"Total", 325})});
        auto results = caller->received<ResultMessage>();
        REQUIRE(results.size() == 3);
        CHECK(results[0].details == Dict{{"progress", true}});
        CHECK(results[0].payload.args == List{"Y2010", 120});
        CHECK(results[1].details == Dict{{"progress", true}});
        CHECK(results[2].details.empty());
        CHECK(results[2].payload.args == List{"Total", 325});
        for (auto& res : results) CHECK(res.request == 5);
        CHECK(r.dealer().pending_call_count() == 0);
        // Nothing after the final result.
        r.handle(10, Yield{inv.request, Dict{{"progress", true}}, {}});
        CHECK(caller->received<ResultMessage>().size() == 3);
    }
    SECTION("a caller that did not ask for progress gets the final result only") {
        r.handle(20, Call{5, {}, "com.example.revenue", {}});
        auto inv = last_invocation(*callee);
        CHECK_FALSE(detail(inv.details, "receive_progress"));
        r.handle(10, Yield{inv.request, Dict{{"progress", true}}, args({"partial"})});
        CHECK(caller->received<ResultMessage>().empty());
        CHECK(r.dealer().pending_call_count() == 1);
        r.handle(10, Yield{inv.request, {}, args({"final"})});
        auto results = caller->received<ResultMessage>();
        REQUIRE(results.size() == 1);
        CHECK(results[0].payload.args == List{"final"});
    }
    SECTION("a progressive call can end in an ERROR") {
        r.handle(20, Call{5, Dict{{"receive_progress", true}}, "com.example.revenue", {}});
        auto inv = last_invocation(*callee);
        r.handle(10, Yield{inv.request, Dict{{"progress", true}}, args({1})});
        r.handle(10, ErrorMessage{MessageType::invocation, inv.request, {}, "com.myapp.invalid_year", args({1830})});
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == "com.myapp.invalid_year");
        CHECK(caller->received<ResultMessage>().size() == 1);
        CHECK(r.dealer().pending_call_count() == 0);
    }
}

TEST_CASE("receive_progress is forwarded only to callees that announced progressive results", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto plain = test::join(r, 10);
    auto no_cancel = test::join(r, 11, "", "anonymous", roles({{"callee", {"progressive_call_results"}}}));
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *plain, "com.example.plain");
    register_procedure(r, 11, *no_cancel, "com.example.js");
    r.handle(20, Call{1, Dict{{"receive_progress", true}}, "com.example.plain", {}});
    CHECK_FALSE(detail(last_invocation(*plain).details, "receive_progress"));
    // Autobahn|JS callees announce progressive results but not call canceling: they still get progress.
    r.handle(20, Call{2, Dict{{"receive_progress", true}}, "com.example.js", {}});
    auto inv = last_invocation(*no_cancel);
    CHECK(detail(inv.details, "receive_progress"));
    r.handle(11, Yield{inv.request, Dict{{"progress", true}}, args({"chunk"})});
    REQUIRE(caller->last<ResultMessage>());
    CHECK(caller->last<ResultMessage>()->details == Dict{{"progress", true}});
}

TEST_CASE("progressive call invocations", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10, "", "anonymous", streaming_callee);
    auto caller = test::join(r, 20, "uploader", "user", streaming_caller);
    register_procedure(r, 10, *callee, "com.example.upload", Dict{{"match", "prefix"}});

    SECTION("chunks stream into one invocation, with the initiating CALL's details frozen") {
        r.handle(20,
                 Call{4, Dict{{"progress", true}, {"disclose_me", true}}, "com.example.upload.file", args({"chunk1"})});
        auto first = last_invocation(*callee);
        CHECK(*detail(first.details, "progress") == Value(true));
        CHECK(*detail(first.details, "caller") == Value(20));
        CHECK(*detail(first.details, "procedure") == Value("com.example.upload.file"));

        // A continuation's other options are ignored; the frozen ones are repeated.
        r.handle(
            20, Call{4, Dict{{"progress", true}, {"disclose_me", false}}, "com.example.upload.file", args({"chunk2"})});
        auto second = last_invocation(*callee);
        CHECK(second.request == first.request);
        CHECK(second.registration == first.registration);
        CHECK(*detail(second.details, "progress") == Value(true));
        CHECK(*detail(second.details, "caller") == Value(20));
        CHECK(*detail(second.details, "caller_authid") == Value("uploader"));
        CHECK(second.payload.args == List{"chunk2"});

        // A YIELD may come at any time; it does not close the caller's stream when progressive.
        r.handle(20, Call{4, {}, "com.example.upload.file", args({"last"})});
        auto last = last_invocation(*callee);
        CHECK(last.request == first.request);
        CHECK_FALSE(detail(last.details, "progress"));
        CHECK(*detail(last.details, "caller") == Value(20));
        CHECK(callee->received<Invocation>().size() == 3);
        CHECK(caller->aborts.empty());

        r.handle(10, Yield{first.request, {}, args({"stored", 3})});
        REQUIRE(caller->last<ResultMessage>());
        CHECK(caller->last<ResultMessage>()->request == 4);
        CHECK(r.dealer().pending_call_count() == 0);

        // After the final CALL the request ID is free: the same ID again is a new call, not a continuation.
        r.handle(20, Call{4, {}, "com.example.upload.other", {}});
        CHECK(callee->received<Invocation>().size() == 4);
        CHECK(last_invocation(*callee).request != first.request);
    }
    SECTION("a continuation after the callee ended the call is discarded") {
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", args({"chunk1"})});
        auto inv = last_invocation(*callee);
        r.handle(10, ErrorMessage{MessageType::invocation, inv.request, {}, "com.example.disk_full", {}});
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == "com.example.disk_full");
        CHECK(r.dealer().pending_call_count() == 0);

        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", args({"chunk2"})});
        r.handle(20, Call{4, {}, "com.example.upload.file", args({"last"})});
        CHECK(callee->received<Invocation>().size() == 1);
        CHECK(caller->received<ErrorMessage>().size() == 1);
        CHECK(caller->aborts.empty());
        CHECK(r.dealer().pending_call_count() == 0);
        // The final CALL closed the entry: the ID starts a new call again.
        r.handle(20, Call{4, {}, "com.example.upload.file", {}});
        CHECK(callee->received<Invocation>().size() == 2);
    }
    SECTION("a finished stream is forgotten after its grace period") {
        r.tick(1'000);
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", args({"chunk1"})});
        r.handle(10,
                 ErrorMessage{MessageType::invocation, last_invocation(*callee).request, {}, "com.example.full", {}});
        r.tick(30'000);
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", {}});
        CHECK(callee->received<Invocation>().size() == 1);  // still within the grace period: discarded
        r.tick(61'000);
        // The caller never sent its final CALL; after the grace period the ID is an ordinary new request.
        r.handle(20, Call{4, {}, "com.example.upload.file", {}});
        CHECK(callee->received<Invocation>().size() == 2);
        CHECK(caller->aborts.empty());
    }
    SECTION("a caller that cancels mid-stream has its later chunks discarded") {
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", {}});
        r.handle(20, Cancel{4, Dict{{"mode", "killnowait"}}});
        REQUIRE(callee->last<Interrupt>());
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", {}});
        r.handle(20, Call{4, {}, "com.example.upload.file", {}});
        CHECK(callee->received<Invocation>().size() == 1);
        CHECK(caller->received<ErrorMessage>().size() == 1);
        CHECK(r.dealer().pending_call_count() == 0);
    }
    SECTION("after a kill cancel, chunks stop reaching the callee until it answers") {
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", {}});
        auto inv = last_invocation(*callee);
        r.handle(20, Cancel{4, Dict{{"mode", "kill"}}});
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", {}});
        CHECK(callee->received<Invocation>().size() == 1);
        r.handle(10, ErrorMessage{MessageType::invocation, inv.request, {}, std::string(uris::canceled), {}});
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == uris::canceled);
        r.handle(20, Call{4, {}, "com.example.upload.file", {}});
        CHECK(callee->received<Invocation>().size() == 1);
        CHECK(caller->aborts.empty());
    }
    SECTION("a continuation naming another procedure is a protocol violation") {
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", {}});
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.other", {}});
        REQUIRE(caller->aborts.size() == 1);
        CHECK(caller->aborts[0] == uris::protocol_violation);
    }
    SECTION("a CALL continuing a call that was not progressive is a protocol violation") {
        r.handle(20, Call{4, {}, "com.example.upload.file", {}});
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", {}});
        REQUIRE(caller->aborts.size() == 1);
        CHECK(caller->aborts[0] == uris::protocol_violation);
    }
    SECTION("the caller leaving mid-stream interrupts the callee") {
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", {}});
        auto inv = last_invocation(*callee);
        r.leave(20);
        auto* interrupt = callee->last<Interrupt>();
        REQUIRE(interrupt);
        CHECK(interrupt->request == inv.request);
        CHECK(interrupt->options == Dict{{"mode", "killnowait"}});
        CHECK(r.dealer().pending_call_count() == 0);
    }
    SECTION("the callee leaving mid-stream fails the call; later chunks are discarded") {
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", {}});
        r.leave(10);
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == uris::canceled);
        r.handle(20, Call{4, Dict{{"progress", true}}, "com.example.upload.file", {}});
        CHECK(caller->aborts.empty());
        CHECK(caller->received<ErrorMessage>().size() == 1);
    }
}

TEST_CASE("progressive call invocations need the feature on both ends", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto plain_callee = test::join(r, 10, "", "anonymous", progressive_callee);
    auto streaming = test::join(r, 11, "", "anonymous", streaming_callee);
    auto no_cancel = test::join(r, 12, "", "anonymous", roles({{"callee", {"progressive_call_invocations"}}}));
    auto caller = test::join(r, 20, "", "anonymous", streaming_caller);
    auto plain_caller = test::join(r, 21);
    register_procedure(r, 10, *plain_callee, "com.example.plain");
    register_procedure(r, 11, *streaming, "com.example.stream");
    register_procedure(r, 12, *no_cancel, "com.example.nocancel");

    CHECK(call_error(r, 20, *caller, "com.example.plain", Dict{{"progress", true}}, 1) == uris::feature_not_supported);
    CHECK(call_error(r, 20, *caller, "com.example.nocancel", Dict{{"progress", true}}, 2) ==
          uris::feature_not_supported);
    CHECK(plain_callee->received<Invocation>().empty());
    CHECK(r.dealer().pending_call_count() == 0);

    // A caller that did not announce the feature may not use it (spec: protocol error).
    r.handle(21, Call{1, Dict{{"progress", true}}, "com.example.stream", {}});
    REQUIRE(plain_caller->aborts.size() == 1);
    CHECK(plain_caller->aborts[0] == uris::protocol_violation);
    CHECK(streaming->received<Invocation>().empty());
}

TEST_CASE("call canceling", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10, "", "anonymous", canceling_callee);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *callee, "com.example.slow");
    r.handle(20, Call{8, {}, "com.example.slow", {}});
    auto inv = last_invocation(*callee);

    SECTION("skip: ERROR at once, no INTERRUPT, the late result is dropped") {
        r.handle(20, Cancel{8, Dict{{"mode", "skip"}}});
        auto* err = caller->last<ErrorMessage>();
        REQUIRE(err);
        CHECK(err->request == 8);
        CHECK(err->error == uris::canceled);
        CHECK(callee->received<Interrupt>().empty());
        CHECK(r.dealer().pending_call_count() == 0);
        r.handle(10, Yield{inv.request, {}, args({"late"})});
        CHECK(caller->received<ResultMessage>().empty());
        CHECK(callee->aborts.empty());
    }
    SECTION("killnowait: ERROR and INTERRUPT at once, the callee's answer is dropped") {
        r.handle(20, Cancel{8, Dict{{"mode", "killnowait"}}});
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == uris::canceled);
        auto* interrupt = callee->last<Interrupt>();
        REQUIRE(interrupt);
        CHECK(interrupt->request == inv.request);
        CHECK(interrupt->options == Dict{{"mode", "killnowait"}});
        CHECK(r.dealer().pending_call_count() == 0);
        r.handle(10, ErrorMessage{MessageType::invocation, inv.request, {}, std::string(uris::canceled), {}});
        CHECK(caller->received<ErrorMessage>().size() == 1);
    }
    SECTION("no mode means killnowait") {
        r.handle(20, Cancel{8, {}});
        REQUIRE(callee->last<Interrupt>());
        CHECK(callee->last<Interrupt>()->options == Dict{{"mode", "killnowait"}});
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == uris::canceled);
    }
    SECTION("kill: INTERRUPT, then the caller's ERROR once the callee answers") {
        r.handle(20, Cancel{8, Dict{{"mode", "kill"}}});
        auto* interrupt = callee->last<Interrupt>();
        REQUIRE(interrupt);
        CHECK(interrupt->options == Dict{{"mode", "kill"}});
        CHECK(caller->delivered.empty());
        CHECK(r.dealer().pending_call_count() == 1);
        // Repeated cancels change nothing; progressive results after the cancel are not forwarded.
        r.handle(20, Cancel{8, Dict{{"mode", "kill"}}});
        CHECK(callee->received<Interrupt>().size() == 1);
        r.handle(10, Yield{inv.request, Dict{{"progress", true}}, {}});
        CHECK(caller->delivered.empty());

        r.handle(10,
                 ErrorMessage{
                     MessageType::invocation, inv.request, {}, "com.example.interrupted", args({"stopped at 40%"})});
        auto* err = caller->last<ErrorMessage>();
        REQUIRE(err);
        CHECK(err->request == 8);
        CHECK(err->error == uris::canceled);
        CHECK(err->payload.args == List{"stopped at 40%"});
        CHECK(r.dealer().pending_call_count() == 0);
    }
    SECTION("kill: a callee that finished first delivers its RESULT") {
        r.handle(20, Cancel{8, Dict{{"mode", "kill"}}});
        r.handle(10, Yield{inv.request, {}, args({"done"})});
        REQUIRE(caller->last<ResultMessage>());
        CHECK(caller->last<ResultMessage>()->payload.args == List{"done"});
        CHECK(r.dealer().pending_call_count() == 0);
    }
    SECTION("a CANCEL for an unknown or finished call is ignored") {
        r.handle(20, Cancel{99, Dict{{"mode", "kill"}}});
        CHECK(caller->delivered.empty());
        CHECK(callee->received<Interrupt>().empty());
        r.handle(10, Yield{inv.request, {}, {}});
        r.handle(20, Cancel{8, Dict{{"mode", "killnowait"}}});
        CHECK(caller->received<ErrorMessage>().empty());
        CHECK(callee->received<Interrupt>().empty());
    }
    SECTION("another session cannot cancel the call") {
        auto intruder = test::join(r, 30);
        r.handle(30, Cancel{8, Dict{{"mode", "killnowait"}}});
        CHECK(callee->received<Interrupt>().empty());
        CHECK(r.dealer().pending_call_count() == 1);
    }
    SECTION("an unknown mode is a protocol violation") {
        r.handle(20, Cancel{8, Dict{{"mode", "nicely"}}});
        REQUIRE(caller->aborts.size() == 1);
        CHECK(caller->aborts[0] == uris::protocol_violation);
    }
}

TEST_CASE("canceling at a callee without call_canceling behaves as skip", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *callee, "com.example.slow");
    for (auto mode : {"kill", "killnowait"}) {
        INFO(mode);
        callee->clear();
        caller->clear();
        r.handle(20, Call{1, {}, "com.example.slow", {}});
        auto inv = last_invocation(*callee);
        r.handle(20, Cancel{1, Dict{{"mode", mode}}});
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == uris::canceled);
        CHECK(callee->received<Interrupt>().empty());
        CHECK(r.dealer().pending_call_count() == 0);
        r.handle(10, Yield{inv.request, {}, {}});
        CHECK(caller->received<ResultMessage>().empty());
    }
}

TEST_CASE("call timeouts", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10, "", "anonymous", progressive_callee);
    auto plain = test::join(r, 11);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *callee, "com.example.slow");
    register_procedure(r, 11, *plain, "com.example.plain");
    r.tick(5'000);

    SECTION("the dealer cancels after the timeout: ERROR timeout, INTERRUPT killnowait") {
        r.handle(20, Call{3, Dict{{"timeout", 1000}}, "com.example.slow", {}});
        auto inv = last_invocation(*callee);
        CHECK_FALSE(detail(inv.details, "timeout"));  // the dealer runs it
        r.tick(5'999);
        CHECK(caller->delivered.empty());
        CHECK(callee->received<Interrupt>().empty());
        r.tick(6'000);
        auto* err = caller->last<ErrorMessage>();
        REQUIRE(err);
        CHECK(err->request == 3);
        CHECK(err->error == uris::timeout);
        auto* interrupt = callee->last<Interrupt>();
        REQUIRE(interrupt);
        CHECK(interrupt->request == inv.request);
        CHECK(interrupt->options == Dict{{"mode", "killnowait"}});
        CHECK(r.dealer().pending_call_count() == 0);
        // The callee's late answer is dropped.
        r.handle(10, Yield{inv.request, {}, {}});
        CHECK(caller->received<ResultMessage>().empty());
        r.tick(60'000);
        CHECK(caller->received<ErrorMessage>().size() == 1);
    }
    SECTION("a callee that cannot cancel gets no INTERRUPT") {
        r.handle(20, Call{3, Dict{{"timeout", 10}}, "com.example.plain", {}});
        r.tick(5'010);
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == uris::timeout);
        CHECK(plain->received<Interrupt>().empty());
        CHECK(r.dealer().pending_call_count() == 0);
    }
    SECTION("an answered call does not time out; timeout 0 means none") {
        r.handle(20, Call{3, Dict{{"timeout", 1000}}, "com.example.slow", {}});
        r.handle(10, Yield{last_invocation(*callee).request, {}, {}});
        r.handle(20, Call{4, Dict{{"timeout", 0}}, "com.example.slow", {}});
        r.tick(100'000);
        CHECK(caller->received<ErrorMessage>().empty());
        CHECK(r.dealer().pending_call_count() == 1);
    }
    SECTION("calls expire in deadline order, each at its own time") {
        r.handle(20, Call{1, Dict{{"timeout", 300}}, "com.example.slow", {}});
        r.handle(20, Call{2, Dict{{"timeout", 100}}, "com.example.slow", {}});
        r.handle(20, Call{3, Dict{{"timeout", 200}}, "com.example.slow", {}});
        r.tick(5'250);
        auto errors = caller->received<ErrorMessage>();
        REQUIRE(errors.size() == 2);
        CHECK(errors[0].request == 2);
        CHECK(errors[1].request == 3);
        CHECK(r.dealer().pending_call_count() == 1);
        r.tick(5'300);
        CHECK(caller->received<ErrorMessage>().size() == 3);
        CHECK(r.dealer().pending_call_count() == 0);
    }
    SECTION("with progressive results the timeout runs between results") {
        r.handle(20, Call{3, Dict{{"timeout", 1000}, {"receive_progress", true}}, "com.example.slow", {}});
        auto inv = last_invocation(*callee);
        r.tick(5'900);
        r.handle(10, Yield{inv.request, Dict{{"progress", true}}, args({1})});
        r.tick(6'500);
        CHECK(caller->received<ErrorMessage>().empty());
        r.tick(6'900);
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == uris::timeout);
    }
    SECTION("a registration with forward_timeout gets the timeout and runs it itself") {
        auto fwd = test::join(r, 12, "", "anonymous", roles({{"callee", {"call_timeout", "call_canceling"}}}));
        register_procedure(r, 12, *fwd, "com.example.fwd", Dict{{"forward_timeout", true}});
        r.handle(20, Call{3, Dict{{"timeout", 1000}}, "com.example.fwd", {}});
        auto inv = last_invocation(*fwd);
        REQUIRE(detail(inv.details, "timeout"));
        CHECK(*detail(inv.details, "timeout") == Value(1000));
        r.tick(100'000);
        CHECK(caller->received<ErrorMessage>().empty());
        r.handle(12, ErrorMessage{MessageType::invocation, inv.request, {}, std::string(uris::timeout), {}});
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == uris::timeout);
    }
    SECTION("a kill cancel still ends at the timeout if the callee never answers") {
        r.handle(20, Call{3, Dict{{"timeout", 1000}}, "com.example.slow", {}});
        r.handle(20, Cancel{3, Dict{{"mode", "kill"}}});
        CHECK(callee->received<Interrupt>().size() == 1);
        r.tick(6'000);
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->error == uris::timeout);
        CHECK(callee->received<Interrupt>().size() == 1);  // it was already told
        CHECK(r.dealer().pending_call_count() == 0);
    }
    SECTION("an invalid timeout is a protocol violation") {
        r.handle(20, Call{3, Dict{{"timeout", "soon"}}, "com.example.slow", {}});
        REQUIRE(caller->aborts.size() == 1);
        CHECK(caller->aborts[0] == uris::protocol_violation);
        CHECK(callee->received<Invocation>().empty());
    }
}

TEST_CASE("a callee leaving mid-call fails the call with canceled", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto callee = test::join(r, 10);
    auto caller = test::join(r, 20);
    auto other_caller = test::join(r, 21);
    register_procedure(r, 10, *callee, "com.example.proc");
    r.handle(20, Call{1, {}, "com.example.proc", {}});
    r.handle(20, Call{2, Dict{{"timeout", 1000}}, "com.example.proc", {}});
    r.handle(21, Call{1, {}, "com.example.proc", {}});
    CHECK(r.dealer().pending_call_count() == 3);

    r.leave(10);
    auto errors = caller->received<ErrorMessage>();
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].request == 1);
    CHECK(errors[0].error == uris::canceled);
    CHECK(errors[0].payload.args == List{"callee disconnected from in-flight request"});
    CHECK(errors[1].request == 2);
    REQUIRE(other_caller->last<ErrorMessage>());
    CHECK(other_caller->last<ErrorMessage>()->error == uris::canceled);
    CHECK(r.dealer().pending_call_count() == 0);
    CHECK(r.dealer().registration_count() == 0);
    CHECK(call_error(r, 20, *caller, "com.example.proc", {}, 3) == uris::no_such_procedure);
    // Its timer went with it.
    r.tick(10'000);
    CHECK(caller->received<ErrorMessage>().size() == 3);
}

TEST_CASE("a caller leaving mid-call interrupts callees that can cancel", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto canceling = test::join(r, 10, "", "anonymous", canceling_callee);
    auto plain = test::join(r, 11);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *canceling, "com.example.cancelable");
    register_procedure(r, 11, *plain, "com.example.plain");
    r.handle(20, Call{1, {}, "com.example.cancelable", {}});
    r.handle(20, Call{2, {}, "com.example.plain", {}});
    auto inv_canceling = last_invocation(*canceling);
    auto inv_plain = last_invocation(*plain);
    CHECK(r.dealer().pending_call_count() == 2);

    r.leave(20);
    auto* interrupt = canceling->last<Interrupt>();
    REQUIRE(interrupt);
    CHECK(interrupt->request == inv_canceling.request);
    CHECK(interrupt->options == Dict{{"mode", "killnowait"}});
    CHECK(plain->received<Interrupt>().empty());
    CHECK(r.dealer().pending_call_count() == 0);

    // Late answers from both callees are dropped silently.
    r.handle(10, ErrorMessage{MessageType::invocation, inv_canceling.request, {}, std::string(uris::canceled), {}});
    r.handle(11, Yield{inv_plain.request, {}, args({"late"})});
    CHECK(canceling->aborts.empty());
    CHECK(plain->aborts.empty());
    CHECK(caller->received<ResultMessage>().empty());
    CHECK(r.dealer().registration_count() == 2);
}

TEST_CASE("a session that is caller and callee of its own call leaves cleanly", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto both = test::join(r, 10, "", "anonymous", canceling_callee);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *both, "com.example.self");
    r.handle(10, Call{5, {}, "com.example.self", {}});
    r.handle(20, Call{1, {}, "com.example.self", {}});
    CHECK(both->received<Invocation>().size() == 2);
    r.leave(10);
    CHECK(both->received<Interrupt>().empty());  // no INTERRUPT to itself
    REQUIRE(caller->last<ErrorMessage>());
    CHECK(caller->last<ErrorMessage>()->error == uris::canceled);
    CHECK(r.dealer().pending_call_count() == 0);
    CHECK(r.dealer().registration_count() == 0);
    r.leave(10);  // idempotent
    CHECK(r.dealer().pending_call_count() == 0);
}

TEST_CASE("registration revocation with force_reregister", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    auto old_callee = test::join(r, 10, "", "anonymous", roles({{"callee", {"registration_revocation"}}}));
    auto quiet_callee = test::join(r, 11);
    auto new_callee = test::join(r, 12);
    auto caller = test::join(r, 20);
    Id old_reg = register_procedure(r, 10, *old_callee, "com.example.proc", Dict{{"invoke", "roundrobin"}});
    register_procedure(r, 11, *quiet_callee, "com.example.proc", Dict{{"invoke", "roundrobin"}});
    r.handle(20, Call{1, {}, "com.example.proc", {}});
    auto in_flight = last_invocation(*old_callee);

    Id new_reg = register_procedure(r, 12, *new_callee, "com.example.proc", Dict{{"force_reregister", true}});
    CHECK(new_reg != old_reg);
    auto* revoked = old_callee->last<Unregistered>();
    REQUIRE(revoked);
    CHECK(revoked->request == 0);
    CHECK(*find(revoked->details, "registration") == Value(old_reg));
    CHECK(*find(revoked->details, "reason") == Value(uris::unregistered));
    // Revocation is announced only to callees that understand it.
    CHECK(quiet_callee->received<Unregistered>().empty());
    CHECK(r.dealer().registration_count() == 1);

    // The call in flight still completes; new calls go to the new callee.
    r.handle(10, Yield{in_flight.request, {}, args({"finished"})});
    REQUIRE(caller->last<ResultMessage>());
    r.handle(20, Call{2, {}, "com.example.proc", {}});
    CHECK(last_invocation(*new_callee).registration == new_reg);
    // The old callees no longer hold the old registration.
    r.handle(10, Unregister{5, old_reg});
    REQUIRE(old_callee->last<ErrorMessage>());
    CHECK(old_callee->last<ErrorMessage>()->error == uris::no_such_registration);
}

TEST_CASE("Dealer::revoke removes one callee and tells it", "[realm][dealer]") {
    realm::RealmContext ctx;
    realm::Dealer dealer(ctx);
    auto join = [&](Id id, Dict roles) {
        auto peer = std::make_shared<FakePeer>();
        realm::SessionInfo info;
        info.id = id;
        info.client_roles = std::move(roles);
        auto& s = ctx.sessions.try_emplace(id, std::move(info), peer).first->second;
        return std::pair{peer, &s};
    };
    auto [a, sa] = join(1, roles({{"callee", {"registration_revocation"}}}));
    auto [b, sb] = join(2, {});
    dealer.register_procedure(*sa, Register{1, Dict{{"invoke", "first"}}, "com.example.proc"});
    dealer.register_procedure(*sb, Register{1, Dict{{"invoke", "first"}}, "com.example.proc"});
    REQUIRE(a->last<Registered>());
    Id reg = a->last<Registered>()->registration;

    CHECK_FALSE(dealer.revoke(reg, 99, "nobody"));
    CHECK_FALSE(dealer.revoke(reg + 1, 1, "no such registration"));
    CHECK(dealer.revoke(reg, 1, "moving endpoint to other callee"));
    auto* revoked = a->last<Unregistered>();
    REQUIRE(revoked);
    CHECK(revoked->details == Dict{{"registration", reg}, {"reason", "moving endpoint to other callee"}});
    CHECK_FALSE(dealer.revoke(reg, 1, "twice"));
    CHECK(dealer.registration_count() == 1);
    CHECK(dealer.revoke(reg, 2, "last one"));
    CHECK(b->received<Unregistered>().empty());  // did not announce registration_revocation
    CHECK(dealer.registration_count() == 0);
}

TEST_CASE("payload passthru: the payload and its ppt keys travel untouched", "[realm][dealer]") {
    realm::Realm r({"realm1"});
    const Dict ppt_roles = roles({{"caller", {"payload_passthru_mode"}}, {"callee", {"payload_passthru_mode"}}});
    auto callee = test::join(r, 10, "", "anonymous", ppt_roles);
    auto caller = test::join(r, 20, "", "anonymous", ppt_roles);
    auto plain_callee = test::join(r, 11);
    auto plain_caller = test::join(r, 21);
    register_procedure(r, 10, *callee, "com.example.e2e");
    register_procedure(r, 11, *plain_callee, "com.example.plain");
    Payload sealed{{}, {}, Value(Bytes{"\x01\x02secret"})};
    const Dict ppt{{"ppt_scheme", "x_custom"}, {"ppt_serializer", "cbor"}};

    SECTION("both ends announced it") {
        r.handle(20, Call{1, ppt, "com.example.e2e", sealed});
        auto inv = last_invocation(*callee);
        CHECK(inv.payload == sealed);
        CHECK(inv.details == ppt);
        r.handle(10, Yield{inv.request, ppt, sealed});
        REQUIRE(caller->last<ResultMessage>());
        CHECK(caller->last<ResultMessage>()->payload == sealed);
        CHECK(caller->last<ResultMessage>()->details == ppt);
        // Errors carry them too.
        r.handle(20, Call{2, ppt, "com.example.e2e", sealed});
        r.handle(10, ErrorMessage{MessageType::invocation, last_invocation(*callee).request, ppt, "com.example.failed",
                                  sealed});
        REQUIRE(caller->last<ErrorMessage>());
        CHECK(caller->last<ErrorMessage>()->details == ppt);
        CHECK(caller->last<ErrorMessage>()->payload == sealed);
    }
    SECTION("a callee without the feature: feature_not_supported to the caller") {
        CHECK(call_error(r, 20, *caller, "com.example.plain", ppt) == uris::feature_not_supported);
        CHECK(plain_callee->received<Invocation>().empty());
    }
    SECTION("a caller that did not announce it: protocol violation") {
        r.handle(21, Call{1, ppt, "com.example.e2e", sealed});
        REQUIRE(plain_caller->aborts.size() == 1);
        CHECK(plain_caller->aborts[0] == uris::protocol_violation);
    }
    SECTION("a passthru YIELD to a caller without the feature is refused to the callee") {
        r.handle(21, Call{1, {}, "com.example.e2e", {}});
        auto inv = last_invocation(*callee);
        r.handle(10, Yield{inv.request, ppt, sealed});
        auto* err = callee->last<ErrorMessage>();
        REQUIRE(err);
        CHECK(err->request_type == MessageType::yield);
        CHECK(err->request == inv.request);
        CHECK(err->error == uris::feature_not_supported);
        CHECK(plain_caller->delivered.empty());
        // The callee can still answer in plain form.
        r.handle(10, Yield{inv.request, {}, args({"plain"})});
        REQUIRE(plain_caller->last<ResultMessage>());
    }
    SECTION("a passthru YIELD from a callee that did not announce it: protocol violation") {
        r.handle(20, Call{1, {}, "com.example.plain", {}});
        r.handle(11, Yield{last_invocation(*plain_callee).request, ppt, sealed});
        REQUIRE(plain_callee->aborts.size() == 1);
        CHECK(plain_callee->aborts[0] == uris::protocol_violation);
        CHECK(caller->received<ResultMessage>().empty());
    }
}

TEST_CASE("a caller's calls in flight are bounded: the one beyond the limit fails, later ones pass again", "[realm][dealer]") {
    realm::RealmOptions options{"realm1"};
    options.max_pending_calls = 3;
    realm::Realm r(std::move(options));
    auto callee = test::join(r, 10);
    auto caller = test::join(r, 20);
    register_procedure(r, 10, *callee, "com.example.slow");
    for (Id request = 1; request <= 3; ++request) r.handle(20, Call{request, {}, "com.example.slow", {}});
    CHECK(callee->received<Invocation>().size() == 3);
    CHECK(call_error(r, 20, *caller, "com.example.slow", {}, 4) == uris::too_many_pending_calls);
    CHECK(callee->received<Invocation>().size() == 3);  // the refused call never reached the callee
    CHECK(r.dealer().pending_call_count() == 3);
    CHECK(caller->aborts.empty());  // refused, not disconnected

    r.handle(10, Yield{1, {}, {}});  // one answer frees one place
    r.handle(20, Call{5, {}, "com.example.slow", {}});
    CHECK(callee->received<Invocation>().size() == 4);
    CHECK(call_error(r, 20, *caller, "com.example.slow", {}, 6) == uris::too_many_pending_calls);
}

TEST_CASE("a callee's invocations held are bounded across callers", "[realm][dealer]") {
    realm::RealmOptions options{"realm1"};
    options.max_pending_calls = 2;
    realm::Realm r(std::move(options));
    auto stuck = test::join(r, 10);
    auto other = test::join(r, 11);
    auto a = test::join(r, 20);
    auto b = test::join(r, 21);
    register_procedure(r, 10, *stuck, "com.example.stuck");
    register_procedure(r, 11, *other, "com.example.other");
    r.handle(20, Call{1, {}, "com.example.stuck", {}});
    r.handle(21, Call{1, {}, "com.example.stuck", {}});
    CHECK(stuck->received<Invocation>().size() == 2);
    // Caller b has one call in flight, but the callee it would go to holds the limit.
    CHECK(call_error(r, 21, *b, "com.example.stuck", {}, 2) == uris::too_many_pending_calls);
    auto* refused = b->last<ErrorMessage>();
    REQUIRE(refused);
    REQUIRE(refused->payload.args.size() == 1);
    CHECK(refused->payload.args[0].as_string()->find("callee") != std::string::npos);
    // Other callees are unaffected.
    r.handle(21, Call{3, {}, "com.example.other", {}});
    CHECK(other->received<Invocation>().size() == 1);
    // A callee that leaves fails what it held and frees its places.
    r.leave(10);
    CHECK(a->last<ErrorMessage>());
    CHECK(r.dealer().pending_call_count() == 1);
}
