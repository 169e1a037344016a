#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <unistd.h>
#include <fstream>

#include "router/config.hpp"

using namespace flyover;
using namespace flyover::router;

namespace {
const char* minimal = R"({"listeners":[{"port":0}],"realms":[{"name":"realm1"}]})";

std::string error_of(const std::string& json) {
    auto c = parse_config(json, "test.json");
    REQUIRE_FALSE(c.ok());
    return c.error().message;
}
}  // namespace

TEST_CASE("a minimal config gets the documented defaults", "[router][config]") {
    auto c = parse_config(minimal, "test.json");
    REQUIRE(c.ok());
    CHECK(c->threads == 0);
    CHECK(c->busy_poll_us == 0);  // sleep between events unless the operator trades CPU for latency
    CHECK(c->batch_pause_us == 50);  // batch under sustained load (router/event_loop.hpp)
    CHECK(c->batch_after_us == 1000);
    CHECK(c->log_level == "info");
    REQUIRE(c->listeners.size() == 1);
    auto& l = c->listeners[0];
    CHECK(l.address == "127.0.0.1");
    CHECK(l.port == 0);
    CHECK(l.websocket_path == "/ws");
    CHECK(l.allowed_origins == std::vector<std::string>{"*"});
    CHECK(l.max_message_size == 16 * 1024 * 1024);
    REQUIRE(c->realms.size() == 1);
    CHECK(c->realms[0].name == "realm1");
    CHECK_FALSE(c->realms[0].anonymous_enabled);  // deny by default
    CHECK(c->session_limits.write_queue_messages == 10000);
    CHECK(c->session_limits.pending_calls == 10000);
}

TEST_CASE("every documented key is read", "[router][config]") {
    auto c = parse_config(R"({
        "threads": 3, "busy_poll_us": 50, "batch_pause_us": 0, "batch_after_us": 200, "log_level": "debug",
        "listeners": [{"address": "0.0.0.0", "port": 9000, "websocket_path": "/wamp", "static_dir": "/srv/www",
                       "allowed_origins": ["https://example.com"], "max_message_size": 65536,
                       "ping_interval_ms": 1000, "ping_timeout_ms": 500, "handshake_timeout_ms": 2000}],
        "realms": [{"name": "chat", "anonymous": {"enabled": true, "role": "guest"}, "uri_check": "strict"}],
        "session_limits": {"write_queue_messages": 50, "write_queue_bytes": 4096, "pending_calls": 7}})",
                          "test.json");
    REQUIRE(c.ok());
    CHECK(c->threads == 3);
    CHECK(c->batch_pause_us == 0);
    CHECK(c->batch_after_us == 200);
    CHECK(c->busy_poll_us == 50);
    CHECK(c->log_level == "debug");
    auto& l = c->listeners[0];
    CHECK(l.address == "0.0.0.0");
    CHECK(l.port == 9000);
    CHECK(l.websocket_path == "/wamp");
    CHECK(l.static_dir == "/srv/www");
    CHECK(l.allowed_origins == std::vector<std::string>{"https://example.com"});
    CHECK(l.max_message_size == 65536);
    CHECK(l.ping_interval_ms == 1000);
    CHECK(l.ping_timeout_ms == 500);
    CHECK(l.handshake_timeout_ms == 2000);
    CHECK(c->realms[0].anonymous_enabled);
    CHECK(c->realms[0].anonymous_role == "guest");
    CHECK(c->realms[0].uri_rule == UriRule::strict);
    CHECK(c->session_limits.write_queue_messages == 50);
    CHECK(c->session_limits.write_queue_bytes == 4096);
    CHECK(c->session_limits.pending_calls == 7);
}

TEST_CASE("config errors name the file, the JSON path and what was expected", "[router][config]") {
    CHECK(error_of("{not json").find("test.json: invalid JSON") == 0);
    CHECK(error_of("[]").find("test.json: $: expected an object") == 0);
    CHECK(error_of(R"({"realms":[{"name":"r"}]})").find("$.listeners") != std::string::npos);
    CHECK(error_of(R"({"listeners":[{"port":0}]})").find("$.realms") != std::string::npos);
    CHECK(error_of(R"({"listeners":[{"port":0}],"realms":[]})").find("$.realms") != std::string::npos);

    auto port = error_of(R"({"listeners":[{"port":"80"}],"realms":[{"name":"r"}]})");
    CHECK(port.find("$.listeners[0].port") != std::string::npos);
    CHECK(port.find("expected an integer in [0, 65535]") != std::string::npos);
    CHECK(error_of(R"({"listeners":[{"port":70000}],"realms":[{"name":"r"}]})").find("$.listeners[0].port") != std::string::npos);

    auto typo = error_of(R"({"listeners":[{"prot":80}],"realms":[{"name":"r"}]})");
    CHECK(typo.find("$.listeners[0].prot: unknown key") != std::string::npos);

    CHECK(error_of(R"({"listeners":[{"websocket_path":"ws"}],"realms":[{"name":"r"}]})").find("starting with '/'") != std::string::npos);
    CHECK(error_of(R"({"listeners":[{}],"realms":[{"anonymous":{"enabled":true}}]})").find("$.realms[0]: missing required key \"name\"") != std::string::npos);
    CHECK(error_of(R"({"listeners":[{}],"realms":[{"name":"bad realm"}]})").find("$.realms[0].name") != std::string::npos);
    CHECK(error_of(R"({"listeners":[{}],"realms":[{"name":"r","anonymous":{"enabled":"yes"}}]})").find("$.realms[0].anonymous.enabled: expected true or false") != std::string::npos);
    CHECK(error_of(R"({"listeners":[{}],"realms":[{"name":"r","uri_check":"medium"}]})").find("$.realms[0].uri_check") != std::string::npos);
    CHECK(error_of(R"({"listeners":[{}],"realms":[{"name":"r"},{"name":"r"}]})").find("defined twice") != std::string::npos);
    CHECK(error_of(R"({"log_level":"loud","listeners":[{}],"realms":[{"name":"r"}]})").find("$.log_level") != std::string::npos);
    CHECK(error_of(R"({"threads":-1,"listeners":[{}],"realms":[{"name":"r"}]})").find("$.threads") != std::string::npos);
    CHECK(error_of(R"({"busy_poll_us":100001,"listeners":[{}],"realms":[{"name":"r"}]})").find("$.busy_poll_us") !=
          std::string::npos);
    CHECK(error_of(R"({"batch_pause_us":10001,"listeners":[{}],"realms":[{"name":"r"}]})").find("$.batch_pause_us") !=
          std::string::npos);
    CHECK(error_of(R"({"batch_after_us":99,"listeners":[{}],"realms":[{"name":"r"}]})").find("$.batch_after_us") !=
          std::string::npos);
    CHECK(error_of(R"({"listeners":[{"allowed_origins":[1]}],"realms":[{"name":"r"}]})").find("$.listeners[0].allowed_origins[0]") != std::string::npos);
    CHECK(error_of(R"({"listeners":[{}],"realms":[{"name":"r"}],"session_limits":{"write_queue_messages":0}})").find("$.session_limits.write_queue_messages") != std::string::npos);
}

TEST_CASE("load_config reads a file and reports a missing one", "[router][config]") {
    auto missing = load_config("/nonexistent/flyover.json");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "/nonexistent/flyover.json: cannot open the config file");

    auto dir = std::filesystem::temp_directory_path() / ("flyover-config-dir-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir / "conf");
    std::filesystem::create_directories(dir / "site");
    auto write = [&](const std::string& json) {
        std::ofstream(dir / "conf" / "f.json") << json;
        return load_config((dir / "conf" / "f.json").string());
    };
    auto relative = write(R"({"listeners":[{"static_dir":"../site"}],"realms":[{"name":"r"}]})");
    REQUIRE(relative.ok());
    CHECK(relative->listeners[0].static_dir == (dir / "site").lexically_normal().string());
    auto absent = write(R"({"listeners":[{"static_dir":"../nowhere"}],"realms":[{"name":"r"}]})");
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.error().message.find("$.listeners[0].static_dir: expected an existing folder") != std::string::npos);
    std::filesystem::remove_all(dir);

    std::string path = (std::filesystem::temp_directory_path() / ("flyover-config-" + std::to_string(::getpid()) + ".json")).string();
    {
        std::ofstream out(path);
        out << minimal;
    }
    auto c = load_config(path);
    std::remove(path.c_str());
    REQUIRE(c.ok());
    CHECK(c->realms[0].name == "realm1");
}

TEST_CASE("the shipped conf/flyover.json is valid and serves realm1 and chat", "[router][config]") {
    auto c = load_config(FLYOVER_SOURCE_DIR "/conf/flyover.json");
    REQUIRE(c.ok());
    CHECK(c->listeners[0].static_dir == FLYOVER_SOURCE_DIR "/examples/chat");
    CHECK(c->listeners[0].port == 8080);
    CHECK(c->listeners[0].websocket_path == "/ws");
    bool realm1 = false, chat = false;
    for (auto& r : c->realms) {
        if (r.name == "realm1") realm1 = r.anonymous_enabled;
        if (r.name == "chat") {
            chat = true;
            // The chat page (examples/chat) reads each room's last messages from the event history.
            REQUIRE(r.event_history.size() == 1);
            CHECK(r.event_history[0].topic == "chat.room.");
            CHECK(r.event_history[0].match == MatchPolicy::prefix);
            CHECK(r.event_history[0].limit == 50);
        }
    }
    CHECK(realm1);
    CHECK(chat);
}

TEST_CASE("anonymous authids can come from HELLO and be unique per realm", "[router][config]") {
    auto c = parse_config(R"({"listeners":[{}],"realms":[
        {"name":"chat","anonymous":{"enabled":true,"role":"chatter","authid":"from_hello"},"unique_authid":true},
        {"name":"realm1","anonymous":{"enabled":true,"authid":"generated"}}]})",
                          "test.json");
    REQUIRE(c.ok());
    CHECK(c->realms[0].anonymous_authid_from_hello);
    CHECK(c->realms[0].unique_authid);
    CHECK_FALSE(c->realms[1].anonymous_authid_from_hello);
    CHECK_FALSE(c->realms[1].unique_authid);
    CHECK(error_of(R"({"listeners":[{}],"realms":[{"name":"r","anonymous":{"authid":"random"}}]})")
              .find("$.realms[0].anonymous.authid: expected \"generated\" or \"from_hello\"") != std::string::npos);
    CHECK(error_of(R"({"listeners":[{}],"realms":[{"name":"r","unique_authid":1}]})").find("$.realms[0].unique_authid") !=
          std::string::npos);
}

TEST_CASE("event history rules are read with their defaults", "[router][config]") {
    auto c = parse_config(R"({"listeners":[{}],"realms":[{"name":"chat","event_history":[
        {"topic":"chat.room.","match":"prefix","limit":50},
        {"topic":"com.example.log","max_age_s":60,"max_topics":1},
        {"topic":"com..status","match":"wildcard"}]}]})",
                          "test.json");
    REQUIRE(c.ok());
    auto& h = c->realms[0].event_history;
    REQUIRE(h.size() == 3);
    CHECK(h[0].topic == "chat.room.");
    CHECK(h[0].match == MatchPolicy::prefix);
    CHECK(h[0].limit == 50);
    CHECK(h[0].max_age_s == 0);
    CHECK(h[0].max_topics == 1000);
    CHECK(h[1].match == MatchPolicy::exact);
    CHECK(h[1].limit == 100);  // Crossbar's default
    CHECK(h[1].max_age_s == 60);
    CHECK(h[1].max_topics == 1);
    CHECK(h[2].match == MatchPolicy::wildcard);
    CHECK(parse_config(minimal, "test.json")->realms[0].event_history.empty());
}

TEST_CASE("event history config errors name the rule and the key", "[router][config]") {
    auto realm = [](const std::string& history) {
        return R"({"listeners":[{}],"realms":[{"name":"r","event_history":)" + history + "}]}";
    };
    CHECK(error_of(realm(R"({"topic":"a"})")).find("$.realms[0].event_history: expected a list") != std::string::npos);
    CHECK(error_of(realm(R"([{"limit":5}])")).find("$.realms[0].event_history[0]: missing required key \"topic\"") !=
          std::string::npos);
    CHECK(error_of(realm(R"([{"topic":"a","lmit":5}])")).find("$.realms[0].event_history[0].lmit: unknown key") !=
          std::string::npos);
    CHECK(error_of(realm(R"([{"topic":"a","limit":0}])")).find("$.realms[0].event_history[0].limit: expected an integer") !=
          std::string::npos);
    CHECK(error_of(realm(R"([{"topic":"a","max_age_s":-1}])")).find("$.realms[0].event_history[0].max_age_s") !=
          std::string::npos);
    CHECK(error_of(realm(R"([{"topic":"a","max_topics":0}])")).find("$.realms[0].event_history[0].max_topics") !=
          std::string::npos);
    CHECK(error_of(realm(R"([{"topic":"a","match":"regex"}])"))
              .find("$.realms[0].event_history[0].match: expected \"exact\", \"prefix\" or \"wildcard\"") !=
          std::string::npos);
    CHECK(error_of(realm(R"([{"topic":""}])")).find("$.realms[0].event_history[0].topic") != std::string::npos);
    // A wildcard topic is not a valid exact URI; under strict URI rules upper case is not valid either.
    CHECK(error_of(realm(R"([{"topic":"a..b"}])")).find("$.realms[0].event_history[0].topic: expected a valid URI") !=
          std::string::npos);
    CHECK(error_of(R"({"listeners":[{}],"realms":[{"name":"r","uri_check":"strict","event_history":[{"topic":"Chat.Room"}]}]})")
              .find("$.realms[0].event_history[0].topic") != std::string::npos);
    CHECK(error_of(realm(R"([{"topic":"a.b"},{"topic":"a.b","limit":3}])"))
              .find("$.realms[0].event_history[1].topic: \"a.b\" with this match policy is listed twice") !=
          std::string::npos);
    CHECK(parse_config(realm(R"([{"topic":"a.b"},{"topic":"a.b","match":"prefix"}])"), "test.json").ok());
}

TEST_CASE("realm roles and permissions are read and checked", "[router][config]") {
    auto c = parse_config(R"({"listeners":[{}],"realms":[{"name":"chat",
        "anonymous":{"enabled":true,"role":"chatter"},
        "roles":[{"name":"chatter","permissions":[
            {"uri":"chat.","match":"prefix","allow":{"publish":true,"subscribe":true}},
            {"uri":"wamp.session.list","allow":{"call":true}},
            {"uri":"","match":"prefix","allow":{}}]},
          {"name":"backend","permissions":[{"uri":"com..calc","match":"wildcard","allow":{"register":true}}]}]}]})",
                          "test.json");
    REQUIRE(c.ok());
    REQUIRE(c->realms[0].roles);
    auto& roles = *c->realms[0].roles;
    REQUIRE(roles.size() == 2);
    CHECK(roles[0].role == "chatter");
    REQUIRE(roles[0].permissions.size() == 3);
    CHECK(roles[0].permissions[0].match == MatchPolicy::prefix);
    CHECK(roles[0].permissions[0].publish);
    CHECK(roles[0].permissions[0].subscribe);
    CHECK_FALSE(roles[0].permissions[0].call);
    CHECK(roles[0].permissions[1].call);
    CHECK(roles[1].permissions[0].reg);
    CHECK_FALSE(parse_config(R"({"listeners":[{}],"realms":[{"name":"r"}]})", "t").value().realms[0].roles);

    auto err = [](const char* realm) {
        auto r = parse_config(std::string(R"({"listeners":[{}],"realms":[)") + realm + "]}", "test.json");
        REQUIRE_FALSE(r.ok());
        return r.error().message;
    };
    CHECK(err(R"({"name":"r","roles":[{"permissions":[]}]})").find("$.realms[0].roles[0]: missing required key \"name\"") != std::string::npos);
    CHECK(err(R"({"name":"r","roles":[{"name":"a","permissions":[{"allow":{}}]}]})").find("$.realms[0].roles[0].permissions[0]: missing required key \"uri\"") != std::string::npos);
    CHECK(err(R"({"name":"r","roles":[{"name":"a","permissions":[{"uri":"a..b"}]}]})").find("$.realms[0].roles[0].permissions[0].uri") != std::string::npos);
    CHECK(err(R"({"name":"r","roles":[{"name":"a","permissions":[{"uri":"a","allow":{"kill":true}}]}]})").find("$.realms[0].roles[0].permissions[0].allow.kill: unknown key") != std::string::npos);
    CHECK(err(R"({"name":"r","roles":[{"name":"a","permissions":[{"uri":"a","allow":{"call":1}}]}]})").find("allow.call: expected true or false") != std::string::npos);
    CHECK(err(R"({"name":"r","roles":[{"name":"a","permissions":[]},{"name":"a","permissions":[]}]})").find("$.realms[0].roles[1].name: role \"a\" is defined twice") != std::string::npos);
    CHECK(err(R"({"name":"r","anonymous":{"enabled":true,"role":"guest"},"roles":[{"name":"a","permissions":[]}]})").find("$.realms[0].anonymous.role: role \"guest\" is not in this realm's roles") != std::string::npos);
}
