#pragma once
// A Transport that records what the session sent, for driving ClientSession synchronously in tests.

#include <cstddef>
#include <vector>

#include "client/transport.hpp"
#include "serializers/message.hpp"

namespace flyover::test {

class FakeTransport : public client::Transport {
public:
    bool send(const Message& m) override {
        if (!connected) return false;
        auto t = type_of(m);
        bool request = t == MessageType::publish || t == MessageType::subscribe || t == MessageType::unsubscribe ||
                       t == MessageType::call || t == MessageType::reg || t == MessageType::unregister;
        if (request && queue_full) return false;
        sent.push_back(m);
        return true;
    }
    void close() override { ++closes; }

    /// The messages of type T sent so far.
    template <class T>
    std::vector<T> sent_of() const {
        std::vector<T> out;
        for (auto& m : sent)
            if (auto p = std::get_if<T>(&m)) out.push_back(*p);
        return out;
    }
    /// The last message sent if it is a T, else nullptr.
    template <class T>
    const T* last() const {
        return sent.empty() ? nullptr : std::get_if<T>(&sent.back());
    }

    std::vector<Message> sent;
    bool connected = true;
    /// Refuse requests as a full bounded write queue does (replies still go out).
    bool queue_full = false;
    int closes = 0;
};

}  // namespace flyover::test
