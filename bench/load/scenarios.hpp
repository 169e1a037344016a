#pragma once
// The scenarios of flyover-bench. Each runs on the given io_context, prints its report and returns an exit
// code through `done`. Thread affinity: the generator's single io_context thread.

#include <functional>

#include "bench/load/common.hpp"

namespace flyover::bench {

using Finish = std::function<void(int exit_code)>;

/// rpc: C callers with W calls in flight each, K callees (a shared roundrobin registration when K > 1);
/// echo: the same callers against the WebSocket echo baseline (two frames per round trip instead of four).
void run_rpc(net::io_context& io, const Options& o, tcp::endpoint ep, Finish done);
/// pubsub: P publishers, S subscribers on one topic; slow: the same with subscriber 0 stopping to read
/// half-way (two measuring windows).
void run_pubsub(net::io_context& io, const Options& o, tcp::endpoint ep, Finish done);
/// idle: N sessions joined and subscribed once, held; the server's RSS per session.
void run_idle(net::io_context& io, const Options& o, tcp::endpoint ep, Finish done);

}  // namespace flyover::bench
