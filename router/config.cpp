#include "router/config.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "serializers/codec.hpp"
#include "serializers/value.hpp"

namespace flyover::router {
namespace {

/// Walks the parsed JSON, remembering the first error with its JSON path.
class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    bool failed() const { return !error_.empty(); }
    Error error() const { return Error{error_}; }

    void fail(const std::string& path, const std::string& what) {
        if (error_.empty()) error_ = file_ + ": " + path + ": " + what;
    }

    static std::string got(const Value& v) {
        auto text = to_debug_string(v);
        if (text.size() > 60) text = text.substr(0, 57) + "...";
        return ", got " + text;
    }

    /// Calls `on_key` for each member of a dict at `path`; unknown keys are errors (they are usually typos).
    void object(const Value& v, const std::string& path, const std::set<std::string>& known,
                const std::function<void(const std::string& key, const Value& value, const std::string& path)>& on_key) {
        auto d = v.as_dict();
        if (!d) return fail(path, "expected an object" + got(v));
        for (auto& [key, value] : *d) {
            if (failed()) return;
            if (!known.count(key)) {
                std::string list;
                for (auto& k : known) list += (list.empty() ? "" : ", ") + k;
                return fail(path + "." + key, "unknown key (expected one of: " + list + ")");
            }
            on_key(key, value, path + "." + key);
        }
    }

    void string(const Value& v, const std::string& path, std::string& out, bool allow_empty = true) {
        auto s = v.as_string();
        if (!s || (!allow_empty && s->empty())) return fail(path, "expected a non-empty string" + got(v));
        out = *s;
    }

    void boolean(const Value& v, const std::string& path, bool& out) {
        auto b = v.as_bool();
        if (!b) return fail(path, "expected true or false" + got(v));
        out = *b;
    }

    template <class N>
    void number(const Value& v, const std::string& path, N& out, std::uint64_t min, std::uint64_t max) {
        auto u = v.as_uint();
        if (!u || *u < min || *u > max)
            return fail(path, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]" + got(v));
        out = static_cast<N>(*u);
    }

    void strings(const Value& v, const std::string& path, std::vector<std::string>& out) {
        auto l = v.as_list();
        if (!l) return fail(path, "expected a list of strings" + got(v));
        out.clear();
        for (std::size_t i = 0; i < l->size(); ++i) {
            auto s = (*l)[i].as_string();
            if (!s) return fail(path + "[" + std::to_string(i) + "]", "expected a string" + got((*l)[i]));
            out.push_back(*s);
        }
    }

    void match_policy(const Value& v, const std::string& path, MatchPolicy& out) {
        std::string match;
        string(v, path, match);
        if (match == "exact") out = MatchPolicy::exact;
        else if (match == "prefix") out = MatchPolicy::prefix;
        else if (match == "wildcard") out = MatchPolicy::wildcard;
        else if (!failed()) fail(path, "expected \"exact\", \"prefix\" or \"wildcard\", got \"" + match + "\"");
    }

    template <class T>
    void list(const Value& v, const std::string& path, std::vector<T>& out,
              const std::function<void(const Value&, const std::string&, T&)>& item) {
        auto l = v.as_list();
        if (!l) return fail(path, "expected a list" + got(v));
        out.clear();
        for (std::size_t i = 0; i < l->size() && !failed(); ++i) {
            T t;
            item((*l)[i], path + "[" + std::to_string(i) + "]", t);
            out.push_back(std::move(t));
        }
    }

private:
    std::string file_;
    std::string error_;
};

void read_listener(Reader& r, const Value& v, const std::string& path, ListenerConfig& l) {
    r.object(v, path,
             {"address", "port", "websocket_path", "static_dir", "allowed_origins", "max_message_size",
              "ping_interval_ms", "ping_timeout_ms", "handshake_timeout_ms"},
             [&](const std::string& key, const Value& val, const std::string& p) {
                 if (key == "address") r.string(val, p, l.address, false);
                 else if (key == "port") r.number(val, p, l.port, 0, 65535);
                 else if (key == "websocket_path") {
                     r.string(val, p, l.websocket_path, false);
                     if (!r.failed() && l.websocket_path[0] != '/') r.fail(p, "expected a path starting with '/'");
                 } else if (key == "static_dir") r.string(val, p, l.static_dir);
                 else if (key == "allowed_origins") r.strings(val, p, l.allowed_origins);
                 else if (key == "max_message_size") r.number(val, p, l.max_message_size, 1024, 1ULL << 30);
                 else if (key == "ping_interval_ms") r.number(val, p, l.ping_interval_ms, 0, 3600000);
                 else if (key == "ping_timeout_ms") r.number(val, p, l.ping_timeout_ms, 100, 3600000);
                 else if (key == "handshake_timeout_ms") r.number(val, p, l.handshake_timeout_ms, 100, 3600000);
             });
}

void read_event_history(Reader& r, const Value& v, const std::string& path, EventHistoryConfig& h) {
    bool has_topic = false;
    r.object(v, path, {"topic", "match", "limit", "max_age_s", "max_topics"},
             [&](const std::string& key, const Value& val, const std::string& p) {
                 if (key == "topic") {
                     r.string(val, p, h.topic, false);
                     has_topic = true;
                 } else if (key == "match") {
                     r.match_policy(val, p, h.match);
                 } else if (key == "limit") r.number(val, p, h.limit, 1, 1000000);
                 else if (key == "max_age_s") r.number(val, p, h.max_age_s, 0, 31536000);
                 else r.number(val, p, h.max_topics, 1, 1000000);
             });
    if (!r.failed() && !has_topic) r.fail(path, "missing required key \"topic\"");
}

/// Checks what needs the whole realm object: topic patterns under the realm's URI rule, no rule twice.
void check_event_history(Reader& r, const std::string& path, const RealmConfig& realm) {
    std::set<std::pair<std::string, MatchPolicy>> seen;
    for (std::size_t i = 0; i < realm.event_history.size() && !r.failed(); ++i) {
        auto& h = realm.event_history[i];
        auto p = path + ".event_history[" + std::to_string(i) + "].topic";
        if (!is_valid_pattern(h.topic, h.match, realm.uri_rule))
            r.fail(p, "expected a valid " + std::string(h.match == MatchPolicy::exact ? "URI" : "URI pattern") +
                          " for this match policy, got \"" + h.topic + "\"");
        else if (!seen.emplace(h.topic, h.match).second)
            r.fail(p, "\"" + h.topic + "\" with this match policy is listed twice");
    }
}

void read_permission(Reader& r, const Value& v, const std::string& path, realm::Permission& perm, UriRule rule) {
    bool has_uri = false;
    r.object(v, path, {"uri", "match", "allow"}, [&](const std::string& key, const Value& val, const std::string& p) {
        if (key == "uri") {
            r.string(val, p, perm.uri);
            has_uri = true;
        } else if (key == "match") {
            r.match_policy(val, p, perm.match);
        } else {
            r.object(val, p, {"call", "register", "publish", "subscribe"}, [&](const std::string& k, const Value& x, const std::string& q) {
                r.boolean(x, q, k == "call" ? perm.call : k == "register" ? perm.reg : k == "publish" ? perm.publish : perm.subscribe);
            });
        }
    });
    if (r.failed()) return;
    if (!has_uri) return r.fail(path, "missing required key \"uri\"");
    // An empty prefix is the catch-all permission ("everything"); anything else must be a valid pattern.
    bool catch_all = perm.uri.empty() && perm.match == MatchPolicy::prefix;
    if (!catch_all && !is_valid_pattern(perm.uri, perm.match, rule))
        r.fail(path + ".uri", "expected a valid URI pattern for match \"" +
                                  std::string(perm.match == MatchPolicy::exact ? "exact" : perm.match == MatchPolicy::prefix ? "prefix" : "wildcard") +
                                  "\", got \"" + perm.uri + "\"");
}

void read_role(Reader& r, const Value& v, const std::string& path, realm::RolePermissions& role, UriRule rule) {
    bool named = false;
    r.object(v, path, {"name", "permissions"}, [&](const std::string& key, const Value& val, const std::string& p) {
        if (key == "name") {
            r.string(val, p, role.role, false);
            named = true;
        } else {
            r.list<realm::Permission>(val, p, role.permissions, [&](const Value& x, const std::string& q, realm::Permission& perm) {
                read_permission(r, x, q, perm, rule);
            });
        }
    });
    if (!r.failed() && !named) r.fail(path, "missing required key \"name\"");
}

void read_realm(Reader& r, const Value& v, const std::string& path, RealmConfig& realm) {
    bool named = false;
    const Value* roles = nullptr;
    std::string roles_path;
    r.object(v, path, {"name", "anonymous", "uri_check", "unique_authid", "event_history", "roles"}, [&](const std::string& key, const Value& val, const std::string& p) {
        if (key == "name") {
            r.string(val, p, realm.name, false);
            if (!r.failed() && !is_valid_uri(realm.name)) r.fail(p, "expected a valid URI as realm name, got \"" + realm.name + "\"");
            named = true;
        } else if (key == "anonymous") {
            r.object(val, p, {"enabled", "role", "authid"}, [&](const std::string& k, const Value& x, const std::string& q) {
                if (k == "enabled") r.boolean(x, q, realm.anonymous_enabled);
                else if (k == "role") r.string(x, q, realm.anonymous_role, false);
                else {
                    std::string mode;
                    r.string(x, q, mode);
                    if (mode == "generated") realm.anonymous_authid_from_hello = false;
                    else if (mode == "from_hello") realm.anonymous_authid_from_hello = true;
                    else r.fail(q, "expected \"generated\" or \"from_hello\", got \"" + mode + "\"");
                }
            });
        } else if (key == "unique_authid") {
            r.boolean(val, p, realm.unique_authid);
        } else if (key == "roles") {
            roles = &val;  // read after uri_check, which the permissions' URIs are checked against
            roles_path = p;
        } else if (key == "event_history") {
            r.list<EventHistoryConfig>(val, p, realm.event_history,
                                       [&](const Value& x, const std::string& q, EventHistoryConfig& h) {
                                           read_event_history(r, x, q, h);
                                       });
        } else if (key == "uri_check") {
            std::string rule;
            r.string(val, p, rule);
            if (rule == "loose") realm.uri_rule = UriRule::loose;
            else if (rule == "strict") realm.uri_rule = UriRule::strict;
            else r.fail(p, "expected \"loose\" or \"strict\", got \"" + rule + "\"");
        }
    });
    if (!r.failed() && !named) r.fail(path, "missing required key \"name\"");
    if (!r.failed() && roles) {
        realm.roles.emplace();
        r.list<realm::RolePermissions>(*roles, roles_path, *realm.roles, [&](const Value& x, const std::string& q, realm::RolePermissions& role) {
            read_role(r, x, q, role, realm.uri_rule);
        });
        std::set<std::string> names;
        for (std::size_t i = 0; i < realm.roles->size() && !r.failed(); ++i)
            if (!names.insert((*realm.roles)[i].role).second)
                r.fail(roles_path + "[" + std::to_string(i) + "].name", "role \"" + (*realm.roles)[i].role + "\" is defined twice");
        // With roles, everything not allowed is denied: an anonymous role without permissions is a mistake.
        if (!r.failed() && realm.anonymous_enabled && !names.count(realm.anonymous_role))
            r.fail(path + ".anonymous.role", "role \"" + realm.anonymous_role + "\" is not in this realm's roles, so its sessions could do nothing");
    }
    check_event_history(r, path, realm);
}

}  // namespace

Result<Config> parse_config(std::string_view json_text, const std::string& file) {
    auto parsed = json_codec().decode(json_text);
    if (!parsed) return Error{file + ": " + parsed.error().message};
    Reader r(file);
    Config c;
    bool has_listeners = false, has_realms = false;
    r.object(parsed.value(), "$",
             {"threads", "busy_poll_us", "batch_pause_us", "batch_after_us", "log_level", "listeners", "realms",
              "session_limits"},
             [&](const std::string& key, const Value& v, const std::string& p) {
                 if (key == "threads") r.number(v, p, c.threads, 0, 256);
                 else if (key == "busy_poll_us") r.number(v, p, c.busy_poll_us, 0, 100000);
                 else if (key == "batch_pause_us") r.number(v, p, c.batch_pause_us, 0, 10000);
                 else if (key == "batch_after_us") r.number(v, p, c.batch_after_us, 100, 1000000);
                 else if (key == "log_level") {
                     r.string(v, p, c.log_level);
                     if (!r.failed() && c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
                         c.log_level != "error")
                         r.fail(p, "expected one of debug, info, warn, error, got \"" + c.log_level + "\"");
                 } else if (key == "listeners") {
                     has_listeners = true;
                     r.list<ListenerConfig>(v, p, c.listeners, [&](const Value& x, const std::string& q, ListenerConfig& l) {
                         read_listener(r, x, q, l);
                     });
                 } else if (key == "realms") {
                     has_realms = true;
                     r.list<RealmConfig>(v, p, c.realms, [&](const Value& x, const std::string& q, RealmConfig& realm) {
                         read_realm(r, x, q, realm);
                     });
                 } else if (key == "session_limits") {
                     r.object(v, p, {"write_queue_messages", "write_queue_bytes", "pending_calls"},
                              [&](const std::string& k, const Value& x, const std::string& q) {
                                  if (k == "write_queue_messages") r.number(x, q, c.session_limits.write_queue_messages, 1, 10000000);
                                  else if (k == "pending_calls") r.number(x, q, c.session_limits.pending_calls, 1, 10000000);
                                  else r.number(x, q, c.session_limits.write_queue_bytes, 1024, 1ULL << 34);
                              });
                 }
             });
    if (r.failed()) return r.error();
    if (!has_listeners || c.listeners.empty()) return Error{file + ": $.listeners: expected a non-empty list of listeners"};
    if (!has_realms || c.realms.empty()) return Error{file + ": $.realms: expected a non-empty list of realms"};
    std::set<std::string> names;
    for (std::size_t i = 0; i < c.realms.size(); ++i)
        if (!names.insert(c.realms[i].name).second)
            return Error{file + ": $.realms[" + std::to_string(i) + "].name: realm \"" + c.realms[i].name + "\" is defined twice"};
    return c;
}

Result<Config> load_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": cannot open the config file"};
    std::ostringstream text;
    text << in.rdbuf();
    auto config = parse_config(text.str(), path);
    if (!config) return config;
    // Relative static folders are relative to the config file's folder, so the router finds them wherever it
    // is started from; a folder that does not exist is a config error, not a router serving 404s forever.
    auto base = std::filesystem::path(path).parent_path();
    for (std::size_t i = 0; i < config->listeners.size(); ++i) {
        auto& dir = config->listeners[i].static_dir;
        if (dir.empty()) continue;
        std::filesystem::path resolved = std::filesystem::path(dir).is_relative() ? base / dir : std::filesystem::path(dir);
        std::error_code ec;
        if (!std::filesystem::is_directory(resolved, ec))
            return Error{path + ": $.listeners[" + std::to_string(i) + "].static_dir: expected an existing folder, \"" +
                         resolved.string() + "\" is not one"};
        dir = resolved.lexically_normal().string();
    }
    return config;
}

}  // namespace flyover::router
