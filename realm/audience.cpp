#include "realm/audience.hpp"

#include <algorithm>

namespace flyover::realm {
namespace {

// The codec's mapper has already checked the list types; entries of another type (possible only for messages
// built in code) are skipped rather than trusted.
std::optional<std::vector<Id>> id_list(const Dict& options, std::string_view key) {
    auto v = find(options, key);
    auto l = v ? v->as_list() : nullptr;
    if (!l) return std::nullopt;
    std::vector<Id> out;
    out.reserve(l->size());
    for (auto& item : *l)
        if (auto id = item.as_uint()) out.push_back(*id);
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::vector<std::string>> string_list(const Dict& options, std::string_view key) {
    auto v = find(options, key);
    auto l = v ? v->as_list() : nullptr;
    if (!l) return std::nullopt;
    std::vector<std::string> out;
    out.reserve(l->size());
    for (auto& item : *l)
        if (auto s = item.as_string()) out.push_back(*s);
    std::sort(out.begin(), out.end());
    return out;
}

template <class T, class K>
bool contains(const std::vector<T>& sorted, const K& key) {
    return std::binary_search(sorted.begin(), sorted.end(), key);
}

}  // namespace

Audience Audience::from_options(const Dict& options, Id publisher) {
    Audience a;
    if (get_bool(options, "exclude_me", true)) a.excluded_publisher_ = publisher;
    a.eligible_ = id_list(options, "eligible");
    a.eligible_authid_ = string_list(options, "eligible_authid");
    a.eligible_authrole_ = string_list(options, "eligible_authrole");
    a.exclude_ = id_list(options, "exclude").value_or(std::vector<Id>{});
    a.exclude_authid_ = string_list(options, "exclude_authid").value_or(std::vector<std::string>{});
    a.exclude_authrole_ = string_list(options, "exclude_authrole").value_or(std::vector<std::string>{});
    a.has_lists_ = a.eligible_ || a.eligible_authid_ || a.eligible_authrole_ || !a.exclude_.empty() ||
                   !a.exclude_authid_.empty() || !a.exclude_authrole_.empty();
    return a;
}

bool Audience::admits_by_lists(const SessionInfo& s) const {
    if (eligible_ && !contains(*eligible_, s.id)) return false;
    if (eligible_authid_ && !contains(*eligible_authid_, s.authid)) return false;
    if (eligible_authrole_ && !contains(*eligible_authrole_, s.authrole)) return false;
    if (contains(exclude_, s.id)) return false;
    if (contains(exclude_authid_, s.authid)) return false;
    if (contains(exclude_authrole_, s.authrole)) return false;
    return true;
}

}  // namespace flyover::realm
