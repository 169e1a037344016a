#pragma once
// Routed RPC for one realm: registrations, CALL -> INVOCATION -> YIELD -> RESULT, cancel, timeouts.
// Thread affinity: realm strand only.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "realm/realm_context.hpp"
#include "realm/session.hpp"
#include "serializers/message.hpp"

namespace flyover::realm {

class Dealer {
public:
    explicit Dealer(RealmContext& ctx);
    ~Dealer();
    Dealer(const Dealer&) = delete;
    Dealer& operator=(const Dealer&) = delete;

    /// WELCOME.Details.roles.dealer.features: exactly the features that work.
    static Dict features();

    void register_procedure(RealmSession& callee, Register&& m);
    void unregister(RealmSession& callee, Unregister&& m);
    void call(RealmSession& caller, Call&& m);
    void cancel(RealmSession& caller, Cancel&& m);
    void yield(RealmSession& callee, Yield&& m);
    /// ERROR in reply to an INVOCATION.
    void invocation_error(RealmSession& callee, ErrorMessage&& m);
    /// Fail the calls a leaving callee held, interrupt those a leaving caller made, drop its registrations.
    void leave(RealmSession& session);
    /// Expire calls whose timeout passed; `now_ms` is the router's monotonic clock (RealmContext::now_ms).
    void expire(std::uint64_t now_ms);

    std::size_t registration_count() const;
    std::size_t pending_call_count() const;

private:
    struct State;
    RealmContext& ctx_;
    std::unique_ptr<State> state_;
};

}  // namespace flyover::realm
