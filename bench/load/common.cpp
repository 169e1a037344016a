#include "bench/load/common.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace flyover::bench {
namespace {

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

const Codec& codec_of(const Options& o) { return o.serializer == "json" ? json_codec() : msgpack_codec(); }

void Report::set(const std::string& key, double v) {
    char buf[64];
    if (!std::isfinite(v)) std::snprintf(buf, sizeof buf, "null");
    else std::snprintf(buf, sizeof buf, "%.6g", v);
    fields_.emplace_back(key, buf);
}
void Report::set(const std::string& key, long long v) { fields_.emplace_back(key, std::to_string(v)); }
void Report::set(const std::string& key, const std::string& v) { fields_.emplace_back(key, json_string(v)); }
void Report::set_bool(const std::string& key, bool v) { fields_.emplace_back(key, v ? "true" : "false"); }

void Report::latency(const std::string& prefix, const Histogram& h) {
    set(prefix + "_count", static_cast<long long>(h.count()));
    set(prefix + "_p50_us", h.quantile(0.50) / 1e3);
    set(prefix + "_p90_us", h.quantile(0.90) / 1e3);
    set(prefix + "_p99_us", h.quantile(0.99) / 1e3);
    set(prefix + "_max_us", h.max() / 1e3);
}

void Report::window(const CpuSnapshot& a, const CpuSnapshot& b, double ops, const std::string& op_name) {
    double secs = b.t - a.t;
    double server = b.server - a.server;
    double self = b.self - a.self;
    std::string top;
    double others_proc = others_between(a.others, b.others, secs, &top);
    double others_machine = (b.machine.busy - a.machine.busy) - server - self;
    double others = std::max(others_proc, others_machine);
    set("window_s", secs);
    set("ops", ops);
    set("op", op_name);
    set("ops_per_s", ops / secs);
    set("server_cpu_pct", 100.0 * server / secs);
    set("gen_cpu_pct", 100.0 * self / secs);
    set("others_cpu_pct", 100.0 * others / secs);
    set("others_proc_cpu_pct", 100.0 * others_proc / secs);
    set("others_machine_cpu_pct", 100.0 * others_machine / secs);
    set("others_top", top);
    set("steal_pct", 100.0 * (b.machine.steal - a.machine.steal) / secs);
    set("server_cpu_us_per_op", ops > 0 ? server * 1e6 / ops : NAN);
    set("gen_cpu_us_per_op", ops > 0 ? self * 1e6 / ops : NAN);
    set("server_rss_kib_start", static_cast<long long>(a.server_rss_kib));
    set("server_rss_kib_end", static_cast<long long>(b.server_rss_kib));
    set("loadavg1", loadavg1());
}

void Report::print() const {
    std::string line = "RESULT {";
    for (std::size_t i = 0; i < fields_.size(); ++i) {
        if (i) line += ", ";
        line += json_string(fields_[i].first) + ": " + fields_[i].second;
    }
    line += "}";
    std::cout << line << std::endl;
}

Opener::Opener(net::io_context& io, const Options& o, tcp::endpoint ep, int count, SpecFn spec, ReadyFn ready, DoneFn done)
    : io_(io), o_(o), ep_(ep), count_(count), spec_(std::move(spec)), ready_(std::move(ready)), done_(std::move(done)) {}

void Opener::start() {
    if (count_ == 0) {
        done_(0, "");
        return;
    }
    while (next_ < count_ && in_progress_ < o_.parallel) open(next_++);
}

void Opener::open(int i) {
    ++in_progress_;
    auto spec = std::make_shared<Spec>(spec_(i));
    auto ws = std::make_shared<WsClient>(io_, spec->ws);
    auto self = shared_from_this();
    ws->connect(ep_, [self, ws, spec, i](const beast::error_code& ec) {
        if (ec) return self->finished(i, "connect: " + ec.message());
        // Raw mode (baselines) mirrors the WAMP opening: one small request/response per HELLO and per setup
        // frame, so that the kernel's view of each connection (e.g. delayed-ACK "ping-pong" mode, which decides
        // how Nagle's algorithm batches later writes) is the same as with a router.
        const bool raw = self->o_.raw;
        const Codec& codec = codec_of(self->o_);
        auto step = std::make_shared<std::size_t>(0);  // 0 = waiting for WELCOME, k = waiting for setup[k-1]'s reply
        auto settled = std::make_shared<bool>(false);  // finished() once per session, whatever comes first
        ws->set_close_handler([self, i, settled](const beast::error_code& ec) {
            if (!std::exchange(*settled, true)) self->finished(i, "closed while joining: " + ec.message());
        });
        ws->set_frame_handler([self, ws, spec, step, i, settled, raw, &codec](std::string_view frame) {
            int type = peek_type(frame, !codec.binary());
            bool expected = raw || (*step == 0 && type == static_cast<int>(MessageType::welcome)) ||
                            (*step > 0 && (type == static_cast<int>(MessageType::subscribed) ||
                                           type == static_cast<int>(MessageType::registered)));
            // What follows replaces this very handler: run it after the handler has returned.
            if (!expected) {
                std::string error = "unexpected reply while joining: " + describe_frame(codec, frame);
                if (std::exchange(*settled, true)) return;
                net::post(self->io_, [self, ws, i, error] {
                    ws->set_frame_handler(nullptr);
                    ws->set_close_handler(nullptr);
                    ws->close();
                    self->finished(i, error);
                });
                return;
            }
            if (*step < spec->setup.size()) {
                ws->send(raw ? std::string(raw::join_frame) : spec->setup[*step]);
                ++*step;
                return;
            }
            if (std::exchange(*settled, true)) return;
            net::post(self->io_, [self, ws, i] {
                ws->set_frame_handler(nullptr);
                ws->set_close_handler(nullptr);
                self->ready_(i, ws);
                self->finished(i, "");
            });
        });
        ws->start_reading();
        ws->send(raw ? std::string(raw::join_frame) : hello_frame(codec, self->o_.realm));
    });
}

void Opener::finished(int, const std::string& error) {
    --in_progress_;
    ++completed_;
    if (!error.empty()) {
        if (failed_++ == 0) first_error_ = error;
    }
    if (completed_ == count_) {
        auto done = std::move(done_);
        done_ = nullptr;
        if (done) done(failed_, first_error_);
        return;
    }
    while (next_ < count_ && in_progress_ < o_.parallel) open(next_++);
}

std::string hello_frame(const Codec& codec, const std::string& realm) {
    Dict roles{{"caller", Dict{}}, {"callee", Dict{}}, {"publisher", Dict{}}, {"subscriber", Dict{}}};
    return codec.encode(Hello{realm, Dict{{"roles", roles}, {"agent", "flyover-bench"}}});
}

void pace(net::io_context& io, double rate, std::function<std::uint64_t(std::uint64_t)> send, std::function<bool()> stop) {
    // Timers fire up to the thread's timer slack late (50 µs by default): 1 ns keeps the spacing even.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    struct Pacer {
        std::shared_ptr<net::steady_timer> timer;
        double rate;
        std::uint64_t start = now_ns();
        std::uint64_t sent = 0;
        std::function<std::uint64_t(std::uint64_t)> send;
        std::function<bool()> stop;
    };
    auto p = std::make_shared<Pacer>(Pacer{std::make_shared<net::steady_timer>(io), rate, now_ns(), 0, std::move(send), std::move(stop)});
    auto tick = std::make_shared<std::function<void()>>();
    *tick = [p, tick] {
        if (p->stop()) {
            *tick = nullptr;  // breaks the self-reference
            return;
        }
        auto now = now_ns();
        auto due = static_cast<std::uint64_t>(static_cast<double>(now - p->start) / 1e9 * p->rate);
        if (due > p->sent) p->sent += p->send(due - p->sent);
        // Wake when the next operation falls due, but at most every 100 µs (a timer per operation would load the
        // generator's core more than the server's); if some could not be sent (windows full), retry then too.
        auto next_due = p->start + static_cast<std::uint64_t>(static_cast<double>(p->sent + 1) * 1e9 / p->rate);
        auto wait_ns = std::clamp<std::uint64_t>(next_due > now ? next_due - now : 0, 100'000, 1'000'000);
        p->timer->expires_after(std::chrono::nanoseconds(wait_ns));
        p->timer->async_wait([tick](const beast::error_code& ec) {
            if (!ec && *tick) (*tick)();
        });
    };
    (*tick)();
}

void after(net::io_context& io, double seconds, std::function<void()> fn) {
    auto t = std::make_shared<net::steady_timer>(io);
    t->expires_after(std::chrono::nanoseconds(static_cast<long long>(seconds * 1e9)));
    t->async_wait([t, fn = std::move(fn)](const beast::error_code& ec) {
        if (!ec) fn();
    });
}

std::string describe_frame(const Codec& codec, std::string_view frame) {
    auto v = codec.decode(frame);
    if (!v) return "undecodable frame (" + v.error().message + ")";
    std::string s = to_debug_string(v.value());
    if (s.size() > 300) s = s.substr(0, 300) + "...";
    return s;
}

}  // namespace flyover::bench
