#pragma once
// A message on its way out to one or many sessions, encoded at most once per serializer: the first session
// strand that needs the JSON (or MessagePack) bytes encodes them; every other subscriber of the same
// subscription shares those bytes. Thread affinity: safe to share across threads once constructed.

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "serializers/codec.hpp"
#include "serializers/message.hpp"

namespace flyover {

class OutboundMessage {
public:
    explicit OutboundMessage(Message m) : message_(std::move(m)) {}

    const Message& message() const { return message_; }

    /// The bytes of this message in `codec`'s format, shared by every caller; encoded on first use.
    SharedBytes encoded(const Codec& codec) const {
        auto i = static_cast<std::size_t>(codec.id());
        if (!ready_[i].load(std::memory_order_acquire)) {
            // Not std::call_once: glibc's pthread_once makes a futex-wake system call after every first run,
            // which was one system call per routed message.
            std::lock_guard lock(encoding_);
            if (!ready_[i].load(std::memory_order_relaxed)) {
                bytes_[i] = codec.encode_shared(message_);
                ready_[i].store(true, std::memory_order_release);
            }
        }
        return bytes_[i];
    }

private:
    Message message_;
    mutable std::mutex encoding_;
    mutable std::array<std::atomic<bool>, serializer_count> ready_{};
    mutable std::array<SharedBytes, serializer_count> bytes_;
};

using SharedMessage = std::shared_ptr<const OutboundMessage>;

inline SharedMessage make_shared_message(Message m) { return std::make_shared<const OutboundMessage>(std::move(m)); }

}  // namespace flyover
