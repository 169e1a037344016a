#pragma once
// Per I/O thread: how many socket reads its sessions made and how many WebSocket frames those reads carried.
// The event loop reads it to tell whether messages arrive one per read (a trickle that batching pauses
// would group) or already in batches (router/event_loop.hpp).

#include <cstdint>

namespace flyover::router {

struct ReadStats {
    std::uint64_t reads = 0;
    std::uint64_t frames = 0;
};

inline thread_local ReadStats this_thread_reads;

}  // namespace flyover::router
