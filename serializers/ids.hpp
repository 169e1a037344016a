#pragma once
// WAMP IDs: integers in [1, 2^53] (spec, "IDs"). Global-scope IDs are random; router- and session-scope
// IDs are sequential. Thread affinity: each generator belongs to one strand (or one test).

#include <cstdint>
#include <random>

namespace flyover {

using Id = std::uint64_t;
/// 2^53: the largest integer that a double (JavaScript's only number type) holds exactly.
inline constexpr Id max_id = 1ULL << 53;

inline constexpr bool is_valid_id(std::uint64_t v) { return v >= 1 && v <= max_id; }

/// Random IDs drawn uniformly from [1, 2^53]: session and publication IDs (global scope).
class RandomIdGenerator {
public:
    RandomIdGenerator() : engine_(std::random_device{}()) {}
    explicit RandomIdGenerator(std::uint64_t seed) : engine_(seed) {}
    Id next() { return dist_(engine_); }

private:
    std::mt19937_64 engine_;
    std::uniform_int_distribution<Id> dist_{1, max_id};
};

/// Sequential IDs 1, 2, ... wrapping to 1 after 2^53: request IDs (session scope) and router-scope IDs.
class SequentialIdGenerator {
public:
    Id next() {
        last_ = last_ >= max_id ? 1 : last_ + 1;
        return last_;
    }

private:
    Id last_ = 0;
};

}  // namespace flyover
