#pragma once
// A realm plus the strand that serialises everything done to it. Sessions `post` work here; the realm
// itself never sees the strand. Thread affinity: `realm` is touched only on `strand`.

#include <chrono>
#include <cstdint>

#include "realm/realm.hpp"
#include "router/asio.hpp"
#include "router/config.hpp"

namespace flyover::router {

struct RealmHost {
    /// `single_io_thread`: one thread runs `ioc` (see run()).
    RealmHost(net::io_context& ioc, const RealmConfig& cfg, const SessionLimits& limits, bool single_io_thread)
        : config(cfg), realm(options(cfg, limits)), strand(net::make_strand(ioc)), single_io_thread_(single_io_thread) {}

    /// The realm's options from its config, with the router's wall clock for the meta API's timestamps.
    static realm::RealmOptions options(const RealmConfig& cfg, const SessionLimits& limits) {
        realm::RealmOptions o{cfg.name, cfg.uri_rule, cfg.roles ? realm::make_role_authorizer(*cfg.roles) : realm::allow_all()};
        o.max_pending_calls = limits.pending_calls;
        for (auto& h : cfg.event_history)
            o.event_history.push_back(
                realm::EventHistoryRule{h.topic, h.match, h.limit, h.max_age_s * 1000ULL, h.max_topics});
        o.wall_clock = [] {
            return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count());
        };
        return o;
    }

    /// Whether run() would call its function at once (rather than post it).
    bool runs_inline() const { return single_io_thread_ && !running_inline_; }

    /// Runs `f` on the realm. With one I/O thread it runs at once: nothing can run beside it, so the strand's
    /// exclusion holds anyway, and a post per message cost a trip through the scheduler (an epoll_wait and a
    /// strand hand-over: bench/RESULTS.md, session 6). With several threads it is posted to the strand. A
    /// session that has work posted to the strand and not yet done posts the rest behind it (order).
    /// The realm never calls back into run() (what it sends to sessions is posted to their strands); if it
    /// did, the nested call would be posted rather than run inside the outer one.
    template <class F>
    void run(F&& f) {
        if (!runs_inline()) return net::post(strand, std::forward<F>(f));
        running_inline_ = true;
        struct Reset {
            bool& flag;
            ~Reset() { flag = false; }
        } reset{running_inline_};
        f();
    }

    RealmConfig config;
    realm::Realm realm;
    Strand strand;

private:
    const bool single_io_thread_;
    bool running_inline_ = false;
};

}  // namespace flyover::router
