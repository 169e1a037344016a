#pragma once
// The reconnect schedule as pure logic: exponential growth from initial_delay by `multiplier`, capped at
// max_delay, with +/- `jitter` (a fraction) so that many services restarted together by a router restart do
// not reconnect in lockstep. Randomness comes in as a number in [0, 1), so tests can pin it.
// Thread affinity: one owner (the Client's strand, or a test).

#include <chrono>
#include <cstdint>
#include <optional>

namespace flyover::client {

struct ReconnectPolicy {
    std::chrono::milliseconds initial_delay{500};
    std::chrono::milliseconds max_delay{30000};
    double multiplier = 2.0;
    /// Each delay is scaled by a factor drawn from [1 - jitter, 1 + jitter], then capped at max_delay.
    double jitter = 0.1;
    /// Attempts after a connection was lost (or could not be made) before giving up; 0 = never give up.
    std::uint32_t max_attempts = 0;
};

class Backoff {
public:
    explicit Backoff(ReconnectPolicy policy = {}) : policy_(policy) {}

    /// The delay before the next attempt, given a random number in [0, 1); nullopt once max_attempts were
    /// used up. Each call counts as one attempt.
    std::optional<std::chrono::milliseconds> next(double random01);
    /// Starts over (after a successful join).
    void reset() { attempts_ = 0; }
    std::uint32_t attempts() const { return attempts_; }
    const ReconnectPolicy& policy() const { return policy_; }

private:
    ReconnectPolicy policy_;
    std::uint32_t attempts_ = 0;
};

}  // namespace flyover::client
