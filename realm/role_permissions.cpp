#include "realm/role_permissions.hpp"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "realm/uri_index.hpp"

namespace flyover::realm {
namespace {

/// One role's permissions, arranged for the precedence rule: a hash map for exact URIs, prefixes longest
/// first, wildcards in config order.
struct RoleTable {
    std::unordered_map<std::string, Permission> exact;
    std::vector<Permission> prefixes;
    std::vector<Permission> wildcards;

    const Permission* decide(std::string_view uri) const {
        if (auto it = exact.find(std::string(uri)); it != exact.end()) return &it->second;
        for (auto& p : prefixes)
            if (uri.substr(0, p.uri.size()) == p.uri) return &p;
        for (auto& p : wildcards)
            if (wildcard_matches(p.uri, uri)) return &p;
        return nullptr;
    }
};

bool allows(const Permission& p, Action action) {
    switch (action) {
    case Action::call: return p.call;
    case Action::reg: return p.reg;
    case Action::publish: return p.publish;
    case Action::subscribe: return p.subscribe;
    }
    return false;
}

}  // namespace

Authorizer make_role_authorizer(std::vector<RolePermissions> roles) {
    auto tables = std::make_shared<std::unordered_map<std::string, RoleTable>>();
    for (auto& role : roles) {
        auto& table = (*tables)[role.role];
        for (auto& p : role.permissions) {
            switch (p.match) {
            case MatchPolicy::exact: table.exact.insert_or_assign(p.uri, p); break;
            case MatchPolicy::prefix: table.prefixes.push_back(p); break;
            case MatchPolicy::wildcard: table.wildcards.push_back(p); break;
            }
        }
        std::stable_sort(table.prefixes.begin(), table.prefixes.end(),
                         [](const Permission& a, const Permission& b) { return a.uri.size() > b.uri.size(); });
    }
    return [tables](const SessionInfo& session, Action action, std::string_view uri) {
        auto role = tables->find(session.authrole);
        if (role == tables->end()) return false;
        auto permission = role->second.decide(uri);
        return permission && allows(*permission, action);
    };
}

}  // namespace flyover::realm
