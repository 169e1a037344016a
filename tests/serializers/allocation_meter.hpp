#pragma once
// Counts what global operator new is asked for while a meter is alive, so tests can show that hostile input
// (a list announcing 2^32 elements in a few bytes) cannot make a decoder reserve memory it was never sent,
// and how many allocations the hot path makes.
// Thread affinity: one meter at a time; allocations from every thread are counted while it is alive.

#include <cstddef>

namespace flyover::test {

class AllocationMeter {
public:
    AllocationMeter();
    ~AllocationMeter();
    AllocationMeter(const AllocationMeter&) = delete;
    AllocationMeter& operator=(const AllocationMeter&) = delete;

    /// Sum of all sizes requested since construction (freed memory is not subtracted: an upper bound).
    std::size_t requested() const;
    /// The largest single request since construction.
    std::size_t largest() const;
    /// How many allocations were made since construction.
    std::size_t count() const;
};

}  // namespace flyover::test
