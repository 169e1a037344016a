#pragma once
// What every scenario of flyover-bench shares: the options, opening many WAMP sessions (or raw baseline
// connections) with bounded parallelism, the measuring window's CPU/RSS bookkeeping, and the report line.
// Thread affinity: the generator's single io_context thread.

#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "bench/load/asio.hpp"
#include "bench/load/histogram.hpp"
#include "bench/load/proc_stats.hpp"
#include "bench/load/wire.hpp"
#include "bench/load/ws_client.hpp"
#include "serializers/codec.hpp"

namespace flyover::bench {

struct Options {
    std::string scenario;
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::string path = "/ws";
    /// Speak the baseline servers' raw frames instead of WAMP (the server is a baseline, not a router).
    bool raw = false;
    std::string serializer = "msgpack";
    pid_t server_pid = 0;
    double warmup = 1.0;
    double duration = 5.0;
    std::size_t payload = 64;
    int callers = 1;
    int callees = 1;
    int window = 1;
    int publishers = 1;
    int subscribers = 10;
    bool ack = false;
    int sessions = 1000;
    double hold = 3.0;
    bool shared_topic = false;
    int parallel = 200;
    std::string realm = "realm1";
    /// Drain time limit after the window (in-flight work that has not arrived by then is reported lost).
    double drain = 5.0;
    /// Open-loop rate (rpc: calls/s over all callers; pubsub: publications/s over all publishers); 0 = as fast
    /// as the window allows. The window still caps what is in flight.
    double rate = 0;
    /// Slow scenario: SO_RCVBUF of the subscriber that stops reading.
    int slow_rcvbuf = 4096;
    /// Slow scenario: longest second window (subscriber 0 not reading); 0 = 10 s.
    double phase2 = 0;
};

const Codec& codec_of(const Options& o);

/// WebSocket options for one generator connection: the WAMP subprotocol (none against a raw baseline) and
/// the codec's frame type.
inline WsClient::Options ws_options(const Options& o, const Codec& codec, const std::string& path) {
    WsClient::Options w;
    w.path = path;
    w.subprotocol = o.raw ? "" : std::string(codec.subprotocol());
    w.binary = codec.binary();
    return w;
}

/// One line of `key=value` facts, printed as JSON for bench/run and as text for people.
class Report {
public:
    void set(const std::string& key, double v);
    void set(const std::string& key, long long v);
    template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, long long> && !std::is_same_v<I, bool>, int> = 0>
    void set(const std::string& key, I v) {
        set(key, static_cast<long long>(v));
    }
    void set(const std::string& key, const std::string& v);
    void set(const std::string& key, const char* v) { set(key, std::string(v)); }
    void set_bool(const std::string& key, bool v);
    /// Latency figures (microseconds) under `prefix`: _p50_us, _p90_us, _p99_us, _max_us, _count.
    void latency(const std::string& prefix, const Histogram& h);
    /// The window's CPU figures: server/self/others CPU percent of one core, CPU per op, RSS.
    void window(const CpuSnapshot& a, const CpuSnapshot& b, double ops, const std::string& op_name);
    void print() const;

private:
    std::vector<std::pair<std::string, std::string>> fields_;  // value already JSON-encoded
};

/// Opens `count` sessions with at most o.parallel in progress: TCP + WebSocket handshake, then (WAMP mode)
/// HELLO -> WELCOME and each setup frame -> its reply. A session that fails ends the whole run.
class Opener : public std::enable_shared_from_this<Opener> {
public:
    struct Spec {
        WsClient::Options ws;
        /// Frames sent one after another after WELCOME, each waiting for its reply (SUBSCRIBED, REGISTERED).
        std::vector<std::string> setup;
    };
    using SpecFn = std::function<Spec(int)>;
    using ReadyFn = std::function<void(int, std::shared_ptr<WsClient>)>;
    using DoneFn = std::function<void(int failed, std::string first_error)>;

    Opener(net::io_context& io, const Options& o, tcp::endpoint ep, int count, SpecFn spec, ReadyFn ready, DoneFn done);
    void start();

private:
    void open(int i);
    void finished(int i, const std::string& error);

    net::io_context& io_;
    const Options& o_;
    tcp::endpoint ep_;
    int count_;
    SpecFn spec_;
    ReadyFn ready_;
    DoneFn done_;
    int next_ = 0;
    int in_progress_ = 0;
    int completed_ = 0;
    int failed_ = 0;
    std::string first_error_;
};

/// GET /health on the router: its live session count (-1 when it cannot be read). Router only.
class HealthPoller : public std::enable_shared_from_this<HealthPoller> {
public:
    HealthPoller(net::io_context& io, tcp::endpoint ep) : io_(io), ep_(ep) {}
    void poll(std::function<void(long sessions)> done) {
        auto stream = std::make_shared<beast::tcp_stream>(io_);
        auto req = std::make_shared<http::request<http::empty_body>>(http::verb::get, "/health", 11);
        req->set(http::field::host, "127.0.0.1");
        req->keep_alive(false);
        auto res = std::make_shared<http::response<http::string_body>>();
        auto buf = std::make_shared<beast::flat_buffer>();
        stream->expires_after(std::chrono::seconds(2));
        stream->async_connect(ep_, [stream, req, res, buf, done](beast::error_code ec) {
            if (ec) return done(-1);
            http::async_write(*stream, *req, [stream, req, res, buf, done](beast::error_code ec, std::size_t) {
                if (ec) return done(-1);
                http::async_read(*stream, *buf, *res, [stream, res, buf, done](beast::error_code ec, std::size_t) {
                    if (ec) return done(-1);
                    auto& body = res->body();
                    auto at = body.find("\"sessions\":");
                    done(at == std::string::npos ? -1 : std::strtol(body.c_str() + at + 11, nullptr, 10));
                });
            });
        });
    }

private:
    net::io_context& io_;
    tcp::endpoint ep_;
};

/// HELLO for realm `realm` announcing all four roles.
std::string hello_frame(const Codec& codec, const std::string& realm);

/// Paces an open-loop rate: when the next operation falls due (but at most every 100 µs), `send(n)` is asked
/// to send the n operations now due (it returns how many it could; the rest stay due). Operations go out in
/// small groups, not millisecond bursts: a burst queues behind itself and shows up as the server's latency.
/// Stops when `stop()` returns true.
void pace(net::io_context& io, double rate, std::function<std::uint64_t(std::uint64_t due)> send,
          std::function<bool()> stop);

/// Runs `fn` after `seconds`.
void after(net::io_context& io, double seconds, std::function<void()> fn);

/// The WAMP message of a frame as debug text (for unexpected messages).
std::string describe_frame(const Codec& codec, std::string_view frame);

}  // namespace flyover::bench
