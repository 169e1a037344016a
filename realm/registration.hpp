#pragma once
// A registered procedure (or procedure pattern) and the callees behind it, with the invocation policy that
// picks one of them per call (spec: advanced/rpc_shared_registration.md). Owned by the Dealer.
// Thread affinity: realm strand only.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "serializers/ids.hpp"
#include "serializers/uri.hpp"

namespace flyover::realm {

struct DealerSession;

/// REGISTER.Options.invoke: how a call picks one callee of a shared registration.
enum class InvokePolicy { single, roundrobin, random, first, last };

/// "single", "roundrobin", ... or nullopt for anything else.
std::optional<InvokePolicy> parse_invoke_policy(std::string_view s);
std::string_view to_string(InvokePolicy p);

/// One callee's place in a registration, with the options of its own REGISTER.
struct RegisteredCallee {
    DealerSession* session = nullptr;
    /// REGISTER.Options.disclose_caller: every INVOCATION carries the caller's identity.
    bool disclose_caller = false;
    /// REGISTER.Options.forward_timeout: the callee runs CALL.Options.timeout itself (INVOCATION.Details.timeout).
    bool forward_timeout = false;
};

struct Registration {
    Id id = 0;
    std::string uri;
    MatchPolicy match = MatchPolicy::exact;
    InvokePolicy invoke = InvokePolicy::single;
    /// When it was created, on the wall clock (RealmContext::wall_ms), for the meta API.
    std::uint64_t created_ms = 0;
    /// In registration order: "first", "last" and "roundrobin" are defined over this order.
    std::vector<RegisteredCallee> callees;

    RegisteredCallee* find_callee(const DealerSession* s);
    /// Removes `s`; false if it was not a callee. Round-robin continues with the callee that was next.
    bool remove_callee(const DealerSession* s);
    /// The callee the next call goes to. Precondition: !callees.empty().
    RegisteredCallee& pick(std::mt19937& rng);

private:
    /// Round-robin position: index into `callees` of the next callee to invoke (kept < size on removal).
    std::size_t next_ = 0;
};

}  // namespace flyover::realm
