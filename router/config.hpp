#pragma once
// The router's configuration (conf/flyover.json, documented in conf/README.md) and its loader. A config
// error names the file, the JSON path and what was expected; the router refuses to start on any error.
// Thread affinity: loaded once at start, then read-only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "realm/role_permissions.hpp"
#include "serializers/result.hpp"
#include "serializers/uri.hpp"

namespace flyover::router {

struct ListenerConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string websocket_path = "/ws";
    /// Folder of static files served on the same port; empty = no static files.
    std::string static_dir;
    /// Allowed Origin header values; "*" allows any (and requests without Origin are always allowed).
    std::vector<std::string> allowed_origins{"*"};
    std::size_t max_message_size = 16 * 1024 * 1024;
    std::uint32_t ping_interval_ms = 30000;
    std::uint32_t ping_timeout_ms = 10000;
    std::uint32_t handshake_timeout_ms = 10000;
};

/// One event history rule of a realm: the events of `topic` (a pattern per `match`) that the realm keeps for
/// wamp.subscription.get_events (realm::EventHistoryRule).
struct EventHistoryConfig {
    std::string topic;
    MatchPolicy match = MatchPolicy::exact;
    /// Events kept per topic.
    std::size_t limit = 100;
    /// Events older than this are dropped; 0 = no age limit.
    std::uint32_t max_age_s = 0;
    /// Topics kept for this rule (the one published to least recently is dropped first).
    std::size_t max_topics = 1000;
};

struct RealmConfig {
    std::string name;
    bool anonymous_enabled = false;
    std::string anonymous_role = "anonymous";
    /// Anonymous sessions take the authid they ask for in HELLO.Details.authid (a nickname) instead of a
    /// generated one; a HELLO without one is refused.
    bool anonymous_authid_from_hello = false;
    /// At most one session per authid in this realm at a time; a second HELLO with a live authid is refused.
    bool unique_authid = false;
    UriRule uri_rule = UriRule::loose;
    /// Topics whose recent events the realm keeps (event history), first matching rule wins.
    std::vector<EventHistoryConfig> event_history;
    /// Per-role permissions. Absent: every session may do everything (the development default). Present:
    /// deny by default, and each role may do only what its permissions allow.
    std::optional<std::vector<realm::RolePermissions>> roles;
};

struct SessionLimits {
    std::size_t write_queue_messages = 10000;
    std::size_t write_queue_bytes = 16 * 1024 * 1024;
    /// Calls in flight a session may have made, and invocations it may hold as callee (realm::RealmContext).
    std::size_t pending_calls = 10000;
};

struct Config {
    /// I/O threads; 0 = hardware concurrency.
    unsigned threads = 0;
    /// Microseconds an I/O thread keeps polling after its last piece of work before it sleeps; 0 = sleep at
    /// once. Lower latency for more CPU (router/event_loop.hpp).
    unsigned busy_poll_us = 0;
    /// Microseconds an I/O thread sleeps when it was at least 95 % busy for three batch_after_us in a row, with
    /// reads that carried fewer than two frames each, so that the messages arriving meanwhile are read, routed and
    /// written in bigger batches; 0 = never (router/event_loop.hpp). Fewer system calls per message under
    /// sustained load, at most this much latency once per batch_after_us.
    unsigned batch_pause_us = 50;
    unsigned batch_after_us = 1000;
    std::string log_level = "info";
    std::vector<ListenerConfig> listeners;
    std::vector<RealmConfig> realms;
    SessionLimits session_limits;
};

/// Parses config JSON text; `file` is used in error messages only.
Result<Config> parse_config(std::string_view json_text, const std::string& file);
/// Reads and parses a config file.
Result<Config> load_config(const std::string& path);

}  // namespace flyover::router
