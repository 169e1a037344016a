#include "client/client_session.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "client/client_uris.hpp"
#include "serializers/error_uris.hpp"

namespace flyover::client {

namespace {

std::string_view match_name(Match m) {
    switch (m) {
    case Match::exact: return "exact";
    case Match::prefix: return "prefix";
    case Match::wildcard: return "wildcard";
    }
    return "exact";
}

WampError error_from(std::string uri, const Payload& payload, Dict details) {
    return WampError{std::move(uri), payload.args, payload.kwargs, std::move(details)};
}

}  // namespace

std::string_view cancel_mode_name(CancelMode mode) {
    switch (mode) {
    case CancelMode::skip: return "skip";
    case CancelMode::kill: return "kill";
    case CancelMode::killnowait: return "killnowait";
    }
    return "kill";
}

std::optional<CancelMode> parse_cancel_mode(std::string_view name) {
    if (name == "skip") return CancelMode::skip;
    if (name == "kill") return CancelMode::kill;
    if (name == "killnowait") return CancelMode::killnowait;
    return std::nullopt;
}

std::string_view state_name(ClientSession::State state) {
    switch (state) {
    case ClientSession::State::closed: return "closed";
    case ClientSession::State::joining: return "joining";
    case ClientSession::State::authenticating: return "authenticating";
    case ClientSession::State::established: return "established";
    case ClientSession::State::leaving: return "leaving";
    }
    return "?";
}

ClientSession::ClientSession(Transport& transport)
    : transport_(transport), dispatcher_([](std::function<void()> f) { f(); }) {}

ClientSession::~ClientSession() {
    // Answers still in flight for this session's invocations must find nothing to write to.
    if (link_) link_->session = nullptr;
}

void ClientSession::set_dispatcher(Dispatcher dispatcher) { dispatcher_ = std::move(dispatcher); }

void ClientSession::set_logger(std::function<void(std::string_view)> logger) { logger_ = std::move(logger); }

void ClientSession::log(std::string_view text) const {
    if (!logger_) return;
    try {
        logger_(text);
    } catch (...) {
        // A logger that throws has nowhere to report to.
    }
}

template <class F, class... Args>
void ClientSession::invoke(const F& f, Args&&... args) {
    if (!f) return;
    try {
        f(std::forward<Args>(args)...);
    } catch (const std::exception& e) {
        log(std::string("an application callback threw: ") + e.what());
    } catch (...) {
        log("an application callback threw a non-std::exception");
    }
}

// ------------------------------------------------------------------------------------------------------------
// Incoming messages

void ClientSession::handle(Message&& m) {
    const MessageType type = type_of(m);
    switch (state_) {
    case State::closed:
        // The router may still flush messages after our side ended the session (e.g. after an ABORT).
        log(std::string(message_type_name(type)) + " after the session ended: ignored");
        return;
    case State::leaving:
        // Spec (sessions.md): after sending GOODBYE, only GOODBYE (or ABORT) matters.
        if (type == MessageType::goodbye) return on_goodbye(std::get<Goodbye>(std::move(m)));
        if (type == MessageType::abort) return on_abort(std::get<Abort>(std::move(m)));
        return;
    case State::joining:
    case State::authenticating:
        switch (type) {
        case MessageType::welcome: return on_welcome(std::get<Welcome>(std::move(m)));
        case MessageType::abort: return on_abort(std::get<Abort>(std::move(m)));
        case MessageType::challenge: return on_challenge(std::get<Challenge>(std::move(m)));
        default:
            return violation(std::string(message_type_name(type)) + " received before WELCOME");
        }
    case State::established:
        switch (type) {
        case MessageType::abort: return on_abort(std::get<Abort>(std::move(m)));
        case MessageType::goodbye: return on_goodbye(std::get<Goodbye>(std::move(m)));
        case MessageType::error: return on_error(std::get<ErrorMessage>(std::move(m)));
        case MessageType::subscribed: return on_subscribed(std::get<Subscribed>(std::move(m)));
        case MessageType::unsubscribed: return on_unsubscribed(std::get<Unsubscribed>(std::move(m)));
        case MessageType::published: return on_published(std::get<Published>(std::move(m)));
        case MessageType::event: return on_event(std::get<Event>(std::move(m)));
        case MessageType::registered: return on_registered(std::get<Registered>(std::move(m)));
        case MessageType::unregistered: return on_unregistered(std::get<Unregistered>(std::move(m)));
        case MessageType::result: return on_result(std::get<ResultMessage>(std::move(m)));
        case MessageType::invocation: return on_invocation(std::get<Invocation>(std::move(m)));
        case MessageType::interrupt: return on_interrupt(std::get<Interrupt>(std::move(m)));
        default:
            return violation(std::string(message_type_name(type)) + " is not a message a router sends in an "
                                                                    "established session");
        }
    }
}

void ClientSession::protocol_error(std::string why) {
    if (state_ == State::closed) return;
    violation(std::move(why));
}

void ClientSession::transport_closed(std::string why) {
    if (state_ == State::closed) return;
    end_session(make_wamp_error(std::string(uris::transport_lost), why.empty() ? "the connection was lost" : why),
                false, false);
}

void ClientSession::violation(std::string why) {
    log("protocol violation by the router: " + why);
    transport_.send(Abort{Dict{{"message", why}}, std::string(flyover::uris::protocol_violation), {}});
    end_session(make_wamp_error(std::string(flyover::uris::protocol_violation), std::move(why)), false, true);
}

void ClientSession::end_session(WampError reason, bool requested, bool close_transport) {
    const State was = state_;
    state_ = State::closed;
    if (link_) {
        link_->session = nullptr;
        link_.reset();
    }
    // Take everything out before running callbacks: a callback may join again, which must find a clean slate.
    auto pending = std::move(pending_);
    pending_.clear();
    subscriptions_.clear();
    registrations_.clear();
    // Open invocations end with the session: nobody can receive their answers any more, so their handlers
    // are told to stop (as by a killnowait INTERRUPT), and done() turns true.
    std::vector<std::function<void(CancelMode)>> interrupted;
    for (auto& [request, weak] : invocations_) {
        auto state = weak.lock();
        if (!state || state->answered.exchange(true)) continue;
        if (auto callback = state->take_interrupt()) interrupted.push_back(std::move(callback));
    }
    invocations_.clear();
    auto join_done = std::move(join_done_);
    join_done_ = nullptr;
    auto leave_done = std::move(leave_done_);
    leave_done_ = nullptr;
    info_ = SessionInfo{};
    if (close_transport) transport_.close();

    for (auto& callback : interrupted) invoke(callback, CancelMode::killnowait);
    if (join_done) invoke(join_done, Outcome<SessionInfo>(reason));
    // In request order, so that callers see failures in the order they asked.
    std::vector<Id> ids;
    ids.reserve(pending.size());
    for (auto& entry : pending) ids.push_back(entry.first);
    std::sort(ids.begin(), ids.end());
    for (Id id : ids) {
        std::visit(
            [&](auto& p) {
                using P = std::decay_t<decltype(p)>;
                if constexpr (std::is_same_v<P, PendingSubscribe>) invoke(p.done, Outcome<Subscription>(reason));
                else if constexpr (std::is_same_v<P, PendingUnsubscribe>) invoke(p.done, Status(reason));
                else if constexpr (std::is_same_v<P, PendingPublish>) invoke(p.done, Outcome<Id>(reason));
                else if constexpr (std::is_same_v<P, PendingRegister>) invoke(p.done, Outcome<Registration>(reason));
                else if constexpr (std::is_same_v<P, PendingUnregister>) invoke(p.done, Status(reason));
                else if constexpr (std::is_same_v<P, PendingCall>) invoke(p.done, Outcome<CallResult>(reason));
            },
            pending.at(id));
    }
    if (was == State::established || was == State::leaving) {
        if (leave_done) invoke(leave_done, requested ? Status(Done{}) : Status(reason));
        CloseInfo info{reason.uri, reason.message(), requested};
        invoke(on_close_, info);
    }
}

template <class Expected>
std::unique_ptr<Expected> ClientSession::take_pending(Id request, std::string_view reply_name) {
    auto it = pending_.find(request);
    if (it == pending_.end() || !std::holds_alternative<Expected>(it->second)) {
        violation(std::string(reply_name) + " for request " + std::to_string(request) +
                  (it == pending_.end() ? ", which is not pending" : ", which was a different request"));
        return nullptr;
    }
    auto p = std::make_unique<Expected>(std::get<Expected>(std::move(it->second)));
    pending_.erase(it);
    return p;
}

void ClientSession::on_welcome(Welcome&& m) {
    info_.session = m.session;
    if (auto* s = get_string(m.details, "authid")) info_.authid = *s;
    if (auto* s = get_string(m.details, "authrole")) info_.authrole = *s;
    if (auto* s = get_string(m.details, "authmethod")) info_.authmethod = *s;
    info_.details = std::move(m.details);
    state_ = State::established;
    auto done = std::move(join_done_);
    join_done_ = nullptr;
    invoke(done, Outcome<SessionInfo>(info_));
}

void ClientSession::on_abort(Abort&& m) {
    end_session(error_from(std::move(m.reason), m.payload, std::move(m.details)), false, true);
}

void ClientSession::on_challenge(Challenge&& m) {
    Outcome<AuthResponse> answer = make_wamp_error(std::string(uris::no_challenge_handler),
                                                   "the router asked for authentication (" + m.authmethod +
                                                       ") but JoinOptions.on_challenge is not set");
    if (join_options_.on_challenge) {
        try {
            answer = join_options_.on_challenge(m);
        } catch (const std::exception& e) {
            answer = make_wamp_error(std::string(uris::runtime_error), std::string("on_challenge threw: ") + e.what());
        } catch (...) {
            answer = make_wamp_error(std::string(uris::runtime_error), "on_challenge threw");
        }
    }
    if (!answer) {
        // The client gives up on the handshake: ABORT tells the router why (authentication.md lets either side).
        WampError e = answer.error();
        transport_.send(Abort{Dict{{"message", e.message()}}, e.uri, {}});
        end_session(std::move(e), false, true);
        return;
    }
    state_ = State::authenticating;
    transport_.send(Authenticate{std::move(answer->signature), std::move(answer->extra)});
}

void ClientSession::on_goodbye(Goodbye&& m) {
    WampError reason{std::move(m.reason), {}, {}, std::move(m.details)};
    if (state_ == State::leaving) {
        end_session(std::move(reason), true, true);
        return;
    }
    // The router ends the session (shutdown, realm closed, killed): answer, then close (sessions.md).
    transport_.send(Goodbye{{}, std::string(flyover::uris::goodbye_and_out)});
    end_session(std::move(reason), false, true);
}

void ClientSession::on_error(ErrorMessage&& m) {
    WampError e = error_from(std::move(m.error), m.payload, std::move(m.details));
    switch (m.request_type) {
    case MessageType::subscribe:
        if (auto p = take_pending<PendingSubscribe>(m.request, "ERROR(SUBSCRIBE)")) invoke(p->done, Outcome<Subscription>(e));
        return;
    case MessageType::unsubscribe:
        if (auto p = take_pending<PendingUnsubscribe>(m.request, "ERROR(UNSUBSCRIBE)")) {
            // The router no longer knows it: drop what is left locally so events for it stop mattering.
            auto it = subscriptions_.find(p->subscription);
            if (it != subscriptions_.end() && it->second.handlers.empty()) subscriptions_.erase(it);
            invoke(p->done, Status(e));
        }
        return;
    case MessageType::publish:
        if (auto p = take_pending<PendingPublish>(m.request, "ERROR(PUBLISH)")) invoke(p->done, Outcome<Id>(e));
        return;
    case MessageType::reg:
        if (auto p = take_pending<PendingRegister>(m.request, "ERROR(REGISTER)")) invoke(p->done, Outcome<Registration>(e));
        return;
    case MessageType::unregister:
        if (auto p = take_pending<PendingUnregister>(m.request, "ERROR(UNREGISTER)")) invoke(p->done, Status(e));
        return;
    case MessageType::call:
        if (auto p = take_pending<PendingCall>(m.request, "ERROR(CALL)")) invoke(p->done, Outcome<CallResult>(e));
        return;
    default:
        violation("ERROR for a " + std::string(message_type_name(m.request_type)) + ", which a client never sends as a request");
    }
}

void ClientSession::on_subscribed(Subscribed&& m) {
    auto p = take_pending<PendingSubscribe>(m.request, "SUBSCRIBED");
    if (!p) return;
    auto& entry = subscriptions_[m.subscription];
    if (entry.topic.empty()) entry.topic = p->topic;
    const std::uint64_t handler = ++next_handler_;
    entry.handlers.emplace_back(handler, std::move(p->handler));
    invoke(p->done, Outcome<Subscription>(Subscription{m.subscription, p->topic, handler}));
}

void ClientSession::on_unsubscribed(Unsubscribed&& m) {
    if (m.request == 0) {
        // Subscription revocation (advanced/pubsub_subscription_revocation.md): the router dropped it.
        if (auto id = get_uint(m.details, "subscription")) {
            log("the router revoked subscription " + std::to_string(*id));
            subscriptions_.erase(*id);
        }
        return;
    }
    auto p = take_pending<PendingUnsubscribe>(m.request, "UNSUBSCRIBED");
    if (!p) return;
    auto it = subscriptions_.find(p->subscription);
    // A subscribe to the same topic made after the UNSUBSCRIBE may have re-filled the entry: keep it then.
    if (it != subscriptions_.end() && it->second.handlers.empty()) subscriptions_.erase(it);
    invoke(p->done, Status(Done{}));
}

void ClientSession::on_published(Published&& m) {
    if (auto p = take_pending<PendingPublish>(m.request, "PUBLISHED")) invoke(p->done, Outcome<Id>(m.publication));
}

void ClientSession::on_event(Event&& m) {
    auto it = subscriptions_.find(m.subscription);
    // Events still in flight after an UNSUBSCRIBE (or for a revoked subscription) are expected: dropped.
    if (it == subscriptions_.end() || it->second.handlers.empty()) return;
    EventData event;
    event.subscription = m.subscription;
    event.publication = m.publication;
    auto* topic = get_string(m.details, "topic");
    event.topic = topic ? *topic : it->second.topic;
    event.args = std::move(m.payload.args);
    event.kwargs = std::move(m.payload.kwargs);
    event.details = std::move(m.details);
    // A handler may unsubscribe (or leave) while we iterate: call a copy.
    auto handlers = it->second.handlers;
    for (auto& [token, handler] : handlers) invoke(handler, event);
}

void ClientSession::on_registered(Registered&& m) {
    auto p = take_pending<PendingRegister>(m.request, "REGISTERED");
    if (!p) return;
    registrations_[m.registration] = RegistrationEntry{p->procedure, std::move(p->handler)};
    invoke(p->done, Outcome<Registration>(Registration{m.registration, p->procedure}));
}

void ClientSession::on_unregistered(Unregistered&& m) {
    if (m.request == 0) {
        // Registration revocation (e.g. another callee registered with force_reregister).
        if (auto id = get_uint(m.details, "registration")) {
            log("the router revoked registration " + std::to_string(*id));
            registrations_.erase(*id);
        }
        return;
    }
    auto p = take_pending<PendingUnregister>(m.request, "UNREGISTERED");
    if (!p) return;
    registrations_.erase(p->registration);
    invoke(p->done, Status(Done{}));
}

void ClientSession::on_result(ResultMessage&& m) {
    auto it = pending_.find(m.request);
    if (it == pending_.end() || !std::holds_alternative<PendingCall>(it->second)) {
        take_pending<PendingCall>(m.request, "RESULT");  // reports the violation
        return;
    }
    CallResult result{std::move(m.payload.args), std::move(m.payload.kwargs), std::move(m.details)};
    if (get_bool(result.details, "progress", false)) {
        // Copied: the callback may cancel or leave, which erases the pending entry.
        auto on_progress = std::get<PendingCall>(it->second).on_progress;
        invoke(on_progress, result);  // a progress the caller did not ask for has nowhere to go: dropped
        return;
    }
    auto p = std::get<PendingCall>(std::move(it->second));
    pending_.erase(it);
    invoke(p.done, Outcome<CallResult>(std::move(result)));
}

void ClientSession::on_invocation(Invocation&& m) {
    if (invocations_.count(m.request)) {
        violation("INVOCATION with request " + std::to_string(m.request) + ", which is still being answered");
        return;
    }
    auto reg = registrations_.find(m.registration);
    if (reg == registrations_.end()) {
        // An invocation that crossed our UNREGISTER (or a revocation): nobody here serves it any more.
        transport_.send(ErrorMessage{MessageType::invocation, m.request, {}, std::string(flyover::uris::no_such_registration),
                                     Payload{List{"registration " + std::to_string(m.registration) + " is gone"}, {}, {}}});
        return;
    }
    auto* called = get_string(m.details, "procedure");
    std::string procedure = called ? *called : reg->second.procedure;
    const Id request = m.request;
    auto state = std::make_shared<detail::InvocationState>(std::move(m), std::move(procedure), link_);
    invocations_.emplace(request, state);
    auto handler = reg->second.handler;
    std::string failure;
    try {
        handler(IncomingCall(state));
    } catch (const std::exception& e) {
        failure = e.what();
    } catch (...) {
        failure = "unknown exception";
    }
    if (!failure.empty()) {
        log("the handler of " + state->procedure + " threw: " + failure);
        IncomingCall(state).error(std::string(uris::runtime_error), List{failure});
    }
}

void ClientSession::on_interrupt(Interrupt&& m) {
    auto it = invocations_.find(m.request);
    if (it == invocations_.end()) return;  // answered already: the router discards what crossed the INTERRUPT
    auto state = it->second.lock();
    if (!state) {
        invocations_.erase(it);
        return;
    }
    if (state->answered.load()) return;  // an answer is on its way to this thread; it wins
    auto* mode_name = get_string(m.options, "mode");
    CancelMode mode = CancelMode::kill;
    if (mode_name)
        if (auto parsed = parse_cancel_mode(*mode_name)) mode = *parsed;
    if (mode == CancelMode::killnowait) {
        // The router has answered the caller already and discards anything we send.
        if (state->answered.exchange(true)) return;  // an answer from another thread won the race
        invocations_.erase(m.request);
        invoke(state->take_interrupt(), mode);
        return;
    }
    // Called from a copy taken out of the state: an answer given inside it clears the stored one.
    std::function<void(CancelMode)> callback;
    {
        std::lock_guard lock(state->interrupt_mutex);
        callback = state->on_interrupt;
    }
    invoke(callback, mode);
    const bool answered = state->answered.exchange(true);
    state->take_interrupt();
    // The callback may have answered (a partial result, its own error); otherwise the cancel takes effect.
    if (!answered) {
        invocations_.erase(m.request);
        transport_.send(ErrorMessage{MessageType::invocation, m.request, {}, std::string(flyover::uris::canceled),
                                     Payload{List{"the call was canceled"}, {}, {}}});
    }
}

void ClientSession::send_invocation_reply(Id request, Message reply, bool final) {
    if (state_ != State::established) return;
    auto it = invocations_.find(request);
    if (it == invocations_.end()) return;  // interrupted in the meantime
    if (final) invocations_.erase(it);
    transport_.send(reply);
}

// ------------------------------------------------------------------------------------------------------------
// Lifecycle

Dict ClientSession::hello_details(const JoinOptions& options) const {
    Dict roles{
        {"caller", Dict{{"features", Dict{{"progressive_call_results", true},
                                          {"call_canceling", true},
                                          {"call_timeout", true},
                                          {"caller_identification", true}}}}},
        {"callee", Dict{{"features", Dict{{"progressive_call_results", true},
                                          {"call_canceling", true},
                                          {"caller_identification", true},
                                          {"pattern_based_registration", true},
                                          {"shared_registration", true}}}}},
        {"publisher", Dict{{"features", Dict{{"publisher_exclusion", true}, {"publisher_identification", true}}}}},
        {"subscriber", Dict{{"features", Dict{{"pattern_based_subscription", true}, {"publisher_identification", true}}}}},
    };
    Dict details{{"roles", std::move(roles)}, {"agent", agent_}};
    if (!options.authmethods.empty()) {
        List methods;
        for (auto& m : options.authmethods) methods.emplace_back(m);
        details.emplace("authmethods", std::move(methods));
    }
    if (!options.authid.empty()) details.emplace("authid", options.authid);
    if (!options.authextra.empty()) details.emplace("authextra", options.authextra);
    return details;
}

void ClientSession::join(std::string realm, JoinOptions options, JoinHandler done) {
    if (state_ != State::closed) {
        invoke(done, Outcome<SessionInfo>(make_wamp_error(std::string(uris::already_joined),
                                                          "join() while the session is " + std::string(state_name(state_)))));
        return;
    }
    request_ids_ = SequentialIdGenerator{};
    link_ = std::make_shared<detail::SessionLink>(detail::SessionLink{this, dispatcher_});
    info_ = SessionInfo{};
    info_.realm = realm;
    Hello hello{std::move(realm), hello_details(options)};
    join_options_ = std::move(options);
    join_done_ = std::move(done);
    state_ = State::joining;
    if (!transport_.send(hello)) end_session(make_wamp_error(std::string(uris::transport_lost), "no connection"), false, false);
}

void ClientSession::leave(StatusHandler done) { leave(std::string(flyover::uris::close_normal), std::move(done)); }

void ClientSession::leave(std::string reason, StatusHandler done) {
    if (state_ == State::joining || state_ == State::authenticating) {
        // No session to say goodbye to yet: ABORT the handshake.
        transport_.send(Abort{Dict{{"message", "the client left before the join completed"}}, reason, {}});
        end_session(make_wamp_error(reason, "left before WELCOME"), true, true);
        invoke(done, Status(Done{}));
        return;
    }
    if (state_ != State::established) {
        invoke(done, Status(make_wamp_error(std::string(uris::not_joined), "leave() without a session")));
        return;
    }
    state_ = State::leaving;
    leave_reason_ = reason;
    leave_done_ = std::move(done);
    transport_.send(Goodbye{{}, std::move(reason)});
}

// ------------------------------------------------------------------------------------------------------------
// Requests

WampError ClientSession::unsendable() const {
    if (state_ != State::established)
        return make_wamp_error(std::string(uris::not_joined), "no established session (" + std::string(state_name(state_)) + ")");
    return make_wamp_error(std::string(uris::write_queue_full), "the transport's write queue is full");
}

void ClientSession::subscribe(std::string topic, EventHandler handler, SubscribeOptions options, SubscribeHandler done) {
    if (!is_joined()) return invoke(done, Outcome<Subscription>(unsendable()));
    Id request = request_ids_.next();
    Dict opts = std::move(options.extra);
    if (options.match != Match::exact) opts.insert_or_assign("match", std::string(match_name(options.match)));
    if (!transport_.send(Subscribe{request, std::move(opts), topic})) return invoke(done, Outcome<Subscription>(unsendable()));
    pending_.emplace(request, PendingSubscribe{std::move(topic), std::move(handler), std::move(done)});
}

void ClientSession::unsubscribe(const Subscription& subscription, StatusHandler done) {
    if (!is_joined()) return invoke(done, Status(unsendable()));
    auto it = subscriptions_.find(subscription.id);
    auto not_active = [&] {
        invoke(done, Status(make_wamp_error(std::string(flyover::uris::no_such_subscription),
                                            "subscription " + std::to_string(subscription.id) + " is not active here")));
    };
    if (it == subscriptions_.end()) return not_active();
    auto& handlers = it->second.handlers;
    auto h = std::find_if(handlers.begin(), handlers.end(), [&](auto& p) { return p.first == subscription.handler; });
    if (h == handlers.end()) return not_active();
    handlers.erase(h);
    if (!handlers.empty()) return invoke(done, Status(Done{}));  // other local handlers still use it
    Id request = request_ids_.next();
    // If UNSUBSCRIBE cannot be queued, the entry stays without handlers: its events are dropped, and a later
    // subscribe to the topic (which the router answers with the same subscription) fills it again.
    if (!transport_.send(Unsubscribe{request, subscription.id})) return invoke(done, Status(unsendable()));
    pending_.emplace(request, PendingUnsubscribe{subscription.id, std::move(done)});
}

void ClientSession::publish(std::string topic, List args, Dict kwargs, PublishOptions options, PublishHandler done) {
    if (!is_joined()) return invoke(done, Outcome<Id>(unsendable()));
    Id request = request_ids_.next();
    Dict opts = std::move(options.extra);
    if (options.acknowledge) opts.insert_or_assign("acknowledge", true);
    if (!options.exclude_me) opts.insert_or_assign("exclude_me", false);
    if (options.disclose_me) opts.insert_or_assign("disclose_me", true);
    if (!transport_.send(Publish{request, std::move(opts), std::move(topic), Payload{std::move(args), std::move(kwargs), {}}}))
        return invoke(done, Outcome<Id>(unsendable()));
    if (options.acknowledge) pending_.emplace(request, PendingPublish{std::move(done)});
    else invoke(done, Outcome<Id>(Id{0}));
}

void ClientSession::register_procedure(std::string procedure, InvocationHandler handler, RegisterOptions options,
                                       RegisterHandler done) {
    if (!is_joined()) return invoke(done, Outcome<Registration>(unsendable()));
    Id request = request_ids_.next();
    Dict opts = std::move(options.extra);
    if (options.match != Match::exact) opts.insert_or_assign("match", std::string(match_name(options.match)));
    if (!options.invoke.empty()) opts.insert_or_assign("invoke", options.invoke);
    if (!transport_.send(Register{request, std::move(opts), procedure})) return invoke(done, Outcome<Registration>(unsendable()));
    pending_.emplace(request, PendingRegister{std::move(procedure), std::move(handler), std::move(done)});
}

void ClientSession::unregister(const Registration& registration, StatusHandler done) {
    if (!is_joined()) return invoke(done, Status(unsendable()));
    if (!registrations_.count(registration.id)) {
        return invoke(done, Status(make_wamp_error(std::string(flyover::uris::no_such_registration),
                                                   "registration " + std::to_string(registration.id) + " is not active here")));
    }
    Id request = request_ids_.next();
    // The handler stays until UNREGISTERED: invocations that cross the UNREGISTER are still answered.
    if (!transport_.send(Unregister{request, registration.id})) return invoke(done, Status(unsendable()));
    pending_.emplace(request, PendingUnregister{registration.id, std::move(done)});
}

Id ClientSession::call(std::string procedure, List args, Dict kwargs, CallOptions options, CallHandler done) {
    if (!is_joined()) {
        invoke(done, Outcome<CallResult>(unsendable()));
        return 0;
    }
    Id request = request_ids_.next();
    Dict opts = std::move(options.extra);
    if (options.on_progress) opts.insert_or_assign("receive_progress", true);
    if (options.timeout.count() > 0) opts.insert_or_assign("timeout", static_cast<std::uint64_t>(options.timeout.count()));
    if (options.disclose_me) opts.insert_or_assign("disclose_me", true);
    if (!transport_.send(Call{request, std::move(opts), procedure, Payload{std::move(args), std::move(kwargs), {}}})) {
        invoke(done, Outcome<CallResult>(unsendable()));
        return 0;
    }
    pending_.emplace(request, PendingCall{std::move(procedure), std::move(options.on_progress), std::move(done), false});
    return request;
}

bool ClientSession::cancel(Id call_request, CancelMode mode) {
    if (!is_joined()) return false;
    auto it = pending_.find(call_request);
    if (it == pending_.end()) return false;
    auto* call = std::get_if<PendingCall>(&it->second);
    if (!call || call->cancel_sent) return false;
    if (!transport_.send(Cancel{call_request, Dict{{"mode", std::string(cancel_mode_name(mode))}}})) return false;
    call->cancel_sent = true;
    return true;
}

}  // namespace flyover::client
