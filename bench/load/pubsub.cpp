// pubsub and slow: publishers publish as fast as a delivery window allows, subscribers check every event's
// marker (latency, per-publisher order, loss).
//
// Flow control is closed-loop: publisher p may have at most W publications "in flight", counted as
// (published x active subscribers - events of p delivered to active subscribers) < W x active subscribers,
// and, when acknowledged, at most W PUBLISHED outstanding. So the run measures the sustainable rate instead
// of filling the router's queues until it closes everyone as a slow consumer.
//
// slow: the same with one publisher; after the first window subscriber 0 stops reading (its socket receive
// buffer made small), the flow control forgets it, and a second window measures the healthy subscribers
// again. The router's RSS is sampled every 100 ms and /health is polled to see when it closes the slow one;
// the second window ends 2 s after that close, or after --phase2 seconds.
#include <cstring>
#include <iostream>

#include "bench/load/scenarios.hpp"

namespace flyover::bench {
namespace {

constexpr const char* topic = "bench.pubsub.topic";

class PubSubRun : public std::enable_shared_from_this<PubSubRun> {
public:
    PubSubRun(net::io_context& io, const Options& o, tcp::endpoint ep, Finish done)
        : io_(io), o_(o), ep_(ep), done_(std::move(done)), codec_(codec_of(o)), json_(o.serializer == "json") {
        slow_ = o.scenario == "slow";
        sessions_at_pause_ = o.subscribers + o.publishers;
        Payload payload{List{Value(marker_string(o.payload))}, {}, {}};
        Dict options;
        if (o.ack) options.emplace("acknowledge", true);
        publish_ = FrameTemplate::make(codec_, Publish{FrameTemplate::template_id, options, topic, payload});
        auto event = FrameTemplate::make(codec_, Event{FrameTemplate::template_id, 1ULL << 52, {}, payload});
        raw_publish_ = raw::frame(o.ack ? 'A' : 'N', event.size());
        event_bytes_ = event.size();
    }

    void start() {
        auto self = shared_from_this();
        subs_.resize(o_.subscribers);
        active_subs_ = o_.subscribers;
        auto opener = std::make_shared<Opener>(
            io_, o_, ep_, o_.subscribers,
            [self](int i) {
                Opener::Spec s;
                s.ws = ws_options(self->o_, self->codec_, self->o_.raw ? "/sub" : self->o_.path);
                if (self->slow_ && i == 0) s.ws.receive_buffer = self->o_.slow_rcvbuf;
                s.setup.push_back(self->codec_.encode(Subscribe{1, {}, topic}));
                return s;
            },
            [self](int i, std::shared_ptr<WsClient> ws) {
                self->subs_[i].ws = ws;
                self->subs_[i].next_seq.assign(self->o_.publishers, 1);
            },
            [self](int failed, std::string error) {
                if (failed) return self->fail(std::to_string(failed) + " subscribers failed to join: " + error);
                self->open_publishers();
            });
        opener->start();
    }

private:
    struct Sub {
        std::shared_ptr<WsClient> ws;
        std::vector<std::uint64_t> next_seq;  // per publisher
        std::uint64_t received = 0;
        bool active = true;
    };
    struct Pub {
        std::shared_ptr<WsClient> ws;
        std::uint64_t published = 0;
        std::uint64_t acked = 0;
        std::uint64_t delivered_active = 0;  // events of this publisher seen by active subscribers
        std::uint64_t delivered_all = 0;
        std::uint64_t published_base = 0;
        std::uint64_t delivered_base = 0;
    };
    struct Window {
        CpuSnapshot a, b;
        Histogram hist;
        std::uint64_t events = 0;        // at counted subscribers
        std::uint64_t publications = 0;  // published during the window
        std::uint64_t published_at_start = 0;
        long rss_max_kib = 0;
        bool ended = false;
    };

    void open_publishers() {
        auto self = shared_from_this();
        pubs_.resize(o_.publishers);
        auto opener = std::make_shared<Opener>(
            io_, o_, ep_, o_.publishers,
            [self](int) {
                Opener::Spec s;
                s.ws = ws_options(self->o_, self->codec_, self->o_.raw ? "/pub" : self->o_.path);
                return s;
            },
            [self](int i, std::shared_ptr<WsClient> ws) { self->pubs_[i].ws = ws; },
            [self](int failed, std::string error) {
                if (failed) return self->fail(std::to_string(failed) + " publishers failed to join: " + error);
                self->run();
            });
        opener->start();
    }

    void run() {
        auto self = shared_from_this();
        for (std::size_t i = 0; i < subs_.size(); ++i) {
            auto& ws = subs_[i].ws;
            ws->set_frame_handler([self, i](std::string_view f) { self->on_event(i, f); });
            ws->set_close_handler([self, i](const beast::error_code& ec) { self->sub_closed(i, ec); });
            ws->start_reading();
        }
        for (std::size_t p = 0; p < pubs_.size(); ++p) {
            auto& ws = pubs_[p].ws;
            ws->set_frame_handler([self, p](std::string_view f) { self->on_publisher_frame(p, f); });
            ws->set_close_handler([self](const beast::error_code& ec) {
                if (self->lost_connections_++ < 3) std::cerr << "publisher connection lost: " << ec.message() << "\n";
            });
            ws->start_reading();
        }
        start_ns_ = now_ns();
        sample_rss();
        if (o_.rate > 0) {
            // Open loop: publications are due at the rate, round robin over publishers with room in their window.
            pace(
                io_, o_.rate,
                [self](std::uint64_t due) {
                    std::uint64_t sent = 0;
                    for (std::size_t tries = 0; sent < due && tries < self->pubs_.size();) {
                        std::size_t pi = self->next_pub_;
                        self->next_pub_ = (self->next_pub_ + 1) % self->pubs_.size();
                        if (self->can_send(self->pubs_[pi])) {
                            self->publish(pi);
                            ++sent;
                            tries = 0;
                        } else {
                            ++tries;
                        }
                    }
                    return sent;
                },
                [self] { return self->stopping_ || self->reported_; });
        } else {
            for (std::size_t p = 0; p < pubs_.size(); ++p) pump(p);
        }
        after(io_, o_.warmup, [self] { self->begin_window(0); });
    }

    void begin_window(std::size_t k) {
        windows_.resize(k + 1);
        auto& w = windows_[k];
        w.a = snapshot(o_.server_pid);
        w.published_at_start = total_published();
        current_ = static_cast<int>(k);
        auto self = shared_from_this();
        after(io_, k == 1 ? o_.phase2 : o_.duration, [self, k] { self->end_window(k); });
    }

    void end_window(std::size_t k) {
        if (windows_[k].ended) return;
        windows_[k].ended = true;
        auto& w = windows_[k];
        w.b = snapshot(o_.server_pid);
        w.publications = total_published() - w.published_at_start;
        current_ = -1;
        if (slow_ && k == 0) {
            stop_slow_reader();
            return begin_window(1);
        }
        stopping_ = true;
        drain_deadline_ = now_ns() + static_cast<std::uint64_t>(o_.drain * 1e9);
        wait_drain();
    }

    void stop_slow_reader() {
        auto& s = subs_[0];
        s.active = false;
        --active_subs_;
        slow_paused_ns_ = now_ns();
        slow_received_at_pause_ = s.received;
        s.ws->pause_reading();
        for (auto& p : pubs_) {
            p.published_base = p.published;
            p.delivered_base = p.delivered_active;
        }
        if (!o_.raw) {
            health_ = std::make_shared<HealthPoller>(io_, ep_);
            poll_health();
        }
    }

    void poll_health() {
        auto self = shared_from_this();
        health_->poll([self](long sessions) {
            if (sessions >= 0) {
                if (sessions < self->sessions_at_pause_ && self->slow_closed_after_ms_ < 0) {
                    self->closed_seen_ns_ = now_ns();
                    self->slow_closed_after_ms_ = static_cast<double>(self->closed_seen_ns_ - self->slow_paused_ns_) / 1e6;
                    if (self->current_ == 1) self->events_at_close_ = self->windows_[1].events;
                    // Measure the healthy ones a little longer after the close, then stop: the rest is known.
                    after(self->io_, 2.0, [self] { self->end_window(1); });
                }
            }
            if (self->reported_ || self->slow_closed_after_ms_ >= 0) return;
            after(self->io_, 0.1, [self] { self->poll_health(); });
        });
    }

    void sample_rss() {
        if (reported_ || o_.server_pid <= 0) return;
        long rss = process_rss_kib(o_.server_pid);
        double t = static_cast<double>(now_ns() - start_ns_) / 1e9;
        rss_series_.emplace_back(t, rss);
        if (current_ >= 0) windows_[current_].rss_max_kib = std::max(windows_[current_].rss_max_kib, rss);
        rss_max_ = std::max(rss_max_, rss);
        auto self = shared_from_this();
        after(io_, 0.1, [self] { self->sample_rss(); });
    }

    std::uint64_t total_published() const {
        std::uint64_t n = 0;
        for (auto& p : pubs_) n += p.published;
        return n;
    }

    bool can_send(const Pub& p) const {
        if (stopping_ || !p.ws->is_open() || active_subs_ == 0) return false;
        auto active = static_cast<std::uint64_t>(active_subs_);
        std::uint64_t sent = (p.published - p.published_base) * active;
        std::uint64_t got = p.delivered_active - p.delivered_base;
        if (sent > got && sent - got >= static_cast<std::uint64_t>(o_.window) * active) return false;
        if (o_.ack && p.published - p.acked >= static_cast<std::uint64_t>(o_.window)) return false;
        return true;
    }

    void pump(std::size_t pi) {
        if (o_.rate > 0) return;  // the pacer publishes
        while (can_send(pubs_[pi])) publish(pi);
    }

    void publish(std::size_t pi) {
        auto& p = pubs_[pi];
        ++p.published;
        Marker m{now_ns(), static_cast<std::uint32_t>(pi), p.published};
        if (o_.raw) {
            std::string f = raw_publish_;
            write_marker(f.data() + raw::marker_at, m);
            p.ws->send(std::move(f));
        } else {
            p.ws->send(publish_.build(p.published, m));
        }
    }

    void on_publisher_frame(std::size_t pi, std::string_view frame) {
        auto& p = pubs_[pi];
        if (!o_.raw) {
            int type = peek_type(frame, json_);
            if (type == static_cast<int>(MessageType::error)) {
                if (errors_++ < 3) std::cerr << "publisher: " << describe_frame(codec_, frame) << "\n";
            } else if (type != static_cast<int>(MessageType::published)) {
                if (errors_++ < 3) std::cerr << "publisher: unexpected " << describe_frame(codec_, frame) << "\n";
                return;
            }
        }
        ++p.acked;
        if (current_ >= 0) ++acks_in_window_;
        pump(pi);
    }

    void on_event(std::size_t si, std::string_view frame) {
        auto& s = subs_[si];
        if (!o_.raw && peek_type(frame, json_) != static_cast<int>(MessageType::event)) {
            if (errors_++ < 3) std::cerr << "subscriber: unexpected " << describe_frame(codec_, frame) << "\n";
            return;
        }
        auto m = find_marker(frame);
        if (!m || m->source >= pubs_.size()) {
            if (errors_++ < 3) std::cerr << "subscriber: event without a marker\n";
            return;
        }
        auto now = now_ns();
        ++s.received;
        auto& expect = s.next_seq[m->source];
        if (m->seq != expect) {
            if (m->seq < expect) ++duplicates_or_reordered_;
            else gaps_ += m->seq - expect;
        }
        expect = m->seq + 1;
        auto& p = pubs_[m->source];
        ++p.delivered_all;
        if (s.active) ++p.delivered_active;
        bool counted = !(slow_ && si == 0);
        if (current_ >= 0 && counted) {
            auto& w = windows_[current_];
            ++w.events;
            w.hist.record(now - m->sent_ns);
        }
        pump(m->source);
    }

    void sub_closed(std::size_t si, const beast::error_code& ec) {
        if (slow_ && si == 0) {
            slow_close_reason_ = ec.message();
            slow_closed_ = true;
            return;
        }
        if (lost_connections_++ < 3) std::cerr << "subscriber " << si << " connection lost: " << ec.message() << "\n";
    }

    /// Every active subscriber has seen every publication (events arrive in publish order per publisher).
    bool drained() const {
        for (auto& s : subs_) {
            if (!s.active || !s.ws->is_open()) continue;
            for (std::size_t p = 0; p < pubs_.size(); ++p)
                if (s.next_seq[p] <= pubs_[p].published) return false;
        }
        return true;
    }

    void wait_drain() {
        if (drained() || now_ns() >= drain_deadline_) {
            if (slow_) return drain_slow();
            return report();
        }
        auto self = shared_from_this();
        after(io_, 0.01, [self] { self->wait_drain(); });
    }

    /// The slow subscriber reads again: how much had the router kept for it, and had it been closed?
    void drain_slow() {
        auto& s = subs_[0];
        s.ws->resume_reading();
        last_slow_count_ = s.received;
        quiet_since_ = now_ns();
        poll_slow();
    }

    void poll_slow() {
        auto& s = subs_[0];
        auto now = now_ns();
        if (s.received != last_slow_count_) {
            last_slow_count_ = s.received;
            quiet_since_ = now;
        }
        bool all = s.received >= total_published();
        if (slow_closed_ || all || now - quiet_since_ > 2'000'000'000ULL) return report();
        auto self = shared_from_this();
        after(io_, 0.02, [self] { self->poll_slow(); });
    }

    void report() {
        reported_ = true;
        Report r;
        r.set("scenario", o_.scenario);
        r.set("target", o_.raw ? "fanout" : "router");
        r.set("serializer", o_.serializer);
        r.set("payload", static_cast<long long>(o_.payload));
        r.set("frame_bytes", static_cast<long long>(event_bytes_));
        r.set("publishers", o_.publishers);
        r.set("subscribers", o_.subscribers);
        r.set_bool("ack", o_.ack);
        r.set("window", o_.window);
        r.set("offered_rate", o_.rate);
        auto& w = windows_[0];
        r.window(w.a, w.b, static_cast<double>(w.events), "event");
        r.set("publications_per_s", static_cast<double>(w.publications) / (w.b.t - w.a.t));
        r.latency("lat", w.hist);
        std::uint64_t expected = 0, received = 0;
        for (std::size_t si = 0; si < subs_.size(); ++si) {
            if (slow_ && si == 0) continue;
            received += subs_[si].received;
            expected += total_published();
        }
        r.set("published_total", static_cast<long long>(total_published()));
        r.set("expected_events", static_cast<long long>(expected));
        r.set("received_events", static_cast<long long>(received));
        r.set("lost_events", static_cast<long long>(expected - std::min(expected, received)));
        r.set("gaps", static_cast<long long>(gaps_));
        r.set("reordered_or_duplicate", static_cast<long long>(duplicates_or_reordered_));
        r.set("errors", static_cast<long long>(errors_));
        r.set("connections_lost", static_cast<long long>(lost_connections_));
        r.set("rss_max_kib", static_cast<long long>(rss_max_));
        r.set("server_rss_kib_after_drain", static_cast<long long>(o_.server_pid > 0 ? process_rss_kib(o_.server_pid) : 0));
        bool bad = expected != received || gaps_ || duplicates_or_reordered_ || errors_ || lost_connections_;
        if (slow_) {
            auto& w2 = windows_[1];
            double healthy = static_cast<double>(o_.subscribers - 1);
            double rate1 = static_cast<double>(w.events) / healthy / (w.b.t - w.a.t);
            double rate2 = static_cast<double>(w2.events) / healthy / (w2.b.t - w2.a.t);
            r.set("healthy_rate_before", rate1);
            r.set("healthy_rate_during", rate2);
            r.set("healthy_rate_ratio", rate2 / rate1);
            if (closed_seen_ns_ && events_at_close_) {
                // The second window split at the moment /health showed the slow session gone.
                double t_close = static_cast<double>(closed_seen_ns_) / 1e9;
                double until = static_cast<double>(events_at_close_) / healthy / (t_close - w2.a.t);
                double after_close = static_cast<double>(w2.events - events_at_close_) / healthy / (w2.b.t - t_close);
                r.set("healthy_rate_until_close_ratio", until / rate1);
                r.set("healthy_rate_after_close_ratio", after_close / rate1);
            }
            r.latency("lat_during", w2.hist);
            r.set("server_cpu_pct_during", 100.0 * (w2.b.server - w2.a.server) / (w2.b.t - w2.a.t));
            r.set("others_cpu_pct_during",
                  100.0 * std::max(others_between(w2.a.others, w2.b.others, w2.b.t - w2.a.t, nullptr),
                                   (w2.b.machine.busy - w2.a.machine.busy) - (w2.b.server - w2.a.server) - (w2.b.self - w2.a.self)) /
                      (w2.b.t - w2.a.t));
            r.set("rss_kib_window1_max", static_cast<long long>(w.rss_max_kib));
            r.set("rss_kib_window2_start", static_cast<long long>(w2.a.server_rss_kib));
            r.set("rss_kib_window2_max", static_cast<long long>(w2.rss_max_kib));
            r.set("rss_kib_end", static_cast<long long>(o_.server_pid > 0 ? process_rss_kib(o_.server_pid) : 0));
            auto& s = subs_[0];
            r.set("slow_received_before_pause", static_cast<long long>(slow_received_at_pause_));
            r.set("slow_received_total", static_cast<long long>(s.received));
            r.set("slow_expected", static_cast<long long>(total_published()));
            r.set_bool("slow_closed", slow_closed_);
            r.set("slow_close_reason", slow_closed_ ? slow_close_reason_ : std::string("still open"));
            r.set("slow_closed_after_ms", slow_closed_after_ms_);
            std::string series;
            for (std::size_t i = 0; i < rss_series_.size(); i += 5) {
                char buf[48];
                std::snprintf(buf, sizeof buf, "%s%.1f:%ld", series.empty() ? "" : " ", rss_series_[i].first,
                              rss_series_[i].second / 1024);
                series += buf;
            }
            r.set("rss_series_s_mib", series);
        }
        r.print();
        finish(bad ? 3 : 0);
    }

    void fail(const std::string& why) {
        std::cerr << "flyover-bench: " << why << "\n";
        reported_ = true;
        finish(2);
    }

    void finish(int code) {
        for (auto& s : subs_)
            if (s.ws) s.ws->close();
        for (auto& p : pubs_)
            if (p.ws) p.ws->close();
        auto done = std::move(done_);
        if (done) done(code);
    }

    net::io_context& io_;
    const Options& o_;
    tcp::endpoint ep_;
    Finish done_;
    const Codec& codec_;
    bool json_;
    bool slow_ = false;
    FrameTemplate publish_;
    std::string raw_publish_;
    std::size_t event_bytes_ = 0;
    std::vector<Sub> subs_;
    std::vector<Pub> pubs_;
    int active_subs_ = 0;
    std::size_t next_pub_ = 0;
    std::vector<Window> windows_;
    int current_ = -1;
    bool stopping_ = false;
    bool reported_ = false;
    std::uint64_t drain_deadline_ = 0;
    std::uint64_t start_ns_ = 0;
    std::uint64_t gaps_ = 0;
    std::uint64_t duplicates_or_reordered_ = 0;
    std::uint64_t errors_ = 0;
    std::uint64_t lost_connections_ = 0;
    std::uint64_t acks_in_window_ = 0;
    std::vector<std::pair<double, long>> rss_series_;
    long rss_max_ = 0;
    // slow scenario
    std::shared_ptr<HealthPoller> health_;
    std::uint64_t slow_paused_ns_ = 0;
    std::uint64_t slow_received_at_pause_ = 0;
    long sessions_at_pause_ = -1;
    double slow_closed_after_ms_ = -1;
    std::uint64_t closed_seen_ns_ = 0;
    std::uint64_t events_at_close_ = 0;
    bool slow_closed_ = false;
    std::string slow_close_reason_;
    std::uint64_t last_slow_count_ = 0;
    std::uint64_t quiet_since_ = 0;
};

}  // namespace

void run_pubsub(net::io_context& io, const Options& o, tcp::endpoint ep, Finish done) {
    std::make_shared<PubSubRun>(io, o, ep, std::move(done))->start();
}

}  // namespace flyover::bench
