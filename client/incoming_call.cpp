#include "client/incoming_call.hpp"

#include <utility>

#include "client/client_session.hpp"
#include "client/client_uris.hpp"

namespace flyover::client {

namespace detail {

InvocationState::~InvocationState() {
    if (answered.exchange(true)) return;
    // Destructors must not throw; a failed allocation here only costs the caller its error reply.
    try {
        deliver(ErrorMessage{MessageType::invocation, message.request, {}, std::string(uris::runtime_error),
                             Payload{List{"the callee dropped the invocation without answering"}, {}, {}}},
                true);
    } catch (...) {
    }
}

bool InvocationState::deliver(Message reply, bool final) {
    auto l = link.lock();
    if (!l) return false;
    l->dispatch([weak = link, request = message.request, reply = std::move(reply), final]() mutable {
        auto now = weak.lock();
        if (now && now->session) now->session->send_invocation_reply(request, std::move(reply), final);
    });
    return true;
}

std::function<void(CancelMode)> InvocationState::take_interrupt() {
    std::lock_guard lock(interrupt_mutex);
    return std::exchange(on_interrupt, nullptr);
}

}  // namespace detail

std::optional<Id> IncomingCall::caller() const {
    if (auto id = get_uint(details(), "caller")) return *id;
    return std::nullopt;
}

bool IncomingCall::progress_requested() const { return get_bool(details(), "receive_progress", false); }

bool IncomingCall::progress(List args, Dict kwargs) const {
    if (!progress_requested() || state_->answered.load()) return false;
    return state_->deliver(Yield{request(), Dict{{"progress", true}}, Payload{std::move(args), std::move(kwargs), {}}},
                           false);
}

bool IncomingCall::yield(List args, Dict kwargs) const {
    if (state_->answered.exchange(true)) return false;
    state_->take_interrupt();
    return state_->deliver(Yield{request(), {}, Payload{std::move(args), std::move(kwargs), {}}}, true);
}

bool IncomingCall::error(std::string uri, List args, Dict kwargs) const {
    if (state_->answered.exchange(true)) return false;
    state_->take_interrupt();
    return state_->deliver(
        ErrorMessage{MessageType::invocation, request(), {}, std::move(uri), Payload{std::move(args), std::move(kwargs), {}}},
        true);
}

void IncomingCall::on_interrupt(std::function<void(CancelMode)> callback) const {
    std::lock_guard lock(state_->interrupt_mutex);
    // Once the invocation ended nothing will ever call it; keeping it could only form a reference cycle.
    if (!state_->answered.load()) state_->on_interrupt = std::move(callback);
}

}  // namespace flyover::client
