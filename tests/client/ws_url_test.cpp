// WebSocket URL parsing for the client's transport.

#include <catch2/catch.hpp>

#include "client/ws_url.hpp"

using namespace flyover::client;

TEST_CASE("ws:// URLs split into host, port and target", "[client][url]") {
    auto u = parse_ws_url("ws://127.0.0.1:8080/ws");
    REQUIRE(u.ok());
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == "8080");
    CHECK(u->target == "/ws");

    auto d = parse_ws_url("ws://example.com");
    REQUIRE(d.ok());
    CHECK(d->port == "80");
    CHECK(d->target == "/");

    auto q = parse_ws_url("ws://example.com:9000?x=1");
    REQUIRE(q.ok());
    CHECK(q->target == "/?x=1");

    auto v6 = parse_ws_url("ws://[::1]:8080/ws?a=b");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK(v6->port == "8080");
    CHECK(v6->target == "/ws?a=b");
}

TEST_CASE("bad WebSocket URLs are refused with a reason", "[client][url]") {
    for (auto bad : {"http://host/ws", "wss://host/ws", "ws://", "ws://:80/ws", "ws://host:0/", "ws://host:99999/",
                     "ws://host:8x/", "ws://[::1/ws", "ws://user@host/ws", "ws://[::1]x/"}) {
        INFO(bad);
        auto r = parse_ws_url(bad);
        CHECK_FALSE(r.ok());
        if (!r.ok()) CHECK_FALSE(r.error().message.empty());
    }
    CHECK(parse_ws_url("wss://h/").error().message.find("not supported") != std::string::npos);
}
