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
    RealmHost(net::io_context& ioc, const RealmConfig& cfg, const SessionLimits& limits)
        : config(cfg), realm(options(cfg, limits)), strand(net::make_strand(ioc)) {}

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

    RealmConfig config;
    realm::Realm realm;
    Strand strand;
};

}  // namespace flyover::router
