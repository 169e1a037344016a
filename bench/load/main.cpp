// flyover-bench: a WAMP load generator speaking real WAMP over WebSocket (wamp.2.json or wamp.2.msgpack),
// or, with --raw, the baseline servers' raw frames. Prints numbers, never judges them (DESIGN.md).
// One thread, one io_context: pin it to its own core (bench/run does, with taskset).
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "bench/load/scenarios.hpp"

namespace {

constexpr const char* usage = R"(Usage: flyover-bench SCENARIO --port PORT [options]

Scenarios:
  rpc      C callers, K callees (shared roundrobin registration when K > 1), W calls in flight per caller
  echo     C clients, W frames in flight each, against the WebSocket echo baseline (needs --raw)
  pubsub   P publishers, S subscribers on one topic, W publications in flight per publisher
  slow     1 publisher, S subscribers; after the first window subscriber 0 stops reading
  idle     N sessions joined and subscribed once, held; the server's RSS per session

Options:
  --host ADDR          server address (default 127.0.0.1)
  --port PORT          server port (required)
  --path PATH          WebSocket path for WAMP (default /ws)
  --serializer S       json | msgpack (default msgpack)
  --raw                speak the baseline servers' raw frames (relay, fanout, echo), not WAMP
  --server-pid PID     the server's pid: its CPU time and RSS are read from /proc over the window
  --warmup S           seconds of traffic before the window (default 1)
  --duration S         measuring window in seconds (default 5; slow: each of its two windows)
  --payload B          payload string bytes (default 64, at least 44)
  --callers C  --callees K  --window W
  --rate R             open loop: R calls/s (rpc, all callers) or publications/s (pubsub, all publishers),
                       sent when due (groups at most 100 us apart); the window still caps what is in flight (default: closed loop)
  --publishers P  --subscribers S  --ack
  --sessions N  --hold S  --shared-topic  --parallel N (sessions opened at once, default 200)
  --realm URI          (default realm1)
  --drain S            how long to wait for in-flight work after the window (default 5)
  --phase2 S           slow: longest window with subscriber 0 not reading (default 10; it ends 2 s
                       after the router closes that subscriber)

Output: one line `RESULT {json}` on stdout; diagnostics on stderr. Exit 0, or 2 when the run could not be set
up, 3 when something was lost (calls, events, connections) or unexpected messages arrived.
)";

}  // namespace

int main(int argc, char** argv) {
    using namespace flyover::bench;
    Options o;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::cout << usage;
        return argc < 2 ? 2 : 0;
    }
    o.scenario = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "flyover-bench: " << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--host") o.host = next();
        else if (a == "--port") o.port = static_cast<unsigned short>(std::stoi(next()));
        else if (a == "--path") o.path = next();
        else if (a == "--serializer") o.serializer = next();
        else if (a == "--raw") o.raw = true;
        else if (a == "--server-pid") o.server_pid = std::stoi(next());
        else if (a == "--warmup") o.warmup = std::stod(next());
        else if (a == "--duration") o.duration = std::stod(next());
        else if (a == "--payload") o.payload = std::stoul(next());
        else if (a == "--callers") o.callers = std::stoi(next());
        else if (a == "--callees") o.callees = std::stoi(next());
        else if (a == "--window") o.window = std::stoi(next());
        else if (a == "--publishers") o.publishers = std::stoi(next());
        else if (a == "--subscribers") o.subscribers = std::stoi(next());
        else if (a == "--ack") o.ack = true;
        else if (a == "--sessions") o.sessions = std::stoi(next());
        else if (a == "--hold") o.hold = std::stod(next());
        else if (a == "--shared-topic") o.shared_topic = true;
        else if (a == "--parallel") o.parallel = std::stoi(next());
        else if (a == "--realm") o.realm = next();
        else if (a == "--drain") o.drain = std::stod(next());
        else if (a == "--phase2") o.phase2 = std::stod(next());
        else if (a == "--rate") o.rate = std::stod(next());
        else {
            std::cerr << "flyover-bench: unknown option " << a << "\n\n" << usage;
            return 2;
        }
    }
    if (o.port == 0) {
        std::cerr << "flyover-bench: --port is required\n";
        return 2;
    }
    if (o.serializer != "json" && o.serializer != "msgpack") {
        std::cerr << "flyover-bench: --serializer must be json or msgpack\n";
        return 2;
    }
    if (o.payload < marker_size) o.payload = marker_size;
    if (o.scenario == "echo" && !o.raw) {
        std::cerr << "flyover-bench: echo runs against the echo baseline: add --raw\n";
        return 2;
    }
    if (o.scenario == "slow") {
        o.publishers = 1;
        if (o.subscribers < 2) o.subscribers = 2;
        if (o.phase2 <= 0) o.phase2 = 10.0;
    }
    o.window = std::max(1, o.window);

    // Thousands of sessions need as many descriptors: raise the soft limit to the hard one.
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }

    net::io_context io(1);
    tcp::endpoint ep;
    try {
        ep = tcp::endpoint(net::ip::make_address(o.host), o.port);
    } catch (const std::exception& e) {
        std::cerr << "flyover-bench: bad --host: " << e.what() << "\n";
        return 2;
    }
    int code = 0;
    auto done = [&](int c) {
        code = c;
        io.stop();
    };
    try {
        if (o.scenario == "rpc" || o.scenario == "echo") run_rpc(io, o, ep, done);
        else if (o.scenario == "pubsub" || o.scenario == "slow") run_pubsub(io, o, ep, done);
        else if (o.scenario == "idle") run_idle(io, o, ep, done);
        else {
            std::cerr << "flyover-bench: unknown scenario " << o.scenario << "\n\n" << usage;
            return 2;
        }
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "flyover-bench: " << e.what() << "\n";
        return 2;
    }
    return code;
}
