#pragma once
// One routed call between its CALL and its final RESULT or ERROR, and the per-session lists that let the dealer
// find a leaving session's calls without scanning all of them. Owned by the Dealer.
// Thread affinity: realm strand only.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "serializers/ids.hpp"
#include "serializers/value.hpp"

namespace flyover::realm {

struct DealerSession;
struct PendingCall;

/// (session, request id): the key of a call by its caller's CALL.Request, or by its callee's INVOCATION.Request.
struct CallKey {
    Id session = 0;
    Id request = 0;
    bool operator==(const CallKey&) const = default;
    auto operator<=>(const CallKey&) const = default;
};

struct CallKeyHash {
    std::size_t operator()(const CallKey& k) const noexcept {
        // Session IDs are random and request IDs sequential: mixing both halves keeps buckets spread.
        std::uint64_t h = k.session * 0x9E3779B97F4A7C15ULL;
        h ^= k.request + 0x7F4A7C159E3779B9ULL + (h << 6) + (h >> 2);
        return static_cast<std::size_t>(h);
    }
};

/// Links of an intrusive doubly-linked list: adding and removing a call costs no allocation.
struct PendingCallLink {
    PendingCall* prev = nullptr;
    PendingCall* next = nullptr;
};

struct PendingCall {
    DealerSession* caller = nullptr;
    DealerSession* callee = nullptr;
    /// CALL.Request, in the caller's session scope.
    Id request = 0;
    /// INVOCATION.Request, in the callee's session scope.
    Id invocation = 0;
    Id registration = 0;
    /// CALL.Options.timeout when the dealer runs it (not forwarded to the callee); 0 = none.
    std::uint64_t timeout_ms = 0;
    /// When the dealer gives up: the CALL (or the last progressive YIELD) plus timeout_ms; 0 = never.
    std::uint64_t deadline_ms = 0;
    /// The caller asked for progressive results (CALL.Options.receive_progress).
    bool receive_progress = false;
    /// Progressive call invocations: the caller has not yet sent its final CALL for this request.
    bool caller_streaming = false;
    /// The caller canceled with mode "kill": INTERRUPT was sent and the callee's answer is awaited.
    bool killing = false;
    /// For progressive call invocations only: the procedure and the INVOCATION.Details of the initiating CALL,
    /// which every continuation repeats (spec: "Freezing of Options").
    std::string procedure;
    Dict stream_details;

    PendingCallLink caller_link;
    PendingCallLink callee_link;
};

/// The calls one session made (linked through caller_link) or holds as callee (callee_link), oldest first.
template <PendingCallLink PendingCall::*Link>
class PendingCallList {
public:
    PendingCall* front() const { return head_; }
    bool empty() const { return head_ == nullptr; }
    std::size_t size() const { return size_; }

    void push_back(PendingCall& c) {
        auto& l = c.*Link;
        l.prev = tail_;
        l.next = nullptr;
        if (tail_) (tail_->*Link).next = &c;
        else head_ = &c;
        tail_ = &c;
        ++size_;
    }

    void remove(PendingCall& c) {
        auto& l = c.*Link;
        if (l.prev) (l.prev->*Link).next = l.next;
        else head_ = l.next;
        if (l.next) (l.next->*Link).prev = l.prev;
        else tail_ = l.prev;
        l = {};
        --size_;
    }

private:
    PendingCall* head_ = nullptr;
    PendingCall* tail_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace flyover::realm
