#pragma once
// One INVOCATION as a callee's handler sees it, and the handle to answer it: progress() any number of times
// (when the caller asked for progressive results), then exactly one yield() or error(). The handle is a cheap
// copyable reference, so a handler can answer later (after a timer, from a worker thread).
//
// Thread affinity: the getters and on_interrupt() belong to the thread that runs the handler; progress(),
// yield() and error() may be called from any thread (they are dispatched to the session's thread). The first
// of yield()/error()/an interrupt wins; later answers are dropped and return false.
// If the last copy of an unanswered IncomingCall is destroyed, the caller gets wamp.error.runtime_error
// rather than waiting forever. If the session ends first (GOODBYE, lost connection), the invocation ends with
// it: on_interrupt runs with CancelMode::killnowait and done() turns true, so long-running work can stop.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "client/client_types.hpp"
#include "serializers/message.hpp"

namespace flyover::client {

class ClientSession;

/// Runs a function on the session's thread (inline in tests; a strand dispatch in Client).
using Dispatcher = std::function<void(std::function<void()>)>;

namespace detail {

/// The tie between invocations and the WAMP session that received them. Cleared when that session ends, so
/// an answer to an invocation of a previous session (before a reconnect) is never sent on the new one.
struct SessionLink {
    /// Read and cleared on the session thread only.
    ClientSession* session = nullptr;
    /// Set before the link is shared and never changed: safe to call from any thread.
    Dispatcher dispatch;
};

struct InvocationState {
    Invocation message;
    std::string procedure;
    std::weak_ptr<SessionLink> link;
    std::atomic<bool> answered{false};
    std::mutex interrupt_mutex;
    std::function<void(CancelMode)> on_interrupt;

    InvocationState(Invocation m, std::string proc, std::weak_ptr<SessionLink> l)
        : message(std::move(m)), procedure(std::move(proc)), link(std::move(l)) {}
    ~InvocationState();
    /// Sends `reply` on the session thread if this invocation is still open there.
    bool deliver(Message reply, bool final);
    /// Takes the interrupt callback out. Called once the invocation ended: a callback that captured the
    /// IncomingCall would otherwise keep this state alive forever (a reference cycle).
    std::function<void(CancelMode)> take_interrupt();
};

}  // namespace detail

class IncomingCall {
public:
    explicit IncomingCall(std::shared_ptr<detail::InvocationState> state) : state_(std::move(state)) {}

    const List& args() const { return state_->message.payload.args; }
    const Dict& kwargs() const { return state_->message.payload.kwargs; }
    /// INVOCATION.Details (caller, procedure, receive_progress, ...).
    const Dict& details() const { return state_->message.details; }
    /// The URI that was called (details.procedure for pattern registrations, else the registered URI).
    const std::string& procedure() const { return state_->procedure; }
    Id request() const { return state_->message.request; }
    Id registration() const { return state_->message.registration; }
    /// The caller's session id, when the caller disclosed it.
    std::optional<Id> caller() const;
    /// Whether the caller asked for progressive results.
    bool progress_requested() const;
    /// Whether this invocation was answered or interrupted.
    bool done() const { return state_->answered.load(); }

    /// Sends a progressive result (YIELD with progress=true). False (and nothing sent) when the caller did not
    /// ask for progress or the invocation has ended.
    bool progress(List args = {}, Dict kwargs = {}) const;
    /// Sends the final result.
    bool yield(List args = {}, Dict kwargs = {}) const;
    /// Answers with an application error (the caller gets ERROR with this URI).
    bool error(std::string uri, List args = {}, Dict kwargs = {}) const;
    bool error(const WampError& e) const { return error(e.uri, e.args, e.kwargs); }

    /// Called on the session thread when the router interrupts this invocation (the caller canceled it or its
    /// timeout expired). The invocation has ended by then: in "kill" mode the client answers
    /// wamp.error.canceled unless the callback answers first; in "killnowait" mode no answer is sent.
    void on_interrupt(std::function<void(CancelMode)> callback) const;

private:
    std::shared_ptr<detail::InvocationState> state_;
};

using InvocationHandler = std::function<void(IncomingCall)>;

}  // namespace flyover::client
