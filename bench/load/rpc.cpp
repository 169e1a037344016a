// rpc and echo: callers keep W round trips in flight each; the reply's marker gives the latency.
//
// Against the router: CALL -> INVOCATION -> YIELD -> RESULT (the callee echoes the payload back).
// Against the relay baseline: the same four frames, sized like the WAMP ones, relayed without parsing.
// Against the echo baseline: two frames (sized like CALL), the floor of any round trip over WebSocket.
#include <algorithm>
#include <cstring>
#include <iostream>

#include "bench/load/scenarios.hpp"

namespace flyover::bench {
namespace {

constexpr const char* procedure = "bench.rpc.echo";

class RpcRun : public std::enable_shared_from_this<RpcRun> {
public:
    RpcRun(net::io_context& io, const Options& o, tcp::endpoint ep, Finish done)
        : io_(io), o_(o), ep_(ep), done_(std::move(done)), codec_(codec_of(o)), json_(o.serializer == "json") {
        echo_ = o.scenario == "echo";
        Payload payload{List{Value(marker_string(o.payload))}, {}, {}};
        call_ = FrameTemplate::make(codec_, Call{FrameTemplate::template_id, {}, procedure, payload});
        yield_ = FrameTemplate::make(codec_, Yield{FrameTemplate::template_id, {}, payload});
        raw_call_ = raw::frame('C', call_.size());
        raw_yield_ = raw::frame('Y', yield_.size());
    }

    void start() {
        int callees = echo_ ? 0 : o_.callees;
        auto self = shared_from_this();
        callees_.resize(callees);
        auto opener = std::make_shared<Opener>(
            io_, o_, ep_, callees,
            [self](int) {
                Opener::Spec s;
                s.ws = ws_options(self->o_, self->codec_, self->o_.raw ? "/callee" : self->o_.path);
                {
                    Dict options;
                    if (self->o_.callees > 1) options.emplace("invoke", "roundrobin");
                    s.setup.push_back(self->codec_.encode(Register{1, std::move(options), procedure}));
                }
                return s;
            },
            [self](int i, std::shared_ptr<WsClient> ws) { self->callees_[i] = ws; },
            [self](int failed, std::string error) {
                if (failed) return self->fail(std::to_string(failed) + " callees failed to join: " + error);
                self->open_callers();
            });
        opener->start();
    }

private:
    struct Caller {
        std::shared_ptr<WsClient> ws;
        std::uint64_t seq = 0;
        int outstanding = 0;
    };

    void open_callers() {
        auto self = shared_from_this();
        callers_.resize(o_.callers);
        auto opener = std::make_shared<Opener>(
            io_, o_, ep_, o_.callers,
            [self](int) {
                Opener::Spec s;
                s.ws = ws_options(self->o_, self->codec_, self->o_.raw ? (self->echo_ ? "/echo" : "/caller") : self->o_.path);
                return s;
            },
            [self](int i, std::shared_ptr<WsClient> ws) { self->callers_[i].ws = ws; },
            [self](int failed, std::string error) {
                if (failed) return self->fail(std::to_string(failed) + " callers failed to join: " + error);
                self->run();
            });
        opener->start();
    }

    void run() {
        auto self = shared_from_this();
        invocations_.assign(callees_.size(), 0);
        for (std::size_t i = 0; i < callees_.size(); ++i) {
            auto& ws = callees_[i];
            ws->set_frame_handler([self, w = ws.get(), i](std::string_view f) {
                ++self->invocations_[i];
                self->on_invocation(*w, f);
            });
            ws->set_close_handler([self](const beast::error_code& ec) { self->lost_connection("callee", ec); });
            ws->start_reading();
        }
        for (std::size_t i = 0; i < callers_.size(); ++i) {
            auto& ws = callers_[i].ws;
            ws->set_frame_handler([self, i](std::string_view f) { self->on_reply(i, f); });
            ws->set_close_handler([self](const beast::error_code& ec) { self->lost_connection("caller", ec); });
            ws->start_reading();
        }
        auto now = now_ns();
        if (o_.rate > 0) {
            // Open loop: calls are due at the rate, spread round robin over callers with room in their window.
            pace(
                io_, o_.rate,
                [self](std::uint64_t due) {
                    std::uint64_t sent = 0;
                    auto now = now_ns();
                    for (std::size_t tries = 0; sent < due && tries < self->callers_.size(); ) {
                        auto& c = self->callers_[self->next_caller_];
                        std::size_t ci = self->next_caller_;
                        self->next_caller_ = (self->next_caller_ + 1) % self->callers_.size();
                        if (c.outstanding < self->o_.window && c.ws->is_open()) {
                            self->send_call(ci, now);
                            ++sent;
                            tries = 0;
                        } else {
                            ++tries;
                        }
                    }
                    return sent;
                },
                [self] { return self->stopping_; });
        } else {
            for (std::size_t i = 0; i < callers_.size(); ++i)
                for (int w = 0; w < o_.window; ++w) send_call(i, now);
        }
        after(io_, o_.warmup, [self] {
            self->a_ = snapshot(self->o_.server_pid);
            self->measuring_ = true;
            after(self->io_, self->o_.duration, [self] {
                self->measuring_ = false;
                self->b_ = snapshot(self->o_.server_pid);
                self->stopping_ = true;
                self->drain_deadline_ = now_ns() + static_cast<std::uint64_t>(self->o_.drain * 1e9);
                self->wait_drain();
            });
        });
    }

    void send_call(std::size_t ci, std::uint64_t now) {
        auto& c = callers_[ci];
        if (!c.ws->is_open()) return;
        ++c.seq;
        ++c.outstanding;
        ++outstanding_;
        Marker m{now, static_cast<std::uint32_t>(ci), c.seq};
        if (o_.raw) {
            std::string f = raw_call_;
            write_marker(f.data() + raw::marker_at, m);
            c.ws->send(std::move(f));
        } else {
            c.ws->send(call_.build(c.seq, m));
        }
    }

    void on_reply(std::size_t ci, std::string_view frame) {
        auto& c = callers_[ci];
        if (!o_.raw) {
            int type = peek_type(frame, json_);
            if (type != static_cast<int>(MessageType::result)) {
                if (errors_++ < 3) std::cerr << "caller " << ci << ": unexpected " << describe_frame(codec_, frame) << "\n";
                if (type == static_cast<int>(MessageType::error)) complete(c, ci, 0);
                return;
            }
        }
        auto m = find_marker(frame);
        if (!m || m->source != ci) {
            if (errors_++ < 3) std::cerr << "caller " << ci << ": reply without its marker\n";
            return;
        }
        complete(c, ci, m->sent_ns);
    }

    void complete(Caller& c, std::size_t ci, std::uint64_t sent_ns) {
        auto now = now_ns();
        if (measuring_ && sent_ns) {
            hist_.record(now - sent_ns);
            ++window_ops_;
        }
        --c.outstanding;
        --outstanding_;
        ++completed_;
        if (!stopping_ && o_.rate <= 0) send_call(ci, now);
    }

    void on_invocation(WsClient& ws, std::string_view frame) {
        if (o_.raw) {
            std::string reply = raw_yield_;
            std::memcpy(reply.data(), frame.data(), std::min<std::size_t>(frame.size(), raw::marker_at + marker_size));
            reply[0] = 'Y';
            ws.send(std::move(reply));
            return;
        }
        int type = peek_type(frame, json_);
        auto request = peek_second(frame, json_);
        auto m = find_marker(frame);
        if (type != static_cast<int>(MessageType::invocation) || !request || !m) {
            if (errors_++ < 3) std::cerr << "callee: unexpected " << describe_frame(codec_, frame) << "\n";
            return;
        }
        ws.send(yield_.build(*request, *m));
    }

    void lost_connection(const char* who, const beast::error_code& ec) {
        if (lost_connections_++ < 3) std::cerr << who << " connection lost: " << ec.message() << "\n";
    }

    void wait_drain() {
        if (outstanding_ == 0 || now_ns() >= drain_deadline_) return report();
        auto self = shared_from_this();
        after(io_, 0.01, [self] { self->wait_drain(); });
    }

    void report() {
        Report r;
        r.set("scenario", o_.scenario);
        r.set("target", o_.raw ? (echo_ ? "echo" : "relay") : "router");
        r.set("serializer", o_.serializer);
        r.set("payload", static_cast<long long>(o_.payload));
        r.set("frame_bytes", static_cast<long long>(call_.size()));
        r.set("callers", o_.callers);
        r.set("callees", echo_ ? 0 : o_.callees);
        r.set("window", o_.window);
        r.set("offered_rate", o_.rate);
        r.window(a_, b_, static_cast<double>(window_ops_), "call");
        r.latency("lat", hist_);
        if (!invocations_.empty()) {
            auto [lo, hi] = std::minmax_element(invocations_.begin(), invocations_.end());
            r.set("invocations_per_callee_min", static_cast<long long>(*lo));
            r.set("invocations_per_callee_max", static_cast<long long>(*hi));
        }
        r.set("completed_total", static_cast<long long>(completed_));
        r.set("lost", static_cast<long long>(outstanding_));
        r.set("errors", static_cast<long long>(errors_));
        r.set("connections_lost", static_cast<long long>(lost_connections_));
        r.print();
        finish(outstanding_ || errors_ || lost_connections_ ? 3 : 0);
    }

    void fail(const std::string& why) {
        std::cerr << "flyover-bench: " << why << "\n";
        finish(2);
    }

    void finish(int code) {
        for (auto& c : callers_)
            if (c.ws) c.ws->close();
        for (auto& ws : callees_)
            if (ws) ws->close();
        auto done = std::move(done_);
        if (done) done(code);
    }

    net::io_context& io_;
    const Options& o_;
    tcp::endpoint ep_;
    Finish done_;
    const Codec& codec_;
    bool json_;
    bool echo_ = false;
    FrameTemplate call_;
    FrameTemplate yield_;
    std::string raw_call_;
    std::string raw_yield_;
    std::vector<std::shared_ptr<WsClient>> callees_;
    std::vector<Caller> callers_;
    std::vector<std::uint64_t> invocations_;
    std::size_t next_caller_ = 0;
    bool measuring_ = false;
    bool stopping_ = false;
    std::uint64_t drain_deadline_ = 0;
    long long outstanding_ = 0;
    std::uint64_t completed_ = 0;
    std::uint64_t window_ops_ = 0;
    std::uint64_t errors_ = 0;
    std::uint64_t lost_connections_ = 0;
    Histogram hist_;
    CpuSnapshot a_, b_;
};

}  // namespace

void run_rpc(net::io_context& io, const Options& o, tcp::endpoint ep, Finish done) {
    std::make_shared<RpcRun>(io, o, ep, std::move(done))->start();
}

}  // namespace flyover::bench
