#include "realm/registration.hpp"

#include <algorithm>

namespace flyover::realm {

std::optional<InvokePolicy> parse_invoke_policy(std::string_view s) {
    if (s == "single") return InvokePolicy::single;
    if (s == "roundrobin") return InvokePolicy::roundrobin;
    if (s == "random") return InvokePolicy::random;
    if (s == "first") return InvokePolicy::first;
    if (s == "last") return InvokePolicy::last;
    return std::nullopt;
}

std::string_view to_string(InvokePolicy p) {
    switch (p) {
    case InvokePolicy::single: return "single";
    case InvokePolicy::roundrobin: return "roundrobin";
    case InvokePolicy::random: return "random";
    case InvokePolicy::first: return "first";
    case InvokePolicy::last: return "last";
    }
    return "single";
}

RegisteredCallee* Registration::find_callee(const DealerSession* s) {
    auto it = std::find_if(callees.begin(), callees.end(), [&](const RegisteredCallee& c) { return c.session == s; });
    return it == callees.end() ? nullptr : &*it;
}

bool Registration::remove_callee(const DealerSession* s) {
    auto it = std::find_if(callees.begin(), callees.end(), [&](const RegisteredCallee& c) { return c.session == s; });
    if (it == callees.end()) return false;
    auto index = static_cast<std::size_t>(it - callees.begin());
    callees.erase(it);
    // The callees after the removed one shift down by one; so must the round-robin position, or the callee
    // that was due next would be skipped.
    if (index < next_) --next_;
    if (next_ >= callees.size()) next_ = 0;
    return true;
}

RegisteredCallee& Registration::pick(std::mt19937& rng) {
    switch (invoke) {
    case InvokePolicy::single:
    case InvokePolicy::first: return callees.front();
    case InvokePolicy::last: return callees.back();
    case InvokePolicy::roundrobin: {
        if (next_ >= callees.size()) next_ = 0;
        auto& chosen = callees[next_];
        next_ = (next_ + 1) % callees.size();
        return chosen;
    }
    case InvokePolicy::random: {
        std::uniform_int_distribution<std::size_t> dist(0, callees.size() - 1);
        return callees[dist(rng)];
    }
    }
    return callees.front();
}

}  // namespace flyover::realm
