#pragma once
// The WAMP client protocol with no I/O: request ids, pending requests, the HELLO -> (CHALLENGE ->) WELCOME
// -> ... -> GOODBYE states, subscriptions and registrations. Incoming messages go in through handle(),
// outgoing ones leave through a Transport, and everything the application asked for comes back as one
// callback call with an Outcome. Nothing here waits, reads a clock or opens a socket, so every path (ABORT on
// join, ERROR replies, unexpected messages, lost connections) is tested by scripting messages.
//
// Every request completes exactly once: with its reply, with the router's ERROR, or, when the session ends
// first (GOODBYE, ABORT, protocol violation, lost transport), with a WampError naming why.
// A request that cannot be sent at all (not joined, write queue full) fails before the method returns.
//
// Thread affinity: single-threaded. Every method, and every callback, runs on the thread (strand) that owns
// the session; the only exception is IncomingCall's answers, which the dispatcher brings back to it.
// Exceptions thrown by application callbacks are caught and reported to the logger: none escapes handle().

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "client/client_types.hpp"
#include "client/incoming_call.hpp"
#include "client/transport.hpp"
#include "serializers/ids.hpp"
#include "serializers/message.hpp"

namespace flyover::client {

class ClientSession {
public:
    enum class State {
        /// No session: join() may be called.
        closed,
        /// HELLO sent, waiting for WELCOME (or CHALLENGE, or ABORT).
        joining,
        /// AUTHENTICATE sent, waiting for WELCOME (or ABORT).
        authenticating,
        established,
        /// GOODBYE sent, waiting for the router's GOODBYE.
        leaving,
    };

    explicit ClientSession(Transport& transport);
    ~ClientSession();
    ClientSession(const ClientSession&) = delete;
    ClientSession& operator=(const ClientSession&) = delete;

    /// How IncomingCall answers reach this session's thread. Default: called inline.
    void set_dispatcher(Dispatcher dispatcher);
    /// Where the session reports what it cannot hand to a callback (a callback threw, the router broke the
    /// protocol). Default: nowhere.
    void set_logger(std::function<void(std::string_view)> logger);
    /// Called once each time an established session ends, with the reason.
    void on_close(CloseHandler handler) { on_close_ = std::move(handler); }
    /// The `agent` announced in HELLO.
    void set_agent(std::string agent) { agent_ = std::move(agent); }

    // --- Driving the session (the owner of the transport calls these) ---

    /// A message decoded from the transport.
    void handle(Message&& m);
    /// The transport delivered something that is not a valid WAMP message: ABORT protocol_violation.
    void protocol_error(std::string why);
    /// The transport is gone. Pending requests fail with `uris::transport_lost`.
    void transport_closed(std::string why = {});

    // --- Session lifecycle ---

    /// Sends HELLO for `realm`; `done` gets the WELCOME details, or the ABORT (or failure) as an error.
    void join(std::string realm, JoinOptions options, JoinHandler done);
    /// Sends GOODBYE with `reason`; `done` runs when the router's GOODBYE arrives. Pending requests fail with
    /// `reason`. Calls made afterwards fail with not_joined.
    void leave(std::string reason, StatusHandler done = {});
    void leave(StatusHandler done = {});

    State state() const { return state_; }
    bool is_joined() const { return state_ == State::established; }
    /// The WELCOME of the current session (session 0 when none).
    const SessionInfo& info() const { return info_; }

    // --- Publish & Subscribe ---

    void subscribe(std::string topic, EventHandler handler, SubscribeOptions options, SubscribeHandler done);
    void subscribe(std::string topic, EventHandler handler, SubscribeHandler done) {
        subscribe(std::move(topic), std::move(handler), {}, std::move(done));
    }
    /// Removes this handler; UNSUBSCRIBE goes to the router when it was the subscription's last local handler.
    void unsubscribe(const Subscription& subscription, StatusHandler done = {});
    /// With acknowledge, `done` gets the publication id or the router's ERROR; without, it runs at once
    /// (publication 0) once the message is queued.
    void publish(std::string topic, List args, Dict kwargs, PublishOptions options, PublishHandler done = {});
    void publish(std::string topic, List args = {}, Dict kwargs = {}) {
        publish(std::move(topic), std::move(args), std::move(kwargs), {}, {});
    }

    // --- Remote Procedure Calls ---

    void register_procedure(std::string procedure, InvocationHandler handler, RegisterOptions options,
                            RegisterHandler done);
    void register_procedure(std::string procedure, InvocationHandler handler, RegisterHandler done) {
        register_procedure(std::move(procedure), std::move(handler), {}, std::move(done));
    }
    void unregister(const Registration& registration, StatusHandler done = {});
    /// Calls `procedure`. Returns the CALL's request id (for cancel), or 0 when the call failed at once.
    Id call(std::string procedure, List args, Dict kwargs, CallOptions options, CallHandler done);
    Id call(std::string procedure, List args, CallHandler done) {
        return call(std::move(procedure), std::move(args), {}, {}, std::move(done));
    }
    /// Sends CANCEL for a pending call. The call's handler then gets wamp.error.canceled (or, in kill mode, the
    /// result if the callee finished first). False when the call is not pending or a cancel was already sent.
    bool cancel(Id call_request, CancelMode mode = CancelMode::kill);

    /// Requests awaiting a reply (all kinds), for tests and diagnostics.
    std::size_t pending_requests() const { return pending_.size(); }
    /// Invocations received and not yet answered.
    std::size_t open_invocations() const { return invocations_.size(); }

private:
    friend struct detail::InvocationState;

    struct PendingSubscribe {
        std::string topic;
        EventHandler handler;
        SubscribeHandler done;
    };
    struct PendingUnsubscribe {
        Id subscription;
        StatusHandler done;
    };
    struct PendingPublish {
        PublishHandler done;
    };
    struct PendingRegister {
        std::string procedure;
        InvocationHandler handler;
        RegisterHandler done;
    };
    struct PendingUnregister {
        Id registration;
        StatusHandler done;
    };
    struct PendingCall {
        std::string procedure;
        std::function<void(const CallResult&)> on_progress;
        CallHandler done;
        bool cancel_sent = false;
    };
    using Pending = std::variant<PendingSubscribe, PendingUnsubscribe, PendingPublish, PendingRegister,
                                 PendingUnregister, PendingCall>;

    struct SubscriptionEntry {
        std::string topic;
        std::vector<std::pair<std::uint64_t, EventHandler>> handlers;
    };
    struct RegistrationEntry {
        std::string procedure;
        InvocationHandler handler;
    };

    void on_welcome(Welcome&& m);
    void on_abort(Abort&& m);
    void on_challenge(Challenge&& m);
    void on_goodbye(Goodbye&& m);
    void on_error(ErrorMessage&& m);
    void on_subscribed(Subscribed&& m);
    void on_unsubscribed(Unsubscribed&& m);
    void on_published(Published&& m);
    void on_event(Event&& m);
    void on_registered(Registered&& m);
    void on_unregistered(Unregistered&& m);
    void on_result(ResultMessage&& m);
    void on_invocation(Invocation&& m);
    void on_interrupt(Interrupt&& m);

    /// Sends ABORT protocol_violation and ends the session.
    void violation(std::string why);
    /// Ends the session: state closed, every pending request and a pending join/leave completed with `reason`,
    /// subscriptions and registrations dropped, the transport closed if `close_transport`.
    void end_session(WampError reason, bool requested, bool close_transport);

    /// Takes the pending request `request` if it is an `Expected`; nullptr (and a protocol violation) otherwise.
    template <class Expected>
    std::unique_ptr<Expected> take_pending(Id request, std::string_view reply_name);
    /// Queues a request, or fails it (returns false) when the session cannot send it now.
    bool send_request(const Message& m, Pending pending, Id request);
    /// Reports a request that could not be sent: why, as a WampError.
    WampError unsendable() const;
    void send_invocation_reply(Id request, Message reply, bool final);
    Dict hello_details(const JoinOptions& options) const;

    template <class F, class... Args>
    void invoke(const F& f, Args&&... args);
    void log(std::string_view text) const;

    Transport& transport_;
    State state_ = State::closed;
    SessionInfo info_;
    std::string agent_ = "flyover-client/" FLYOVER_VERSION;
    JoinOptions join_options_;
    JoinHandler join_done_;
    StatusHandler leave_done_;
    std::string leave_reason_;
    CloseHandler on_close_;
    Dispatcher dispatcher_;
    std::function<void(std::string_view)> logger_;

    SequentialIdGenerator request_ids_;
    std::uint64_t next_handler_ = 0;
    std::unordered_map<Id, Pending> pending_;
    std::unordered_map<Id, SubscriptionEntry> subscriptions_;
    std::unordered_map<Id, RegistrationEntry> registrations_;
    std::unordered_map<Id, std::weak_ptr<detail::InvocationState>> invocations_;
    std::shared_ptr<detail::SessionLink> link_;
    /// Whether the transport refused the last request because its queue was full (vs. no connection).
    bool last_send_refused_ = false;
};

std::string_view state_name(ClientSession::State state);

}  // namespace flyover::client
