#include <catch2/catch.hpp>

#include "router/session_state.hpp"

using namespace flyover;
using namespace flyover::router;

namespace {
const MessageType all_types[] = {
    MessageType::hello,      MessageType::welcome,  MessageType::abort,        MessageType::challenge,
    MessageType::authenticate, MessageType::goodbye, MessageType::error,       MessageType::publish,
    MessageType::published,  MessageType::subscribe, MessageType::subscribed,  MessageType::unsubscribe,
    MessageType::unsubscribed, MessageType::event,  MessageType::call,         MessageType::cancel,
    MessageType::result,     MessageType::reg,      MessageType::registered,   MessageType::unregister,
    MessageType::unregistered, MessageType::invocation, MessageType::interrupt, MessageType::yield};

bool client_to_router_routing(MessageType t) {
    return t == MessageType::publish || t == MessageType::subscribe || t == MessageType::unsubscribe ||
           t == MessageType::call || t == MessageType::cancel || t == MessageType::reg ||
           t == MessageType::unregister || t == MessageType::yield || t == MessageType::error;
}
}  // namespace

TEST_CASE("before HELLO only HELLO (join) and ABORT are legal", "[router][session_state]") {
    for (auto t : all_types) {
        INFO(message_type_name(t));
        auto v = classify(SessionState::awaiting_hello, t);
        if (t == MessageType::hello) CHECK(v == Verdict::join);
        else if (t == MessageType::abort) CHECK(v == Verdict::aborted);
        else CHECK(v == Verdict::violation);
    }
}

TEST_CASE("an established session routes client messages and rejects the rest", "[router][session_state]") {
    for (auto t : all_types) {
        INFO(message_type_name(t));
        auto v = classify(SessionState::established, t);
        if (client_to_router_routing(t)) CHECK(v == Verdict::route);
        else if (t == MessageType::goodbye) CHECK(v == Verdict::goodbye);
        else if (t == MessageType::abort) CHECK(v == Verdict::aborted);
        else CHECK(v == Verdict::violation);  // HELLO twice, WELCOME/EVENT/RESULT... from a client
    }
}

TEST_CASE("after the router's GOODBYE only the reply matters", "[router][session_state]") {
    for (auto t : all_types) {
        INFO(message_type_name(t));
        auto v = classify(SessionState::closing, t);
        if (t == MessageType::goodbye) CHECK(v == Verdict::goodbye_reply);
        else if (t == MessageType::abort) CHECK(v == Verdict::aborted);
        else CHECK(v == Verdict::ignore);
    }
}

TEST_CASE("a closed session ignores everything", "[router][session_state]") {
    for (auto t : all_types) CHECK(classify(SessionState::closed, t) == Verdict::ignore);
}
