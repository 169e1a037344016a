#pragma once
// What every connection of one router shares: the config, the realms, the live-session registry (for
// graceful shutdown and unique session IDs) and the counters. Thread affinity: realms and config are
// read-only after start; the registry and ID generator are guarded by a mutex; counters are atomics.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "router/asio.hpp"
#include "router/config.hpp"
#include "router/realm_host.hpp"
#include "router/write_flusher.hpp"
#include "serializers/ids.hpp"

namespace flyover::router {

class WebSocketSession;

struct Counters {
    std::atomic<std::uint64_t> sessions_joined{0};
    std::atomic<std::uint64_t> protocol_violations{0};
    std::atomic<std::uint64_t> slow_consumers{0};
};

class Hub {
public:
    Hub(net::io_context& ioc, Config config);

    net::io_context& io() { return ioc_; }
    const Config& config() const { return config_; }
    /// The realm named `name`, or nullptr.
    RealmHost* find_realm(std::string_view name);
    std::map<std::string, std::unique_ptr<RealmHost>, std::less<>>& realms() { return realms_; }

    /// Registers a live WebSocket session (for shutdown); returns false when the router is shutting down.
    bool add_session(const std::shared_ptr<WebSocketSession>& s);
    void remove_session(const WebSocketSession* s);
    /// A fresh random session ID in [1, 2^53], unique among live sessions.
    Id new_session_id();
    void release_session_id(Id id);
    /// An authid for an anonymous session, in Crossbar's style ("XXXX-XXXX-XXXX-XXXX").
    std::string new_anonymous_authid();

    /// Whether a client-chosen authid (a nickname) is acceptable: 1 to 32 characters of valid UTF-8, no
    /// control characters, not only spaces.
    static bool is_acceptable_authid(std::string_view authid);
    /// Reserves `authid` in `realm` for one session; false when another live session holds it.
    bool claim_authid(const std::string& realm, const std::string& authid);
    void release_authid(const std::string& realm, const std::string& authid);

    /// Starts graceful shutdown: every session is told GOODBYE wamp.close.system_shutdown.
    void begin_shutdown();
    bool shutting_down() const { return shutting_down_.load(); }
    std::size_t live_sessions();

    /// With one I/O thread, what starts the writes of every session's deliveries; nullptr with more threads.
    WriteFlusher* write_flusher() { return write_flusher_.get(); }

    Counters counters;

private:
    net::io_context& ioc_;
    Config config_;
    std::map<std::string, std::unique_ptr<RealmHost>, std::less<>> realms_;
    std::mutex mutex_;
    std::unordered_map<const WebSocketSession*, std::weak_ptr<WebSocketSession>> sessions_;
    std::unordered_map<Id, bool> session_ids_;
    std::set<std::pair<std::string, std::string>> claimed_authids_;  // (realm, authid) of unique-authid realms
    RandomIdGenerator ids_;
    std::atomic<bool> shutting_down_{false};
    std::unique_ptr<WriteFlusher> write_flusher_;
};

}  // namespace flyover::router
