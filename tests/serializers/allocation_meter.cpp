// Replaces the global operator new/delete of the serializers test binary to feed AllocationMeter. The
// replacements only add two relaxed atomic updates while a meter is armed; everything else goes to malloc.

#include "allocation_meter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<bool> armed{false};
std::atomic<std::size_t> requested_bytes{0};
std::atomic<std::size_t> largest_request{0};
std::atomic<std::size_t> allocation_count{0};

void* allocate(std::size_t n) {
    if (armed.load(std::memory_order_relaxed)) {
        requested_bytes.fetch_add(n, std::memory_order_relaxed);
        allocation_count.fetch_add(1, std::memory_order_relaxed);
        auto largest = largest_request.load(std::memory_order_relaxed);
        while (n > largest && !largest_request.compare_exchange_weak(largest, n, std::memory_order_relaxed)) {
        }
    }
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace flyover::test {

AllocationMeter::AllocationMeter() {
    requested_bytes = 0;
    largest_request = 0;
    allocation_count = 0;
    armed = true;
}

AllocationMeter::~AllocationMeter() { armed = false; }

std::size_t AllocationMeter::requested() const { return requested_bytes.load(); }

std::size_t AllocationMeter::largest() const { return largest_request.load(); }

std::size_t AllocationMeter::count() const { return allocation_count.load(); }

}  // namespace flyover::test
