#pragma once
// Static, per-role permissions for a realm (the config's "roles"), as an Authorizer. A realm that lists roles
// denies by default: a session may do something only when a permission of its authrole allows it on the URI.
// The most specific matching permission decides, with the dealer's precedence: exact, then the longest
// prefix, then wildcard. Thread affinity: built once at start, then read-only (called on the realm strand).

#include <string>
#include <vector>

#include "realm/authorizer.hpp"
#include "serializers/uri.hpp"

namespace flyover::realm {

struct Permission {
    std::string uri;
    MatchPolicy match = MatchPolicy::exact;
    bool call = false;
    bool reg = false;
    bool publish = false;
    bool subscribe = false;
};

struct RolePermissions {
    std::string role;
    std::vector<Permission> permissions;
};

/// An Authorizer enforcing `roles`; sessions whose authrole is not listed may do nothing.
Authorizer make_role_authorizer(std::vector<RolePermissions> roles);

}  // namespace flyover::realm
