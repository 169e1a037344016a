#pragma once
// Routed RPC for one realm: registrations, CALL -> INVOCATION -> YIELD -> RESULT, cancel, timeouts.
// Thread affinity: realm strand only.
//
// Choices where the spec leaves one (Crossbar.io's where it has one):
// - INVOCATION.Request IDs are sequential per callee session (session scope, as the spec words it).
// - A callee that leaves fails each call it held with ERROR wamp.error.canceled (spec, "Callee Leaving");
//   a caller that leaves gets its calls INTERRUPTed with mode killnowait where the callee announced
//   call_canceling; late YIELDs and ERRORs, and YIELD/ERROR for unknown invocations, are dropped silently.
// - A dealer-run timeout (CALL.Options.timeout) ends the call with ERROR wamp.error.timeout (the spec's MUST;
//   Crossbar sends wamp.error.canceled) and INTERRUPT killnowait where the callee can cancel.
// - CANCEL without a mode is killnowait (what Crossbar effectively does).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "realm/realm_context.hpp"
#include "realm/registration.hpp"
#include "realm/session.hpp"
#include "serializers/message.hpp"

namespace flyover::realm {

/// One registration as the meta API reports it (wamp.registration.get, list_callees, ...).
struct RegistrationInfo {
    Id id = 0;
    std::string uri;
    MatchPolicy match = MatchPolicy::exact;
    InvokePolicy invoke = InvokePolicy::single;
    /// When it was created, on the wall clock (RealmContext::wall_ms).
    std::uint64_t created_ms = 0;
    /// Callee session IDs, in registration order.
    std::vector<Id> callees;
};

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

    /// Registration revocation: removes `callee` from registration `registration` as an UNREGISTER would, and
    /// tells the callee with [UNREGISTERED, 0, {registration, reason}] if it announced registration_revocation.
    /// Its calls in flight continue. False if there is no such registration or callee. For the meta API
    /// (wamp.registration.remove_callee) and administrative removal.
    bool revoke(Id registration, Id callee, std::string_view reason);

    // ---- queries for the meta API ----

    using RegistrationVisitor = std::function<void(Id id, std::string_view uri, MatchPolicy match)>;
    /// The registration with this ID, or nullopt.
    std::optional<RegistrationInfo> registration(Id id) const;
    /// The ID of the registration on exactly (uri, match), or 0 (what a REGISTER with these would meet).
    Id lookup_registration(std::string_view uri, MatchPolicy match) const;
    /// The ID of the registration a call to `procedure` is routed to, or 0.
    Id match_registration(std::string_view procedure) const;
    /// Visits every registration, in no particular order.
    void for_each_registration(const RegistrationVisitor& f) const;

    std::size_t registration_count() const;
    std::size_t pending_call_count() const;

private:
    struct State;
    RealmContext& ctx_;
    std::unique_ptr<State> state_;
};

}  // namespace flyover::realm
