// ClientSession: calls (progressive results, cancel, timeout option, errors as values) and the callee side
// (registrations, invocations answered now, later, from another thread, progressively, interrupted).

#include <deque>
#include <functional>
#include <thread>

#include <catch2/catch.hpp>

#include "client/client_uris.hpp"
#include "serializers/error_uris.hpp"
#include "session_fixture.hpp"

using namespace flyover;
using namespace flyover::client;
using namespace flyover::test;

namespace {

/// Registers `procedure` with `handler` and completes the registration as registration `id`.
Registration register_as(SessionFixture& f, std::string procedure, InvocationHandler handler, Id id,
                         RegisterOptions options = {}) {
    Capture<Outcome<Registration>> reg;
    f.session.register_procedure(procedure, std::move(handler), std::move(options), reg.handler());
    auto* r = f.transport.last<Register>();
    REQUIRE(r);
    f.session.handle(Registered{r->request, id});
    REQUIRE(reg.calls == 1);
    REQUIRE(reg.value->ok());
    f.transport.sent.clear();
    return reg.value->value();
}

}  // namespace

// ------------------------------------------------------------------------------------------------------------
// Caller

TEST_CASE("call: CALL options, then the final RESULT completes the call once", "[client][rpc]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> call;
    CallOptions options;
    options.timeout = std::chrono::milliseconds(1500);
    options.disclose_me = true;
    options.extra = Dict{{"x_custom", 1}};
    Id request = f.session.call("com.example.add", {2, 3}, Dict{{"k", "v"}}, options, call.handler());
    CHECK(request == 1);
    auto* c = f.transport.last<Call>();
    REQUIRE(c);
    CHECK(c->procedure == "com.example.add");
    CHECK(c->payload.args == List{2, 3});
    CHECK(c->payload.kwargs == Dict{{"k", "v"}});
    CHECK(*get_uint(c->options, "timeout") == 1500);
    CHECK(get_bool(c->options, "disclose_me", false));
    CHECK(find(c->options, "x_custom"));
    CHECK_FALSE(find(c->options, "receive_progress"));

    f.session.handle(ResultMessage{request, {}, payload({5}, Dict{{"exact", true}})});
    REQUIRE(call.calls == 1);
    REQUIRE(call.value->ok());
    CHECK(call.value->value().args == List{5});
    CHECK(call.value->value().kwargs == Dict{{"exact", true}});
    CHECK(f.session.pending_requests() == 0);
}

TEST_CASE("call: an application error arrives as a value with its URI, args and kwargs", "[client][rpc]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> call;
    Id request = f.session.call("com.example.calc.div", {1, 0}, {}, {}, call.handler());
    f.session.handle(ErrorMessage{MessageType::call, request, {}, "com.example.calc.division_by_zero",
                                  payload({"cannot divide by zero"}, Dict{{"dividend", 1}})});
    REQUIRE(call.calls == 1);
    REQUIRE_FALSE(call.value->ok());
    const WampError& e = call.value->error();
    CHECK(e.uri == "com.example.calc.division_by_zero");
    CHECK(e.args == List{"cannot divide by zero"});
    CHECK(e.kwargs == Dict{{"dividend", 1}});
    CHECK(e.message() == "cannot divide by zero");
}

TEST_CASE("call: progressive results go to on_progress, the final one to the handler", "[client][rpc]") {
    SessionFixture f;
    f.join();
    std::vector<List> progress;
    Capture<Outcome<CallResult>> call;
    CallOptions options;
    options.on_progress = [&](const CallResult& r) { progress.push_back(r.args); };
    Id request = f.session.call("com.example.countdown", {3}, {}, options, call.handler());
    CHECK(get_bool(f.transport.last<Call>()->options, "receive_progress", false));
    for (int i = 3; i >= 1; --i) f.session.handle(ResultMessage{request, Dict{{"progress", true}}, payload({i})});
    CHECK(call.calls == 0);
    CHECK(progress == std::vector<List>{{3}, {2}, {1}});
    f.session.handle(ResultMessage{request, {}, payload({"done"})});
    REQUIRE(call.calls == 1);
    CHECK(call.value->value().args == List{"done"});
    // After the final result, a RESULT for the request is a protocol violation.
    f.session.handle(ResultMessage{request, Dict{{"progress", true}}, payload({0})});
    CHECK(f.transport.last<Abort>());
}

TEST_CASE("call: a progressive RESULT the caller did not ask for is dropped", "[client][rpc]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> call;
    Id request = f.session.call("com.p", {}, {}, {}, call.handler());
    f.session.handle(ResultMessage{request, Dict{{"progress", true}}, payload({1})});
    CHECK(call.calls == 0);
    CHECK(f.session.is_joined());
    f.session.handle(ResultMessage{request, {}, payload({2})});
    CHECK(call.value->value().args == List{2});
}

TEST_CASE("call: on_progress may cancel the call", "[client][rpc]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> call;
    CallOptions options;
    Id request = 0;
    options.on_progress = [&](const CallResult&) { CHECK(f.session.cancel(request, CancelMode::killnowait)); };
    request = f.session.call("com.p", {}, {}, options, call.handler());
    f.session.handle(ResultMessage{request, Dict{{"progress", true}}, payload({1})});
    auto* cancel = f.transport.last<Cancel>();
    REQUIRE(cancel);
    CHECK(*get_string(cancel->options, "mode") == "killnowait");
}

TEST_CASE("cancel: CANCEL with the mode, once; the call then fails with wamp.error.canceled", "[client][rpc]") {
    SessionFixture f;
    f.join();
    for (auto mode : {CancelMode::skip, CancelMode::kill, CancelMode::killnowait}) {
        Capture<Outcome<CallResult>> call;
        Id request = f.session.call("com.slow", {}, {}, {}, call.handler());
        CHECK(f.session.cancel(request, mode));
        auto* cancel = f.transport.last<Cancel>();
        REQUIRE(cancel);
        CHECK(cancel->request == request);
        CHECK(*get_string(cancel->options, "mode") == cancel_mode_name(mode));
        CHECK_FALSE(f.session.cancel(request, mode));  // already sent
        f.session.handle(ErrorMessage{MessageType::call, request, {}, std::string(flyover::uris::canceled), {}});
        REQUIRE(call.calls == 1);
        CHECK(call.value->error().uri == flyover::uris::canceled);
        CHECK_FALSE(f.session.cancel(request, mode));  // no longer pending
    }
    CHECK_FALSE(f.session.cancel(12345));
}

TEST_CASE("cancel in kill mode: the result wins if the callee finished first", "[client][rpc]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> call;
    Id request = f.session.call("com.slow", {}, {}, {}, call.handler());
    CHECK(f.session.cancel(request));
    f.session.handle(ResultMessage{request, {}, payload({"finished anyway"})});
    REQUIRE(call.calls == 1);
    CHECK(call.value->ok());
}

TEST_CASE("cancel is refused for something that is not a pending call", "[client][rpc]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<Subscription>> sub;
    f.session.subscribe("t", [](const EventData&) {}, sub.handler());
    CHECK_FALSE(f.session.cancel(1));  // request 1 is a SUBSCRIBE
    CHECK_FALSE(f.transport.last<Cancel>());
}

TEST_CASE("call timeout: the router's wamp.error.timeout is an error value", "[client][rpc]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<CallResult>> call;
    CallOptions options;
    options.timeout = std::chrono::milliseconds(100);
    Id request = f.session.call("com.slow", {}, {}, options, call.handler());
    f.session.handle(ErrorMessage{MessageType::call, request, {}, std::string(flyover::uris::timeout),
                                  payload({"call timed out after 100 ms"})});
    CHECK(call.value->error().uri == flyover::uris::timeout);
}

TEST_CASE("call fails at once without a session or with a full write queue", "[client][rpc]") {
    SessionFixture f;
    Capture<Outcome<CallResult>> early;
    CHECK(f.session.call("com.a", {}, {}, {}, early.handler()) == 0);
    REQUIRE(early.calls == 1);
    CHECK(early.value->error().uri == client::uris::not_joined);

    f.join();
    f.transport.queue_full = true;
    Capture<Outcome<CallResult>> full;
    CHECK(f.session.call("com.a", {}, {}, {}, full.handler()) == 0);
    CHECK(full.value->error().uri == client::uris::write_queue_full);
    CHECK(f.session.pending_requests() == 0);
}

// ------------------------------------------------------------------------------------------------------------
// Callee

TEST_CASE("register: REGISTER options; REGISTERED gives the registration; errors are values", "[client][rpc]") {
    SessionFixture f;
    f.join();
    Capture<Outcome<Registration>> reg;
    RegisterOptions options;
    options.match = Match::wildcard;
    options.invoke = "roundrobin";
    f.session.register_procedure("com..get", [](IncomingCall) {}, options, reg.handler());
    auto* r = f.transport.last<Register>();
    REQUIRE(r);
    CHECK(r->procedure == "com..get");
    CHECK(*get_string(r->options, "match") == "wildcard");
    CHECK(*get_string(r->options, "invoke") == "roundrobin");
    f.session.handle(Registered{r->request, 31});
    CHECK(reg.value->value().id == 31);
    CHECK(reg.value->value().procedure == "com..get");

    Capture<Outcome<Registration>> taken;
    f.session.register_procedure("com.taken", [](IncomingCall) {}, taken.handler());
    f.session.handle(ErrorMessage{MessageType::reg, f.transport.last<Register>()->request, {},
                                  "wamp.error.procedure_already_exists", {}});
    CHECK(taken.value->error().uri == "wamp.error.procedure_already_exists");
}

TEST_CASE("invocation answered synchronously with yield or error", "[client][rpc]") {
    SessionFixture f;
    f.join();
    register_as(f, "com.example.calc.add", [](IncomingCall call) {
        auto a = call.args()[0].as_int(), b = call.args()[1].as_int();
        call.yield({*a + *b});
    }, 10);
    register_as(f, "com.example.calc.div", [](IncomingCall call) {
        call.error("com.example.calc.division_by_zero", {"cannot divide by zero"});
    }, 11);

    f.session.handle(Invocation{100, 10, {}, payload({2, 3})});
    auto* y = f.transport.last<Yield>();
    REQUIRE(y);
    CHECK(y->request == 100);
    CHECK(y->payload.args == List{5});
    CHECK_FALSE(find(y->options, "progress"));

    f.session.handle(Invocation{101, 11, {}, payload({1, 0})});
    auto* e = f.transport.last<ErrorMessage>();
    REQUIRE(e);
    CHECK(e->request_type == MessageType::invocation);
    CHECK(e->request == 101);
    CHECK(e->error == "com.example.calc.division_by_zero");
    CHECK(f.session.open_invocations() == 0);
}

TEST_CASE("invocation details: procedure of a pattern registration, caller, receive_progress", "[client][rpc]") {
    SessionFixture f;
    f.join();
    std::optional<IncomingCall> seen;
    RegisterOptions prefix;
    prefix.match = Match::prefix;
    register_as(f, "com.example", [&](IncomingCall call) { seen = call; }, 12, prefix);
    f.session.handle(Invocation{5, 12, Dict{{"procedure", "com.example.x"}, {"caller", 77}, {"receive_progress", true}}, {}});
    REQUIRE(seen);
    CHECK(seen->procedure() == "com.example.x");
    CHECK(seen->caller() == Id{77});
    CHECK(seen->progress_requested());
    CHECK(seen->request() == 5);
    CHECK(seen->registration() == 12);
    seen->yield();
}

TEST_CASE("invocation answered later; every answer after the first is dropped", "[client][rpc]") {
    SessionFixture f;
    f.join();
    std::vector<IncomingCall> held;
    register_as(f, "com.later", [&](IncomingCall call) { held.push_back(call); }, 10);
    f.session.handle(Invocation{1, 10, {}, {}});
    CHECK(f.transport.sent.empty());
    CHECK(f.session.open_invocations() == 1);
    CHECK_FALSE(held[0].done());
    CHECK(held[0].yield({"late"}));
    CHECK(held[0].done());
    REQUIRE(f.transport.last<Yield>());
    CHECK(f.transport.last<Yield>()->payload.args == List{"late"});
    CHECK_FALSE(held[0].yield({"again"}));
    CHECK_FALSE(held[0].error("com.x"));
    CHECK(f.transport.sent.size() == 1);
    CHECK(f.session.open_invocations() == 0);
}

TEST_CASE("a handler that throws answers wamp.error.runtime_error", "[client][rpc]") {
    SessionFixture f;
    f.join();
    register_as(f, "com.throws", [](IncomingCall) { throw std::runtime_error("kaboom"); }, 10);
    REQUIRE_NOTHROW(f.session.handle(Invocation{1, 10, {}, {}}));
    auto* e = f.transport.last<ErrorMessage>();
    REQUIRE(e);
    CHECK(e->error == client::uris::runtime_error);
    CHECK(e->payload.args == List{"kaboom"});
    CHECK(f.transport.sent.size() == 1);
}

TEST_CASE("a handler that drops the invocation unanswered answers wamp.error.runtime_error", "[client][rpc]") {
    SessionFixture f;
    f.join();
    register_as(f, "com.forgets", [](IncomingCall) {}, 10);
    f.session.handle(Invocation{1, 10, {}, {}});
    auto* e = f.transport.last<ErrorMessage>();
    REQUIRE(e);
    CHECK(e->request == 1);
    CHECK(e->error == client::uris::runtime_error);
    CHECK(f.session.open_invocations() == 0);
}

TEST_CASE("progressive YIELDs only when the caller asked for them", "[client][rpc]") {
    SessionFixture f;
    f.join();
    std::optional<IncomingCall> call;
    register_as(f, "com.stream", [&](IncomingCall c) { call = c; }, 10);

    f.session.handle(Invocation{1, 10, Dict{{"receive_progress", true}}, {}});
    CHECK(call->progress({1}));
    CHECK(call->progress({2}, Dict{{"k", 1}}));
    CHECK(call->yield({"end"}));
    CHECK_FALSE(call->progress({3}));
    auto yields = f.transport.sent_of<Yield>();
    REQUIRE(yields.size() == 3);
    CHECK(get_bool(yields[0].options, "progress", false));
    CHECK(yields[0].payload.args == List{1});
    CHECK(get_bool(yields[1].options, "progress", false));
    CHECK(yields[1].payload.kwargs == Dict{{"k", 1}});
    CHECK_FALSE(get_bool(yields[2].options, "progress", false));

    f.transport.sent.clear();
    f.session.handle(Invocation{2, 10, {}, {}});  // no receive_progress
    CHECK_FALSE(call->progress({1}));
    CHECK(f.transport.sent.empty());
    call->yield({"only"});
    CHECK(f.transport.sent_of<Yield>().size() == 1);
}

TEST_CASE("INTERRUPT in kill mode: the client answers wamp.error.canceled and drops later answers", "[client][rpc]") {
    SessionFixture f;
    f.join();
    std::optional<IncomingCall> call;
    std::vector<CancelMode> interrupts;
    register_as(f, "com.slow", [&](IncomingCall c) {
        c.on_interrupt([&](CancelMode m) { interrupts.push_back(m); });
        call = c;
    }, 10);
    f.session.handle(Invocation{1, 10, Dict{{"receive_progress", true}}, {}});
    f.session.handle(Interrupt{1, Dict{{"mode", "kill"}}});
    CHECK(interrupts == std::vector<CancelMode>{CancelMode::kill});
    auto* e = f.transport.last<ErrorMessage>();
    REQUIRE(e);
    CHECK(e->request == 1);
    CHECK(e->error == flyover::uris::canceled);
    CHECK(call->done());
    CHECK_FALSE(call->yield({"too late"}));
    CHECK_FALSE(call->progress({1}));
    CHECK(f.transport.sent.size() == 1);
}

TEST_CASE("INTERRUPT in kill mode: an on_interrupt callback may answer itself", "[client][rpc]") {
    SessionFixture f;
    f.join();
    register_as(f, "com.partial", [&](IncomingCall c) {
        c.on_interrupt([c](CancelMode) { c.yield({"partial"}); });
    }, 10);
    // The handler returns without answering, but keeps a copy alive in its interrupt callback.
    f.session.handle(Invocation{1, 10, {}, {}});
    CHECK(f.transport.sent.empty());
    f.session.handle(Interrupt{1, Dict{{"mode", "kill"}}});
    REQUIRE(f.transport.sent.size() == 1);
    REQUIRE(f.transport.last<Yield>());
    CHECK(f.transport.last<Yield>()->payload.args == List{"partial"});
}

TEST_CASE("INTERRUPT in killnowait mode: no answer is sent at all", "[client][rpc]") {
    SessionFixture f;
    f.join();
    std::optional<IncomingCall> call;
    std::vector<CancelMode> interrupts;
    register_as(f, "com.slow", [&](IncomingCall c) {
        c.on_interrupt([&](CancelMode m) { interrupts.push_back(m); });
        call = c;
    }, 10);
    f.session.handle(Invocation{1, 10, {}, {}});
    f.session.handle(Interrupt{1, Dict{{"mode", "killnowait"}}});
    CHECK(interrupts == std::vector<CancelMode>{CancelMode::killnowait});
    CHECK(f.transport.sent.empty());
    CHECK_FALSE(call->yield({"ignored"}));
    CHECK(f.transport.sent.empty());
    call.reset();  // dropping it now sends nothing either
    CHECK(f.transport.sent.empty());
}

TEST_CASE("INTERRUPT for an invocation already answered is ignored", "[client][rpc]") {
    SessionFixture f;
    f.join();
    register_as(f, "com.fast", [](IncomingCall c) { c.yield(); }, 10);
    f.session.handle(Invocation{1, 10, {}, {}});
    f.transport.sent.clear();
    f.session.handle(Interrupt{1, Dict{{"mode", "kill"}}});
    f.session.handle(Interrupt{999, {}});
    CHECK(f.transport.sent.empty());
    CHECK(f.session.is_joined());
}

TEST_CASE("unregister: invocations crossing the UNREGISTER are still served; unknown ones are refused",
          "[client][rpc]") {
    SessionFixture f;
    f.join();
    int served = 0;
    Registration reg = register_as(f, "com.p", [&](IncomingCall c) {
        ++served;
        c.yield();
    }, 10);
    Capture<Status> unreg;
    f.session.unregister(reg, unreg.handler());
    REQUIRE(f.transport.last<Unregister>());
    Unregister u = *f.transport.last<Unregister>();
    CHECK(u.registration == 10);
    f.session.handle(Invocation{1, 10, {}, {}});
    CHECK(served == 1);
    f.session.handle(Unregistered{u.request, {}});
    CHECK(unreg.value->ok());

    f.transport.sent.clear();
    f.session.handle(Invocation{2, 10, {}, {}});
    CHECK(served == 1);
    auto* e = f.transport.last<ErrorMessage>();
    REQUIRE(e);
    CHECK(e->error == flyover::uris::no_such_registration);

    Capture<Status> again;
    f.session.unregister(reg, again.handler());
    CHECK(again.value->error().uri == flyover::uris::no_such_registration);
}

TEST_CASE("a revoked registration stops serving", "[client][rpc]") {
    SessionFixture f;
    f.join();
    int served = 0;
    register_as(f, "com.p", [&](IncomingCall c) {
        ++served;
        c.yield();
    }, 10);
    f.session.handle(Unregistered{0, Dict{{"registration", 10}, {"reason", "wamp.error.unregistered"}}});
    f.session.handle(Invocation{1, 10, {}, {}});
    CHECK(served == 0);
    CHECK(f.transport.last<ErrorMessage>());
}

TEST_CASE("a second INVOCATION with a request id still open is a protocol violation", "[client][rpc]") {
    SessionFixture f;
    f.join();
    std::vector<IncomingCall> held;
    register_as(f, "com.p", [&](IncomingCall c) { held.push_back(c); }, 10);
    f.session.handle(Invocation{1, 10, {}, {}});
    f.session.handle(Invocation{1, 10, {}, {}});
    REQUIRE(f.transport.last<Abort>());
    CHECK(f.transport.last<Abort>()->reason == flyover::uris::protocol_violation);
}

TEST_CASE("answers to an invocation of an ended session are never sent on the next one", "[client][rpc]") {
    SessionFixture f;
    f.join();
    std::vector<IncomingCall> held;
    register_as(f, "com.p", [&](IncomingCall c) { held.push_back(c); }, 10);
    f.session.handle(Invocation{1, 10, {}, {}});
    f.session.transport_closed();
    f.join(2);
    CHECK_FALSE(held[0].yield({"stale"}));  // the link to the old session is gone
    held.clear();                           // and dropping it does not answer either
    CHECK(f.transport.sent.empty());
}

TEST_CASE("answers from another thread go through the dispatcher to the session's thread", "[client][rpc]") {
    SessionFixture f;
    // A dispatcher that queues, like a strand post: the test drains it on "the session thread".
    std::mutex m;
    std::deque<std::function<void()>> queue;
    f.session.set_dispatcher([&](std::function<void()> fn) {
        std::lock_guard lock(m);
        queue.push_back(std::move(fn));
    });
    f.join();
    std::optional<IncomingCall> call;
    register_as(f, "com.worker", [&](IncomingCall c) { call = c; }, 10);
    f.session.handle(Invocation{1, 10, Dict{{"receive_progress", true}}, {}});
    std::thread worker([c = *call] {
        c.progress({1});
        c.yield({"from a worker"});
    });
    worker.join();
    CHECK(f.transport.sent.empty());  // nothing touched the session off its thread
    std::deque<std::function<void()>> work;
    {
        std::lock_guard lock(m);
        work.swap(queue);
    }
    for (auto& fn : work) fn();
    auto yields = f.transport.sent_of<Yield>();
    REQUIRE(yields.size() == 2);
    CHECK(get_bool(yields[0].options, "progress", false));
    CHECK(yields[1].payload.args == List{"from a worker"});
}

TEST_CASE("open invocations are interrupted (killnowait) when the session ends", "[client][rpc]") {
    SessionFixture f;
    f.join();
    std::vector<IncomingCall> held;
    std::vector<CancelMode> interrupts;
    register_as(f, "com.long", [&](IncomingCall c) {
        c.on_interrupt([&](CancelMode m) { interrupts.push_back(m); });
        held.push_back(c);
    }, 10);
    f.session.handle(Invocation{1, 10, {}, {}});
    f.session.handle(Invocation{2, 10, {}, {}});
    held[1].yield();
    f.transport.sent.clear();
    f.session.handle(Goodbye{{}, "wamp.close.system_shutdown"});
    CHECK(interrupts == std::vector<CancelMode>{CancelMode::killnowait});  // only the unanswered one
    CHECK(held[0].done());
    CHECK_FALSE(held[0].yield());
    CHECK(f.transport.sent.size() == 1);  // the GOODBYE reply, nothing for the invocation
    CHECK(f.session.open_invocations() == 0);
}

TEST_CASE("an on_interrupt callback that captures its IncomingCall does not keep it alive", "[client][rpc]") {
    struct Sentinel {
        bool* destroyed;
        ~Sentinel() { *destroyed = true; }
    };
    SessionFixture f;
    f.join();
    bool destroyed = false;
    std::vector<IncomingCall> held;
    register_as(f, "com.cycle", [&](IncomingCall c) {
        auto sentinel = std::make_shared<Sentinel>(&destroyed);
        c.on_interrupt([c, sentinel](CancelMode) { c.error("com.never"); });
        held.push_back(c);
    }, 10);
    f.session.handle(Invocation{1, 10, {}, {}});
    CHECK_FALSE(destroyed);  // the callback is kept while the invocation is open
    SECTION("answered normally") { held[0].yield(); }
    SECTION("interrupted") { f.session.handle(Interrupt{1, Dict{{"mode", "killnowait"}}}); }
    SECTION("the session ended") { f.session.transport_closed(); }
    // Ended: the callback (and what it captured) is released even though `held` still refers to the call;
    // without that, the callback's copy of the call and the call's callback would keep each other alive.
    CHECK(destroyed);
    held.clear();
}
