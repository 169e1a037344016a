#pragma once
// The whole router: I/O threads, listeners, realms, the realm clock and graceful shutdown on SIGINT/SIGTERM.
// Thread affinity: construct and run() on the main thread.

#include "router/config.hpp"

namespace flyover::router {

/// Runs the router until SIGINT/SIGTERM; returns the process exit code.
int run_server(Config config);

}  // namespace flyover::router
