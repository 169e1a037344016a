// A backend service in C++: registers a small calculator on a Flyover (or any WAMP) router and serves it until
// stopped, reconnecting (and re-registering) whenever the router goes away.
//
//   com.example.calc.add(a, b)   -> a + b
//   com.example.calc.mul(a, b)   -> a * b
//   com.example.calc.div(a, b)   -> a / b, or the application error com.example.calc.division_by_zero
//   com.example.countdown(n[, interval_ms])
//                                -> progressive results n, n-1, ..., 1 (one every interval_ms, default 100),
//                                   then "done"; stops early when the caller cancels or its timeout expires
//
// Usage: flyover-example-calculator [URL [REALM [SERIALIZER]]]
//        (or FLYOVER_URL, FLYOVER_REALM, FLYOVER_SERIALIZER; defaults ws://127.0.0.1:8080/ws realm1 json)

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "client/client.hpp"

using namespace flyover;
using namespace flyover::client;

namespace {

/// The setting from argv[index], else the environment variable, else the default.
std::string setting(int argc, char** argv, int index, const char* env, const char* fallback) {
    if (argc > index) return argv[index];
    if (const char* v = std::getenv(env); v && *v) return v;
    return fallback;
}

/// Two numeric arguments, as integers when both are integers (so 2 + 3 is 5, not 5.0).
struct Operands {
    bool integers;
    std::int64_t ia, ib;
    double da, db;
};

std::optional<Operands> operands(const IncomingCall& call) {
    const List& args = call.args();
    if (args.size() != 2) return std::nullopt;
    auto a = args[0].as_number(), b = args[1].as_number();
    if (!a || !b) return std::nullopt;
    auto ia = args[0].as_int(), ib = args[1].as_int();
    bool integers = ia && ib;
    return Operands{integers, integers ? *ia : 0, integers ? *ib : 0, *a, *b};
}

bool reject_operands(const IncomingCall& call) {
    return call.error("wamp.error.invalid_argument", {"expected two numbers, e.g. [6, 7]"});
}

void add(IncomingCall call) {
    auto o = operands(call);
    if (!o) return (void)reject_operands(call);
    std::int64_t sum;
    if (o->integers && !__builtin_add_overflow(o->ia, o->ib, &sum)) call.yield({sum});
    else call.yield({o->da + o->db});
}

void multiply(IncomingCall call) {
    auto o = operands(call);
    if (!o) return (void)reject_operands(call);
    std::int64_t product;
    if (o->integers && !__builtin_mul_overflow(o->ia, o->ib, &product)) call.yield({product});
    else call.yield({o->da * o->db});
}

void divide(IncomingCall call) {
    auto o = operands(call);
    if (!o) return (void)reject_operands(call);
    // An application error is a value the caller receives with its URI and arguments, not a crash here.
    if (o->db == 0) return (void)call.error("com.example.calc.division_by_zero", {"cannot divide by zero"}, {{"dividend", call.args()[0]}});
    if (o->integers && o->ib != -1 && o->ia % o->ib == 0) call.yield({o->ia / o->ib});
    else call.yield({o->da / o->db});
}

/// One step of the countdown: a progressive result, then the next step after `interval`.
void countdown_step(IncomingCall call, std::shared_ptr<net::steady_timer> timer, std::int64_t n,
                    std::chrono::milliseconds interval) {
    if (call.done()) return;  // canceled or timed out: the interrupt handler stopped the timer
    if (n == 0) {
        call.yield({"done"});
        return;
    }
    call.progress({n});  // sent only when the caller asked for progressive results
    timer->expires_after(interval);
    timer->async_wait([call, timer, n, interval](boost::system::error_code ec) {
        if (!ec) countdown_step(call, timer, n - 1, interval);
    });
}

void countdown(Client& client, IncomingCall call) {
    auto n = call.args().empty() ? std::nullopt : call.args()[0].as_int();
    auto interval = call.args().size() > 1 ? call.args()[1].as_int() : std::optional<std::int64_t>(100);
    if (!n || *n < 0 || *n > 1000 || !interval || *interval < 0 || *interval > 10000)
        return (void)call.error("wamp.error.invalid_argument", {"expected n in [0, 1000] and an optional interval_ms in [0, 10000]"});
    auto timer = std::make_shared<net::steady_timer>(client.get_executor());
    // The caller canceled (or its call timeout expired): stop counting. The client answers the router.
    call.on_interrupt([timer](CancelMode) { timer->cancel(); });
    countdown_step(call, timer, *n, std::chrono::milliseconds(*interval));
}

}  // namespace

int main(int argc, char** argv) {
    ClientOptions options;
    options.url = setting(argc, argv, 1, "FLYOVER_URL", "ws://127.0.0.1:8080/ws");
    options.realm = setting(argc, argv, 2, "FLYOVER_REALM", "realm1");
    auto serializer = parse_serializer(setting(argc, argv, 3, "FLYOVER_SERIALIZER", "json"));
    if (!serializer) {
        std::cerr << "usage: flyover-example-calculator [URL [REALM [json|msgpack]]]\n";
        return 64;
    }
    options.serializer = *serializer;
    // A service should outlive router restarts: reconnect forever, 0.5 s growing to 10 s between attempts.
    options.reconnect = ReconnectPolicy{std::chrono::milliseconds(500), std::chrono::milliseconds(10000), 2.0, 0.1, 0};

    net::io_context io;
    auto client = Client::create(io.get_executor(), options);
    // Callbacks capture this reference, not the shared_ptr: a callback stored in the client that held the
    // client would keep it alive forever. `client` outlives io.run(), after which no callback runs.
    Client& c = *client;

    // Called after every (re)connect: registrations belong to a session, so each new session registers again.
    c.on_join([&c, &options](const SessionInfo& session) {
        auto pending = std::make_shared<int>(4);
        auto registered = [session, pending, &options](Outcome<Registration> r) {
            if (!r) {
                std::cerr << "calculator: register failed: " << r.error().uri << " " << r.error().message() << std::endl;
                return;
            }
            if (--*pending == 0)
                std::cout << "calculator: ready (session " << session.session << " on " << options.url << ", realm "
                          << options.realm << ")" << std::endl;
        };
        c.register_procedure("com.example.calc.add", add, registered);
        c.register_procedure("com.example.calc.mul", multiply, registered);
        c.register_procedure("com.example.calc.div", divide, registered);
        c.register_procedure("com.example.countdown", [&c](IncomingCall call) { countdown(c, std::move(call)); }, registered);
    });
    c.on_leave([](const CloseInfo& info) {
        std::cout << "calculator: session ended (" << info.reason << (info.message.empty() ? "" : ": " + info.message)
                  << ")" << std::endl;
    });

    net::signal_set signals(io, SIGINT, SIGTERM);
    c.on_stop([&signals](const CloseInfo& info) {
        std::cout << "calculator: stopped (" << info.reason << ")" << std::endl;
        signals.cancel();
    });
    signals.async_wait([&c](boost::system::error_code ec, int) {
        if (!ec) c.stop();
    });

    c.start();
    io.run();
    return 0;
}
