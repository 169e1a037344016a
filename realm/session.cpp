#include "realm/session.hpp"

namespace flyover::realm {

bool SessionInfo::client_has_feature(std::string_view role, std::string_view feature) const {
    auto r = find(client_roles, role);
    if (!r) return false;
    auto features = r->find("features");
    auto f = features ? features->find(feature) : nullptr;
    return f && f->as_bool() && *f->as_bool();
}

}  // namespace flyover::realm
