#include <catch2/catch.hpp>

#include "fake_peer.hpp"
#include "serializers/error_uris.hpp"

using namespace flyover;

TEST_CASE("a joined session is counted and leave is idempotent", "[realm]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1);
    auto b = test::join(r, 2);
    CHECK(r.session_count() == 2);
    r.leave(1);
    r.leave(1);
    r.leave(99);
    CHECK(r.session_count() == 1);
}

TEST_CASE("a session-level message inside an established session is a protocol violation", "[realm]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1);
    r.handle(1, Hello{"realm1", {}});
    REQUIRE(a->aborts.size() == 1);
    CHECK(a->aborts[0] == uris::protocol_violation);
    CHECK(a->abort_messages[0].find("HELLO") != std::string::npos);
}

TEST_CASE("ERROR is accepted only in reply to INVOCATION", "[realm]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1);
    r.handle(1, ErrorMessage{MessageType::call, 5, {}, "com.example.error", {}});
    REQUIRE(a->aborts.size() == 1);
    CHECK(a->aborts[0] == uris::protocol_violation);
}

TEST_CASE("messages from a session that already left are dropped", "[realm]") {
    realm::Realm r({"realm1"});
    auto a = test::join(r, 1);
    r.leave(1);
    r.handle(1, Subscribe{1, {}, "com.example.topic"});
    CHECK(a->delivered.empty());
    CHECK(a->aborts.empty());
}
