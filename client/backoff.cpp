#include "client/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace flyover::client {

std::optional<std::chrono::milliseconds> Backoff::next(double random01) {
    if (policy_.max_attempts != 0 && attempts_ >= policy_.max_attempts) return std::nullopt;
    double max = static_cast<double>(std::max<std::int64_t>(policy_.max_delay.count(), 0));
    double initial = std::min(static_cast<double>(std::max<std::int64_t>(policy_.initial_delay.count(), 0)), max);
    double multiplier = std::max(policy_.multiplier, 1.0);
    // pow() grows past max quickly; the min() keeps the exponent from overflowing into inf * 0 territory.
    double base = std::min(initial * std::pow(multiplier, static_cast<double>(std::min<std::uint32_t>(attempts_, 1000))), max);
    double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
    double r = std::clamp(random01, 0.0, 1.0);
    double delay = std::clamp(base * (1.0 + jitter * (2.0 * r - 1.0)), 0.0, max);
    ++attempts_;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(delay)));
}

}  // namespace flyover::client
