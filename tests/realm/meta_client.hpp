#pragma once
// Helpers for the meta API tests: CALL a procedure and read its RESULT or ERROR, SUBSCRIBE, REGISTER and PUBLISH
// through Realm::handle, and read the EVENTs a FakePeer got, as a client would.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "fake_peer.hpp"
#include "realm/realm.hpp"

namespace flyover::test {

/// The answer to one CALL: RESULT arguments, or the ERROR URI.
struct Answer {
    bool answered = false;
    std::string error;
    List args;
    Dict kwargs;

    bool ok() const { return answered && error.empty(); }
    /// The first RESULT argument (most meta procedures return exactly one).
    const Value& value() const {
        static const Value none;
        return args.empty() ? none : args[0];
    }
};

inline Id next_meta_request = 50000;

inline Answer call(realm::Realm& r, Id session, const FakePeer& peer, std::string procedure, List args = {},
                   Dict kwargs = {}) {
    const Id request = ++next_meta_request;
    r.handle(session, Call{request, {}, std::move(procedure), Payload{std::move(args), std::move(kwargs), {}}});
    Answer a;
    for (auto& m : peer.messages()) {
        if (auto* res = std::get_if<ResultMessage>(&m); res && res->request == request) {
            a.answered = true;
            a.args = res->payload.args;
            a.kwargs = res->payload.kwargs;
        } else if (auto* err = std::get_if<ErrorMessage>(&m); err && err->request == request) {
            a.answered = true;
            a.error = err->error;
            a.args = err->payload.args;
        }
    }
    return a;
}

/// SUBSCRIBE; the subscription ID from SUBSCRIBED (0 if none came).
inline Id subscribe(realm::Realm& r, Id session, const FakePeer& peer, std::string topic, Dict options = {}) {
    const Id request = ++next_meta_request;
    r.handle(session, Subscribe{request, std::move(options), std::move(topic)});
    for (auto& s : peer.received<Subscribed>())
        if (s.request == request) return s.subscription;
    return 0;
}

/// REGISTER; the registration ID from REGISTERED (0 if none came).
inline Id register_procedure(realm::Realm& r, Id session, const FakePeer& peer, std::string procedure,
                             Dict options = {}) {
    const Id request = ++next_meta_request;
    r.handle(session, Register{request, std::move(options), std::move(procedure)});
    for (auto& s : peer.received<Registered>())
        if (s.request == request) return s.registration;
    return 0;
}

/// PUBLISH with acknowledge; the publication ID from PUBLISHED (0 if none came).
inline Id publish(realm::Realm& r, Id session, const FakePeer& peer, std::string topic, List args = {},
                  Dict kwargs = {}, Dict options = {}) {
    const Id request = ++next_meta_request;
    options.insert_or_assign("acknowledge", true);
    r.handle(session, Publish{request, std::move(options), std::move(topic), Payload{std::move(args), std::move(kwargs), {}}});
    for (auto& p : peer.received<Published>())
        if (p.request == request) return p.publication;
    return 0;
}

/// The EVENTs `peer` got for `subscription`, in order.
inline std::vector<Event> events_for(const FakePeer& peer, Id subscription) {
    std::vector<Event> out;
    for (auto& e : peer.received<Event>())
        if (e.subscription == subscription) out.push_back(e);
    return out;
}

/// The topics of the EVENTs `peer` got through a pattern subscription, in order (details.topic).
inline std::vector<std::string> event_topics(const FakePeer& peer, Id subscription) {
    std::vector<std::string> out;
    for (auto& e : events_for(peer, subscription)) {
        auto* t = get_string(e.details, "topic");
        out.push_back(t ? *t : std::string("?"));
    }
    return out;
}

/// A fixed wall clock for timestamps: 2024-05-01T12:00:00.000Z plus `offset_ms`, advanced by tests at will.
struct FixedClock {
    std::uint64_t now = 1714564800000ULL;
    realm::WallClock clock() {
        return [this] { return now; };
    }
};

}  // namespace flyover::test
