// idle: N sessions join (HELLO/WELCOME) and subscribe once, then are held; the server's RSS growth per
// session is the figure. Against the echo baseline the same N plain WebSocket connections are opened and
// held: the floor of what one idle WebSocket connection costs a Beast server.
#include <iostream>

#include "bench/load/scenarios.hpp"

namespace flyover::bench {
namespace {

class IdleRun : public std::enable_shared_from_this<IdleRun> {
public:
    IdleRun(net::io_context& io, const Options& o, tcp::endpoint ep, Finish done)
        : io_(io), o_(o), ep_(ep), done_(std::move(done)), codec_(codec_of(o)) {}

    void start() {
        rss_before_ = o_.server_pid > 0 ? process_rss_kib(o_.server_pid) : 0;
        started_ns_ = now_ns();
        sessions_.resize(o_.sessions);
        auto self = shared_from_this();
        auto opener = std::make_shared<Opener>(
            io_, o_, ep_, o_.sessions,
            [self](int i) {
                Opener::Spec s;
                s.ws.path = self->o_.raw ? "/idle" : self->o_.path;
                s.ws.subprotocol = self->o_.raw ? "" : std::string(self->codec_.subprotocol());
                s.ws.binary = self->codec_.binary();
                {
                    std::string topic = self->o_.shared_topic ? "bench.idle.topic" : "bench.idle.t" + std::to_string(i);
                    s.setup.push_back(self->codec_.encode(Subscribe{1, {}, topic}));
                }
                return s;
            },
            [self](int i, std::shared_ptr<WsClient> ws) {
                ws->set_frame_handler([self](std::string_view) { ++self->unexpected_frames_; });
                ws->set_close_handler([self](const beast::error_code& ec) {
                    if (self->lost_++ < 3) std::cerr << "idle session lost: " << ec.message() << "\n";
                });
                ws->start_reading();
                self->sessions_[i] = std::move(ws);
            },
            [self](int failed, std::string error) {
                self->join_s_ = static_cast<double>(now_ns() - self->started_ns_) / 1e9;
                if (failed) {
                    self->failed_ = failed;
                    std::cerr << "flyover-bench: " << failed << " of " << self->o_.sessions
                              << " sessions failed to open; first error: " << error << "\n";
                    self->first_error_ = error;
                }
                // Let the server finish its bookkeeping (realm joins are posted) before measuring.
                after(self->io_, 1.0, [self] { self->measure(); });
            });
        opener->start();
    }

private:
    void measure() {
        a_ = snapshot(o_.server_pid);
        rss_joined_ = a_.server_rss_kib;
        auto self = shared_from_this();
        after(io_, o_.hold, [self] {
            self->b_ = snapshot(self->o_.server_pid);
            self->close_all();
        });
    }

    /// Closes every session and (router) waits until /health counts none: the realm cleaned up after them.
    void close_all() {
        for (auto& s : sessions_)
            if (s) {
                if (s->is_open()) ++open_at_end_;
                s->close();
            }
        if (o_.raw) return report();
        health_ = std::make_shared<HealthPoller>(io_, ep_);
        close_deadline_ = now_ns() + 5'000'000'000ULL;
        wait_empty();
    }

    void wait_empty() {
        auto self = shared_from_this();
        health_->poll([self](long sessions) {
            self->sessions_after_close_ = sessions;
            if (sessions == 0 || now_ns() >= self->close_deadline_) {
                self->close_s_ = static_cast<double>(now_ns() - (self->close_deadline_ - 5'000'000'000ULL)) / 1e9;
                return self->report();
            }
            after(self->io_, 0.05, [self] { self->wait_empty(); });
        });
    }

    void report() {
        long open = open_at_end_;
        Report r;
        r.set("scenario", "idle");
        r.set("target", o_.raw ? "echo" : "router");
        r.set("serializer", o_.serializer);
        r.set("sessions", o_.sessions);
        r.set_bool("shared_topic", o_.shared_topic);
        r.set("failed", failed_);
        r.set("first_error", first_error_);
        r.set("open_at_end", open);
        r.set("join_s", join_s_);
        r.set("joins_per_s", static_cast<double>(o_.sessions) / join_s_);
        r.set("rss_kib_before", static_cast<long long>(rss_before_));
        r.set("rss_kib_joined", static_cast<long long>(rss_joined_));
        r.set("rss_kib_end", static_cast<long long>(b_.server_rss_kib));
        double n = static_cast<double>(o_.sessions - failed_);
        r.set("rss_bytes_per_session", n > 0 ? static_cast<double>(rss_joined_ - rss_before_) * 1024.0 / n : 0.0);
        r.set("rss_bytes_per_session_end", n > 0 ? static_cast<double>(b_.server_rss_kib - rss_before_) * 1024.0 / n : 0.0);
        r.window(a_, b_, n, "session");
        if (!o_.raw) {
            r.set("sessions_left_after_close", static_cast<long long>(sessions_after_close_));
            r.set("close_s", close_s_);
            r.set("rss_kib_after_close", static_cast<long long>(o_.server_pid > 0 ? process_rss_kib(o_.server_pid) : 0));
        }
        r.set("unexpected_frames", static_cast<long long>(unexpected_frames_));
        r.set("connections_lost", static_cast<long long>(lost_));
        r.print();
        auto done = std::move(done_);
        if (done) done(failed_ || lost_ || unexpected_frames_ || sessions_after_close_ > 0 ? 3 : 0);
    }

    net::io_context& io_;
    const Options& o_;
    tcp::endpoint ep_;
    Finish done_;
    const Codec& codec_;
    std::vector<std::shared_ptr<WsClient>> sessions_;
    long rss_before_ = 0;
    long rss_joined_ = 0;
    std::uint64_t started_ns_ = 0;
    double join_s_ = 0;
    int failed_ = 0;
    std::string first_error_;
    std::uint64_t unexpected_frames_ = 0;
    std::uint64_t lost_ = 0;
    CpuSnapshot a_, b_;
    long open_at_end_ = 0;
    std::shared_ptr<HealthPoller> health_;
    std::uint64_t close_deadline_ = 0;
    long sessions_after_close_ = -1;
    double close_s_ = 0;
};

}  // namespace

void run_idle(net::io_context& io, const Options& o, tcp::endpoint ep, Finish done) {
    std::make_shared<IdleRun>(io, o, ep, std::move(done))->start();
}

}  // namespace flyover::bench
