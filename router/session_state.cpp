#include "router/session_state.hpp"

namespace flyover::router {
namespace {

/// Messages a client may send to a router inside an established session.
bool is_client_routing_message(MessageType t) {
    switch (t) {
    case MessageType::publish:
    case MessageType::subscribe:
    case MessageType::unsubscribe:
    case MessageType::call:
    case MessageType::cancel:
    case MessageType::reg:
    case MessageType::unregister:
    case MessageType::yield:
    case MessageType::error: return true;
    default: return false;
    }
}

}  // namespace

Verdict classify(SessionState state, MessageType type) {
    switch (state) {
    case SessionState::awaiting_hello:
        if (type == MessageType::hello) return Verdict::join;
        if (type == MessageType::abort) return Verdict::aborted;
        return Verdict::violation;
    case SessionState::established:
        if (is_client_routing_message(type)) return Verdict::route;
        if (type == MessageType::goodbye) return Verdict::goodbye;
        if (type == MessageType::abort) return Verdict::aborted;
        return Verdict::violation;
    case SessionState::closing:
        if (type == MessageType::goodbye) return Verdict::goodbye_reply;
        if (type == MessageType::abort) return Verdict::aborted;
        return Verdict::ignore;
    case SessionState::closed: return Verdict::ignore;
    }
    return Verdict::violation;
}

}  // namespace flyover::router
