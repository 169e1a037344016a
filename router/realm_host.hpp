#pragma once
// A realm plus the strand that serialises everything done to it. Sessions `post` work here; the realm
// itself never sees the strand. Thread affinity: `realm` is touched only on `strand`.

#include "realm/realm.hpp"
#include "router/asio.hpp"
#include "router/config.hpp"

namespace flyover::router {

struct RealmHost {
    RealmHost(net::io_context& ioc, const RealmConfig& cfg)
        : config(cfg), realm(realm::RealmOptions{cfg.name, cfg.uri_rule, realm::allow_all()}), strand(net::make_strand(ioc)) {}

    RealmConfig config;
    realm::Realm realm;
    Strand strand;
};

}  // namespace flyover::router
