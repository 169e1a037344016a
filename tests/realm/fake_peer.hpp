#pragma once
// A Peer that records what the realm sent it, for driving Broker/Dealer/Realm synchronously in tests.

#include <memory>
#include <string>
#include <vector>

#include "realm/peer.hpp"
#include "realm/realm.hpp"
#include "serializers/message.hpp"

namespace flyover::test {

class FakePeer : public realm::Peer {
public:
    void deliver(SharedMessage message) override { delivered.push_back(std::move(message)); }
    void abort(std::string_view reason, std::string message) override {
        aborts.emplace_back(reason);
        abort_messages.push_back(std::move(message));
    }
    void close(std::string_view reason, std::string message) override {
        closes.emplace_back(reason);
        close_messages.push_back(std::move(message));
    }

    /// The messages received so far, in order.
    std::vector<Message> messages() const {
        std::vector<Message> out;
        for (auto& m : delivered) out.push_back(m->message());
        return out;
    }
    /// The received messages of type T.
    template <class T>
    std::vector<T> received() const {
        std::vector<T> out;
        for (auto& m : delivered)
            if (auto p = std::get_if<T>(&m->message())) out.push_back(*p);
        return out;
    }
    /// The last message received, which must be of type T (nullptr otherwise).
    template <class T>
    const T* last() const {
        return delivered.empty() ? nullptr : std::get_if<T>(&delivered.back()->message());
    }
    void clear() {
        delivered.clear();
        aborts.clear();
        abort_messages.clear();
        closes.clear();
        close_messages.clear();
    }

    std::vector<SharedMessage> delivered;
    std::vector<std::string> aborts;
    std::vector<std::string> abort_messages;
    /// Peer::close calls (the router's GOODBYE, e.g. from wamp.session.kill): reasons and messages.
    std::vector<std::string> closes;
    std::vector<std::string> close_messages;
};

/// Joins a FakePeer to a realm as an anonymous session with the given id, authid and authrole.
/// `client_roles` is HELLO.Details.roles (features the client announced).
inline std::shared_ptr<FakePeer> join(realm::Realm& r, Id id, std::string authid = "", std::string authrole = "anonymous",
                                      Dict client_roles = {}) {
    auto peer = std::make_shared<FakePeer>();
    realm::SessionInfo info;
    info.id = id;
    info.authid = authid.empty() ? "user" + std::to_string(id) : std::move(authid);
    info.authrole = std::move(authrole);
    info.authmethod = "anonymous";
    info.client_roles = std::move(client_roles);
    r.join(std::move(info), peer);
    return peer;
}

}  // namespace flyover::test
