#pragma once
// A ClientSession wired to a FakeTransport, plus helpers to join it and to capture outcomes.

#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "client/client_session.hpp"
#include "fake_transport.hpp"

namespace flyover::test {

using namespace flyover::client;

/// Captures the one outcome a callback receives (and counts calls, which must be exactly one).
template <class T>
struct Capture {
    std::optional<T> value;
    int calls = 0;
    auto handler() {
        return [this](T v) {
            ++calls;
            value.emplace(std::move(v));
        };
    }
};

struct SessionFixture {
    FakeTransport transport;
    ClientSession session{transport};
    std::vector<CloseInfo> closes;
    std::vector<std::string> logs;

    SessionFixture() {
        session.on_close([this](const CloseInfo& c) { closes.push_back(c); });
        session.set_logger([this](std::string_view s) { logs.emplace_back(s); });
    }

    /// HELLO -> WELCOME; leaves the sent-message log empty.
    void join(Id session_id = 42) {
        Capture<Outcome<SessionInfo>> joined;
        session.join("realm1", {}, joined.handler());
        session.handle(Welcome{session_id, Dict{{"authid", "alice"}, {"authrole", "anonymous"}, {"authmethod", "anonymous"}}});
        REQUIRE(joined.calls == 1);
        REQUIRE(joined.value->ok());
        REQUIRE(session.is_joined());
        transport.sent.clear();
    }
};

inline Payload payload(List args, Dict kwargs = {}) { return Payload{std::move(args), std::move(kwargs), {}}; }

}  // namespace flyover::test
