#include "router/hub.hpp"

#include "router/websocket_session.hpp"
#include "serializers/utf8.hpp"

namespace flyover::router {

Hub::Hub(net::io_context& ioc, Config config) : ioc_(ioc), config_(std::move(config)) {
    // run_server resolved threads = 0 (one per core) before making the Hub: 1 means one I/O thread.
    const bool single_io_thread = config_.threads == 1;
    for (auto& r : config_.realms)
        realms_.emplace(r.name, std::make_unique<RealmHost>(ioc_, r, config_.session_limits, single_io_thread));
    if (single_io_thread) write_flusher_ = std::make_unique<WriteFlusher>(ioc_);
}

RealmHost* Hub::find_realm(std::string_view name) {
    auto it = realms_.find(name);
    return it == realms_.end() ? nullptr : it->second.get();
}

bool Hub::add_session(const std::shared_ptr<WebSocketSession>& s) {
    std::lock_guard lock(mutex_);
    if (shutting_down_) return false;
    sessions_[s.get()] = s;
    return true;
}

void Hub::remove_session(const WebSocketSession* s) {
    std::lock_guard lock(mutex_);
    sessions_.erase(s);
}

Id Hub::new_session_id() {
    std::lock_guard lock(mutex_);
    for (;;) {
        Id id = ids_.next();
        if (session_ids_.emplace(id, true).second) return id;
    }
}

void Hub::release_session_id(Id id) {
    std::lock_guard lock(mutex_);
    session_ids_.erase(id);
}

std::string Hub::new_anonymous_authid() {
    static constexpr char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    std::lock_guard lock(mutex_);
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i && i % 4 == 0) out += '-';
        out += alphabet[ids_.next() % (sizeof alphabet - 1)];
    }
    return out;
}

bool Hub::is_acceptable_authid(std::string_view authid) {
    if (authid.empty() || !is_valid_utf8(authid)) return false;
    std::size_t characters = 0;
    bool only_spaces = true;
    for (unsigned char c : authid) {
        if (c < 0x20 || c == 0x7f) return false;
        if ((c & 0xc0) != 0x80) ++characters;  // count code points, not bytes
        if (c != ' ') only_spaces = false;
    }
    return characters <= 32 && !only_spaces;
}

bool Hub::claim_authid(const std::string& realm, const std::string& authid) {
    std::lock_guard lock(mutex_);
    return claimed_authids_.emplace(realm, authid).second;
}

void Hub::release_authid(const std::string& realm, const std::string& authid) {
    std::lock_guard lock(mutex_);
    claimed_authids_.erase({realm, authid});
}

void Hub::begin_shutdown() {
    std::vector<std::shared_ptr<WebSocketSession>> live;
    {
        std::lock_guard lock(mutex_);
        shutting_down_ = true;
        for (auto& [_, weak] : sessions_)
            if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) s->shutdown();
}

std::size_t Hub::live_sessions() {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

}  // namespace flyover::router
