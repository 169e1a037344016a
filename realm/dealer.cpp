// Routed RPC (issue 5). The hot path is CALL -> INVOCATION -> YIELD -> RESULT: one best-match lookup in the
// URI index, one pending-call record addressed from both ends by hash, and the payload moved (never copied)
// from CALL to INVOCATION and from YIELD to RESULT.
#include "realm/dealer.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "realm/node_recycler.hpp"
#include "realm/pending_call.hpp"
#include "realm/registration.hpp"
#include "realm/uri_index.hpp"
#include "serializers/error_uris.hpp"

namespace flyover::realm {

/// The dealer's record of a session that registered or called. Created on its first REGISTER or CALL, erased
/// by leave(); registrations and pending calls point at it, so it lives in a node-stable map.
struct DealerSession {
    explicit DealerSession(RealmSession& s);

    RealmSession* session;
    // What the client announced in HELLO, read once rather than per message.
    bool callee_canceling;
    bool callee_progressive_results;
    bool callee_progressive_invocations;
    bool callee_revocation;
    bool caller_progressive_invocations;
    bool caller_passthru;
    bool callee_passthru;
    /// INVOCATION.Request IDs: sequential in this (callee) session's scope.
    SequentialIdGenerator invocation_ids;
    std::unordered_set<Id> registrations;
    PendingCallList<&PendingCall::caller_link> calls_made;
    PendingCallList<&PendingCall::callee_link> invocations_held;
    /// CALL.Request IDs of progressive call invocations that ended (callee answered, left, or the call was
    /// canceled or timed out) before this caller sent its final CALL: continuations still on their way are
    /// discarded instead of starting a new call (spec, "Continuations on Completed Calls").
    std::unordered_set<Id> finished_streams;
};

namespace {

/// How long a finished progressive invocation stays in DealerSession::finished_streams: ample for
/// continuations in flight over a slow network, short enough that a caller that never sends its final CALL
/// cannot grow the table for long.
constexpr std::uint64_t finished_stream_grace_ms = 60'000;

bool callee_feature(const SessionInfo& info, std::string_view feature) {
    return info.client_has_feature("callee", feature);
}

enum class CancelMode { skip, kill, killnowait };

std::optional<CancelMode> parse_cancel_mode(std::string_view s) {
    if (s == "skip") return CancelMode::skip;
    if (s == "kill") return CancelMode::kill;
    if (s == "killnowait") return CancelMode::killnowait;
    return std::nullopt;
}

std::optional<MatchPolicy> parse_match_policy(std::string_view s) {
    if (s == "exact") return MatchPolicy::exact;
    if (s == "prefix") return MatchPolicy::prefix;
    if (s == "wildcard") return MatchPolicy::wildcard;
    return std::nullopt;
}

/// An ERROR for request `request` of type `type`, with a human-readable explanation as its only argument.
ErrorMessage request_error(MessageType type, Id request, std::string_view uri, std::string explanation = {}) {
    ErrorMessage e;
    e.request_type = type;
    e.request = request;
    e.error = std::string(uri);
    if (!explanation.empty()) e.payload.args.emplace_back(std::move(explanation));
    return e;
}

Interrupt make_interrupt(Id invocation, std::string_view mode) {
    return Interrupt{invocation, Dict{{"mode", Value(mode)}}};
}

/// Payload passthru mode (spec, advanced/payload_passthru_mode.md): the router does not read the payload, so the
/// keys that let the far end decode it travel with it: the spec's ppt_* and the enc_* of Crossbar's payload
/// transparency, which the codecs recognise.
constexpr std::string_view passthru_keys[] = {"ppt_scheme", "ppt_serializer", "ppt_cipher", "ppt_keyid",
                                              "enc_algo",   "enc_serializer", "enc_key"};

bool is_passthru(const Dict& options) {
    return !options.empty() && (find(options, "ppt_scheme") || find(options, "enc_algo"));
}

void copy_passthru_keys(const Dict& from, Dict& to) {
    if (from.empty()) return;  // the common case: no options at all
    for (auto key : passthru_keys)
        if (auto* v = find(from, key)) to.insert_or_assign(std::string(key), *v);
}

/// Older Autobahn versions announce payload passthru as "payload_transparency".
bool announces_passthru(const SessionInfo& info, std::string_view role) {
    return info.client_has_feature(role, "payload_passthru_mode") ||
           info.client_has_feature(role, "payload_transparency");
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return b > std::numeric_limits<std::uint64_t>::max() - a ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

}  // namespace

DealerSession::DealerSession(RealmSession& s)
    : session(&s),
      // The progressive call invocations section spells it "call_cancelling"; clients use "call_canceling".
      callee_canceling(callee_feature(s.info(), "call_canceling") || callee_feature(s.info(), "call_cancelling")),
      callee_progressive_results(callee_feature(s.info(), "progressive_call_results")),
      callee_progressive_invocations(callee_feature(s.info(), "progressive_call_invocations")),
      callee_revocation(callee_feature(s.info(), "registration_revocation")),
      caller_progressive_invocations(s.info().client_has_feature("caller", "progressive_call_invocations")),
      caller_passthru(announces_passthru(s.info(), "caller")),
      callee_passthru(announces_passthru(s.info(), "callee")) {}

struct Dealer::State {
    explicit State(RealmContext& c) : ctx(c) {}

    RealmContext& ctx;
    /// Registrations by (URI, match policy), answering best_match for calls; the index owns them.
    UriIndex<Registration> index;
    std::unordered_map<Id, Registration*> registrations;
    std::unordered_map<Id, DealerSession> sessions;
    /// The two pending-call maps' nodes: every call inserts one into each and erases both when answered;
    /// recycling them takes two allocations off each routed call (node_recycler.hpp). Declared first: the maps
    /// give their nodes back to it when they go.
    NodeFreeLists call_nodes;
    template <class V>
    using CallMap = std::unordered_map<CallKey, V, CallKeyHash, std::equal_to<CallKey>, NodeRecycler<std::pair<const CallKey, V>>>;
    /// Pending calls, owned here and keyed by (callee, INVOCATION.Request) for YIELD and ERROR ...
    CallMap<PendingCall> by_invocation{CallMap<PendingCall>::allocator_type(call_nodes)};
    /// ... and by (caller, CALL.Request) for CANCEL and progressive CALL continuations.
    CallMap<PendingCall*> by_request{CallMap<PendingCall*>::allocator_type(call_nodes)};
    /// Dealer-run timeouts, earliest first: (deadline, by_invocation key).
    std::set<std::pair<std::uint64_t, CallKey>> deadlines;
    struct FinishedStream {
        std::uint64_t expires_ms;
        Id caller;
        Id request;
    };
    /// DealerSession::finished_streams entries in the order they expire (the grace period is constant).
    std::deque<FinishedStream> finished_stream_expiry;
    /// For invoke=random. A fixed seed: the realm reads no clock and no entropy, and tests stay repeatable.
    std::mt19937 rng{0x5EEDu};

    DealerSession& session_of(RealmSession& s) { return sessions.try_emplace(s.id(), s).first->second; }

    static CallKey callee_key(const PendingCall& pc) { return {pc.callee->session->id(), pc.invocation}; }
    static CallKey caller_key(const PendingCall& pc) { return {pc.caller->session->id(), pc.request}; }

    // ---- registrations ----

    void register_procedure(RealmSession& s, Register&& m) {
        auto refuse = [&](std::string_view uri, std::string explanation) {
            s.send(request_error(MessageType::reg, m.request, uri, std::move(explanation)));
        };
        // Options of the wrong type or with an unknown value are protocol errors, as in Autobahn/Crossbar.
        MatchPolicy match = MatchPolicy::exact;
        if (auto* v = find(m.options, "match")) {
            auto* str = v->as_string();
            auto parsed = str ? parse_match_policy(*str) : std::nullopt;
            if (!parsed) return s.abort(uris::protocol_violation, "invalid value for 'match' option in REGISTER");
            match = *parsed;
        }
        InvokePolicy invoke = InvokePolicy::single;
        if (auto* v = find(m.options, "invoke")) {
            auto* str = v->as_string();
            auto parsed = str ? parse_invoke_policy(*str) : std::nullopt;
            if (!parsed) return s.abort(uris::protocol_violation, "invalid value for 'invoke' option in REGISTER");
            invoke = *parsed;
        }

        if (!is_valid_pattern(m.procedure, match, ctx.uri_rule))
            return refuse(uris::invalid_uri, "register for invalid procedure URI '" + m.procedure + "'");
        // "wamp." procedures are the router's own (meta API); a client may not shadow them (Crossbar does the same).
        if (is_reserved_uri(m.procedure))
            return refuse(uris::invalid_uri, "register for restricted procedure URI '" + m.procedure + "'");
        // Authorization comes before looking the procedure up, so a session that may not register learns
        // nothing about which procedures exist.
        if (!ctx.authorize(s.info(), Action::reg, m.procedure))
            return refuse(uris::not_authorized,
                          "session is not authorized to register procedure '" + m.procedure + "'");

        DealerSession& me = session_of(s);
        Registration* reg = index.find(m.procedure, match);
        Removals taken_over;
        if (reg && get_bool(m.options, "force_reregister", false)) {
            // Crossbar's force_reregister: the new callee takes the procedure over; the old ones are revoked.
            for (std::size_t i = 0; i < reg->callees.size(); ++i) {
                auto& c = reg->callees[i];
                c.session->registrations.erase(reg->id);
                if (c.session != &me) send_revocation(*c.session, reg->id, uris::unregistered);
                if (ctx.observer)
                    taken_over.push_back({c.session->session->id(), reg->id, reg->uri, i + 1 == reg->callees.size()});
            }
            erase_registration(*reg);
            reg = nullptr;
        }
        if (reg) {
            if (reg->invoke == InvokePolicy::single)
                return refuse(uris::procedure_already_exists,
                              "register for already registered procedure '" + m.procedure + "'");
            if (reg->invoke != invoke)
                return refuse(uris::procedure_exists_with_different_invocation_policy,
                              "register for already registered procedure '" + m.procedure +
                                  "' with conflicting invocation policy (has " + std::string(to_string(reg->invoke)) +
                                  " and " + std::string(to_string(invoke)) + " was requested)");
            // A callee registering the same shared procedure twice keeps its one place (Crossbar: same ID).
            const bool added = !reg->find_callee(&me);
            if (added) reg->callees.push_back(registered_callee(me, m.options));
            me.registrations.insert(reg->id);
            s.send(Registered{m.request, reg->id});
            if (added && ctx.observer) ctx.observer->registered(s.id(), reg->id, reg->uri, false);
            return;
        }

        Registration fresh;
        fresh.id = ctx.registration_ids.next();
        fresh.uri = m.procedure;
        fresh.match = match;
        fresh.invoke = invoke;
        fresh.created_ms = ctx.wall_ms();
        fresh.callees.push_back(registered_callee(me, m.options));
        Registration& added = index.insert(m.procedure, match, std::move(fresh));
        registrations.emplace(added.id, &added);
        me.registrations.insert(added.id);
        s.send(Registered{m.request, added.id});
        if (ctx.observer) {
            report(taken_over);
            ctx.observer->registered(s.id(), added.id, added.uri, true);
        }
    }

    /// Callees removed from registrations, reported to the observer once the dealer is consistent again.
    struct Removal {
        Id session;
        Id registration;
        std::string procedure;
        bool deleted;
    };
    using Removals = std::vector<Removal>;

    void report(const Removals& removals) {
        if (!ctx.observer) return;
        for (auto& r : removals) ctx.observer->unregistered(r.session, r.registration, r.procedure, r.deleted);
    }

    static RegisteredCallee registered_callee(DealerSession& me, const Dict& options) {
        return RegisteredCallee{&me, get_bool(options, "disclose_caller", false),
                                get_bool(options, "forward_timeout", false)};
    }

    void unregister(RealmSession& s, Unregister&& m) {
        auto it = registrations.find(m.registration);
        auto me = sessions.find(s.id());
        if (it == registrations.end() || me == sessions.end() || !it->second->remove_callee(&me->second)) {
            s.send(request_error(MessageType::unregister, m.request, uris::no_such_registration));
            return;
        }
        me->second.registrations.erase(m.registration);
        Registration& reg = *it->second;
        Removals removed;
        if (ctx.observer) removed.push_back({s.id(), reg.id, reg.uri, reg.callees.empty()});
        if (reg.callees.empty()) erase_registration(reg);
        s.send(Unregistered{m.request, {}});
        report(removed);
    }

    bool revoke(Id registration, Id callee, std::string_view reason) {
        auto it = registrations.find(registration);
        auto who = sessions.find(callee);
        if (it == registrations.end() || who == sessions.end() || !it->second->remove_callee(&who->second))
            return false;
        who->second.registrations.erase(registration);
        send_revocation(who->second, registration, reason);
        Registration& reg = *it->second;
        Removals removed;
        if (ctx.observer) removed.push_back({callee, reg.id, reg.uri, reg.callees.empty()});
        if (reg.callees.empty()) erase_registration(reg);
        report(removed);
        return true;
    }

    /// [UNREGISTERED, 0, {registration, reason}], only to callees that announced they understand it (spec).
    static void send_revocation(DealerSession& callee, Id registration, std::string_view reason) {
        if (!callee.callee_revocation) return;
        callee.session->send(Unregistered{0, Dict{{"registration", registration}, {"reason", Value(reason)}}});
    }

    /// Removes a registration from the index (which destroys it). Its calls in flight are unaffected: they
    /// refer to the callee session, not to the registration.
    void erase_registration(Registration& reg) {
        registrations.erase(reg.id);
        std::string uri = std::move(reg.uri);  // `reg` dies inside erase; keep the key alive until then
        index.erase(uri, reg.match);
    }

    // ---- calls ----

    void call(RealmSession& s, Call&& m) {
        DealerSession& me = session_of(s);
        if (auto it = by_request.find({s.id(), m.request}); it != by_request.end()) {
            PendingCall& pc = *it->second;
            if (!pc.caller_streaming)
                return s.abort(uris::protocol_violation,
                               "CALL with request ID " + std::to_string(m.request) + " already in flight");
            if (m.procedure != pc.procedure)
                return s.abort(uris::protocol_violation, "progressive CALL continuation with request ID " +
                                                             std::to_string(m.request) + " names another procedure");
            return continue_stream(pc, std::move(m));
        }
        if (!me.finished_streams.empty() && me.finished_streams.count(m.request)) {
            // A continuation of a progressive invocation that already ended: the caller has (or will have) its
            // RESULT or ERROR; the final CALL closes the entry.
            if (!get_bool(m.options, "progress", false)) me.finished_streams.erase(m.request);
            return;
        }

        auto refuse = [&](std::string_view uri, std::string explanation) {
            s.send(request_error(MessageType::call, m.request, uri, std::move(explanation)));
        };
        bool progress = get_bool(m.options, "progress", false);
        bool receive_progress = get_bool(m.options, "receive_progress", false);
        bool disclose_me = get_bool(m.options, "disclose_me", false);
        std::uint64_t timeout = 0;
        if (auto* v = find(m.options, "timeout")) {
            // Milliseconds as a non-negative integer; a whole double (what some JSON encoders emit) is accepted.
            if (auto u = v->as_uint()) {
                timeout = *u;
            } else if (auto* d = v->as_double(); d && std::isfinite(*d) && *d >= 0) {
                timeout = *d >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(*d);
            } else {
                return s.abort(uris::protocol_violation, "invalid value for 'timeout' option in CALL");
            }
        }

        bool passthru = is_passthru(m.options);
        if (passthru && !me.caller_passthru)
            return s.abort(
                uris::protocol_violation,
                "CALL in payload passthru mode, but HELLO did not announce caller feature payload_passthru_mode");
        if (!is_valid_uri(m.procedure, ctx.uri_rule))
            return refuse(uris::invalid_uri, "call with invalid procedure URI '" + m.procedure + "'");
        // Spec: a progressive CALL from a caller that did not announce the feature is a protocol error.
        if (progress && !me.caller_progressive_invocations)
            return s.abort(uris::protocol_violation,
                           "CALL with progress=true, but progressive_call_invocations was not announced in HELLO");
        if (!ctx.authorize(s.info(), Action::call, m.procedure))
            return refuse(uris::not_authorized, "session is not authorized to call procedure '" + m.procedure + "'");
        Registration* reg = index.best_match(m.procedure);
        if (!reg) return refuse(uris::no_such_procedure, "no callee registered for procedure <" + m.procedure + ">");

        if (me.calls_made.size() >= ctx.max_pending_calls)
            return refuse(uris::too_many_pending_calls,
                          "caller already has " + std::to_string(me.calls_made.size()) + " calls in flight (the limit)");
        RegisteredCallee& target = reg->pick(rng);
        DealerSession& callee = *target.session;
        if (callee.invocations_held.size() >= ctx.max_pending_calls)
            return refuse(uris::too_many_pending_calls, "callee of procedure '" + m.procedure + "' already holds " +
                                                            std::to_string(callee.invocations_held.size()) +
                                                            " calls in flight (the limit)");
        // Spec: a callee that cannot cancel is treated as not supporting progressive call invocations.
        if (progress && !(callee.callee_progressive_invocations && callee.callee_canceling))
            return refuse(uris::feature_not_supported,
                          "callee of procedure '" + m.procedure + "' does not support progressive call invocations");
        if (passthru && !callee.callee_passthru)
            return refuse(uris::feature_not_supported,
                          "callee of procedure '" + m.procedure + "' does not support payload passthru mode");

        Dict details;
        if (reg->match != MatchPolicy::exact) details.emplace("procedure", m.procedure);
        if (disclose_me || target.disclose_caller) {
            details.emplace("caller", s.id());
            details.emplace("caller_authid", s.info().authid);
            details.emplace("caller_authrole", s.info().authrole);
        }
        // Forwarded to callees that announced progressive results, whether or not they can cancel: the spec
        // asks for both, but Autobahn|JS callees announce progressive results without canceling and Crossbar
        // forwards to them.
        bool progressive_results = receive_progress && callee.callee_progressive_results;
        if (progressive_results) details.emplace("receive_progress", true);
        bool callee_runs_timeout = timeout > 0 && target.forward_timeout;
        if (callee_runs_timeout) details.emplace("timeout", timeout);
        copy_passthru_keys(m.options, details);

        Id invocation = callee.invocation_ids.next();
        CallKey key{callee.session->id(), invocation};
        PendingCall& pc = by_invocation.try_emplace(key).first->second;
        pc.caller = &me;
        pc.callee = &callee;
        pc.request = m.request;
        pc.invocation = invocation;
        pc.registration = reg->id;
        pc.receive_progress = progressive_results;
        if (timeout > 0 && !callee_runs_timeout) {
            pc.timeout_ms = timeout;
            pc.deadline_ms = saturating_add(ctx.now_ms, timeout);
            deadlines.emplace(pc.deadline_ms, key);
        }
        if (progress) {
            pc.caller_streaming = true;
            pc.procedure = m.procedure;
            pc.stream_details = details;
            details.emplace("progress", true);
        }
        by_request.emplace(CallKey{s.id(), m.request}, &pc);
        me.calls_made.push_back(pc);
        callee.invocations_held.push_back(pc);
        callee.session->send(Invocation{invocation, reg->id, std::move(details), std::move(m.payload)});
    }

    /// A further CALL of a progressive call invocation: same callee, same INVOCATION.Request, and the details
    /// of the initiating CALL; only `progress` is read from this one.
    void continue_stream(PendingCall& pc, Call&& m) {
        bool more = get_bool(m.options, "progress", false);
        if (!more) pc.caller_streaming = false;
        if (pc.killing) return;  // canceled: the callee was told to stop, so it gets no more chunks
        Dict details = pc.stream_details;
        if (more) details.emplace("progress", true);
        pc.callee->session->send(Invocation{pc.invocation, pc.registration, std::move(details), std::move(m.payload)});
    }

    void cancel(RealmSession& s, Cancel&& m) {
        auto it = by_request.find({s.id(), m.request});
        if (it == by_request.end()) return;  // already answered: the RESULT or ERROR is on its way
        PendingCall& pc = *it->second;
        if (pc.killing) return;  // a repeated CANCEL while the callee works on the first one
        CancelMode mode = CancelMode::killnowait;
        if (auto* v = find(m.options, "mode")) {
            auto* str = v->as_string();
            auto parsed = str ? parse_cancel_mode(*str) : std::nullopt;
            if (!parsed) return s.abort(uris::protocol_violation, "invalid value for 'mode' option in CANCEL");
            mode = *parsed;
        }
        if (!pc.callee->callee_canceling) mode = CancelMode::skip;  // spec: a callee that cannot cancel gets none
        switch (mode) {
        case CancelMode::skip:
            s.send(request_error(MessageType::call, pc.request, uris::canceled));
            finish(pc);
            break;
        case CancelMode::killnowait:
            s.send(request_error(MessageType::call, pc.request, uris::canceled));
            pc.callee->session->send(make_interrupt(pc.invocation, "killnowait"));
            finish(pc);
            break;
        case CancelMode::kill:
            // The caller's ERROR waits for the callee's answer to the INTERRUPT.
            pc.killing = true;
            pc.callee->session->send(make_interrupt(pc.invocation, "kill"));
            break;
        }
    }

    void yield(RealmSession& s, Yield&& m) {
        // Unknown invocations are answers to calls already canceled, timed out or whose caller left.
        auto it = by_invocation.find({s.id(), m.request});
        if (it == by_invocation.end()) return;
        PendingCall& pc = it->second;
        if (is_passthru(m.options)) {
            if (!pc.callee->callee_passthru)
                return s.abort(uris::protocol_violation,
                               "YIELD in payload passthru mode, but HELLO did not announce "
                               "callee feature payload_passthru_mode");
            // Spec: an application error to the callee, which may still answer the call in a form the caller reads.
            if (!pc.caller->caller_passthru)
                return s.send(request_error(MessageType::yield, m.request, uris::feature_not_supported,
                                            "the caller does not support payload passthru mode"));
        }
        if (get_bool(m.options, "progress", false)) {
            if (pc.killing) return;
            // Spec: with progressive results the timeout runs between results.
            restart_deadline(pc);
            // A caller that did not ask for progress could not tell a partial result from the final one.
            if (!pc.receive_progress) return;
            Dict details{{"progress", true}};
            copy_passthru_keys(m.options, details);
            pc.caller->session->send(ResultMessage{pc.request, std::move(details), std::move(m.payload)});
            return;
        }
        // Also after a "kill" cancel: the spec lets the caller receive the RESULT when the callee finished first.
        Dict details;
        copy_passthru_keys(m.options, details);
        pc.caller->session->send(ResultMessage{pc.request, std::move(details), std::move(m.payload)});
        finish(pc);
    }

    void invocation_error(RealmSession& s, ErrorMessage&& m) {
        auto it = by_invocation.find({s.id(), m.request});
        if (it == by_invocation.end()) return;
        PendingCall& pc = it->second;
        ErrorMessage reply;
        reply.request_type = MessageType::call;
        reply.request = pc.request;
        // After a "kill" cancel the caller learns that its cancel took effect (Crossbar); the callee's
        // arguments still explain how.
        reply.error = pc.killing ? std::string(uris::canceled) : std::move(m.error);
        reply.payload = std::move(m.payload);
        copy_passthru_keys(m.details, reply.details);
        pc.caller->session->send(std::move(reply));
        finish(pc);
    }

    void restart_deadline(PendingCall& pc) {
        if (pc.timeout_ms == 0) return;
        CallKey key = callee_key(pc);
        deadlines.erase({pc.deadline_ms, key});
        pc.deadline_ms = saturating_add(ctx.now_ms, pc.timeout_ms);
        deadlines.emplace(pc.deadline_ms, key);
    }

    /// Forgets a call. If its caller was still streaming progressive invocations, later continuations are
    /// remembered for discarding (unless the caller is leaving anyway).
    void finish(PendingCall& pc, bool caller_stays = true) {
        if (pc.deadline_ms != 0) deadlines.erase({pc.deadline_ms, callee_key(pc)});
        by_request.erase(caller_key(pc));
        if (pc.caller_streaming && caller_stays) {
            pc.caller->finished_streams.insert(pc.request);
            finished_stream_expiry.push_back(
                {saturating_add(ctx.now_ms, finished_stream_grace_ms), pc.caller->session->id(), pc.request});
        }
        pc.caller->calls_made.remove(pc);
        pc.callee->invocations_held.remove(pc);
        by_invocation.erase(callee_key(pc));  // destroys pc: last
    }

    void leave(RealmSession& s) {
        auto it = sessions.find(s.id());
        if (it == sessions.end()) return;
        DealerSession& me = it->second;
        // As caller: the callees stop working for nobody (spec, "Caller Leaving"); their answers will be unknown.
        while (PendingCall* pc = me.calls_made.front()) {
            if (pc->callee != &me && pc->callee->callee_canceling && !pc->killing)
                pc->callee->session->send(make_interrupt(pc->invocation, "killnowait"));
            finish(*pc, false);
        }
        // As callee: every call it held fails (spec, "Callee Leaving": wamp.error.canceled).
        while (PendingCall* pc = me.invocations_held.front()) {
            pc->caller->session->send(request_error(MessageType::call, pc->request, uris::canceled,
                                                    "callee disconnected from in-flight request"));
            finish(*pc);
        }
        // Its registrations; shared ones live on with their other callees.
        Removals removed;
        for (Id id : me.registrations) {
            auto reg = registrations.find(id);
            if (reg == registrations.end()) continue;
            reg->second->remove_callee(&me);
            const bool deleted = reg->second->callees.empty();
            if (ctx.observer) removed.push_back({s.id(), id, reg->second->uri, deleted});
            if (deleted) erase_registration(*reg->second);
        }
        sessions.erase(it);
        std::sort(removed.begin(), removed.end(), [](auto& a, auto& b) { return a.registration < b.registration; });
        report(removed);
    }

    void expire(std::uint64_t now_ms) {
        while (!deadlines.empty() && deadlines.begin()->first <= now_ms) {
            auto it = by_invocation.find(deadlines.begin()->second);
            if (it == by_invocation.end()) {  // cannot happen: finish() erases the deadline with the call
                deadlines.erase(deadlines.begin());
                continue;
            }
            PendingCall& pc = it->second;
            // Spec: implicitly killnowait where the callee can cancel, else skip; the caller gets wamp.error.timeout.
            if (pc.callee->callee_canceling && !pc.killing)
                pc.callee->session->send(make_interrupt(pc.invocation, "killnowait"));
            pc.caller->session->send(request_error(MessageType::call, pc.request, uris::timeout,
                                                   "call timed out after " + std::to_string(pc.timeout_ms) + " ms"));
            finish(pc);
        }
        while (!finished_stream_expiry.empty() && finished_stream_expiry.front().expires_ms <= now_ms) {
            auto& f = finished_stream_expiry.front();
            if (auto s = sessions.find(f.caller); s != sessions.end()) s->second.finished_streams.erase(f.request);
            finished_stream_expiry.pop_front();
        }
    }
};

Dealer::Dealer(RealmContext& ctx) : ctx_(ctx), state_(std::make_unique<State>(ctx)) {}
Dealer::~Dealer() = default;

Dict Dealer::features() {
    return Dict{
        {"call_canceling", true},
        {"call_timeout", true},
        {"caller_identification", true},
        {"pattern_based_registration", true},
        {"progressive_call_invocations", true},
        {"progressive_call_results", true},
        {"payload_passthru_mode", true},
        {"registration_revocation", true},
        {"shared_registration", true},
        {"session_meta_api", true},
        {"registration_meta_api", true},
        {"testament_meta_api", true},
    };
}

void Dealer::register_procedure(RealmSession& callee, Register&& m) {
    state_->register_procedure(callee, std::move(m));
}
void Dealer::unregister(RealmSession& callee, Unregister&& m) { state_->unregister(callee, std::move(m)); }
void Dealer::call(RealmSession& caller, Call&& m) { state_->call(caller, std::move(m)); }
void Dealer::cancel(RealmSession& caller, Cancel&& m) { state_->cancel(caller, std::move(m)); }
void Dealer::yield(RealmSession& callee, Yield&& m) { state_->yield(callee, std::move(m)); }
void Dealer::invocation_error(RealmSession& callee, ErrorMessage&& m) {
    state_->invocation_error(callee, std::move(m));
}
void Dealer::leave(RealmSession& session) { state_->leave(session); }
void Dealer::expire(std::uint64_t now_ms) { state_->expire(now_ms); }
bool Dealer::revoke(Id registration, Id callee, std::string_view reason) {
    return state_->revoke(registration, callee, reason);
}
std::optional<RegistrationInfo> Dealer::registration(Id id) const {
    auto it = state_->registrations.find(id);
    if (it == state_->registrations.end()) return std::nullopt;
    const Registration& reg = *it->second;
    RegistrationInfo info{reg.id, reg.uri, reg.match, reg.invoke, reg.created_ms, {}};
    info.callees.reserve(reg.callees.size());
    for (auto& c : reg.callees) info.callees.push_back(c.session->session->id());
    return info;
}

Id Dealer::lookup_registration(std::string_view uri, MatchPolicy match) const {
    const Registration* reg = state_->index.find(uri, match);
    return reg ? reg->id : 0;
}

Id Dealer::match_registration(std::string_view procedure) const {
    const Registration* reg = state_->index.best_match(procedure);
    return reg ? reg->id : 0;
}

void Dealer::for_each_registration(const RegistrationVisitor& f) const {
    state_->index.for_each([&](const Registration& reg) { f(reg.id, reg.uri, reg.match); });
}

std::size_t Dealer::registration_count() const { return state_->registrations.size(); }
std::size_t Dealer::pending_call_count() const { return state_->by_invocation.size(); }

}  // namespace flyover::realm
