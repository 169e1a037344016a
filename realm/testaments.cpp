#include "realm/testaments.hpp"

namespace flyover::realm {

std::optional<Testaments::Scope> Testaments::parse_scope(std::string_view s) {
    if (s == "detached") return Scope::detached;
    if (s == "destroyed") return Scope::destroyed;
    return std::nullopt;
}

bool Testaments::add(Id session, Scope scope, Testament t) {
    Buckets& b = by_session_[session];
    if (b.detached.size() + b.destroyed.size() >= max_per_session) return false;
    b.of(scope).push_back(std::move(t));
    return true;
}

std::size_t Testaments::flush(Id session, Scope scope) {
    auto it = by_session_.find(session);
    if (it == by_session_.end()) return 0;
    auto n = it->second.of(scope).size();
    it->second.of(scope).clear();
    if (it->second.detached.empty() && it->second.destroyed.empty()) by_session_.erase(it);
    return n;
}

std::vector<Testaments::Testament> Testaments::take(Id session) {
    auto it = by_session_.find(session);
    if (it == by_session_.end()) return {};
    std::vector<Testament> out = std::move(it->second.detached);
    for (auto& t : it->second.destroyed) out.push_back(std::move(t));
    by_session_.erase(it);
    return out;
}

std::size_t Testaments::count(Id session, Scope scope) const {
    auto it = by_session_.find(session);
    return it == by_session_.end() ? 0 : it->second.of(scope).size();
}

}  // namespace flyover::realm
