#include "router/server.hpp"

#include <atomic>
#include <iostream>
#include <thread>

#include "router/event_loop.hpp"
#include "router/hub.hpp"
#include "router/listener.hpp"
#include "router/log.hpp"

namespace flyover::router {
namespace {

/// How often realms learn the time (call timeouts are this precise).
constexpr auto realm_tick = std::chrono::milliseconds(50);
/// How long shutdown waits for clients to answer GOODBYE before closing regardless.
constexpr auto shutdown_grace = std::chrono::milliseconds(3000);

std::uint64_t monotonic_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

void schedule_ticks(Hub& hub, std::shared_ptr<net::steady_timer> timer) {
    timer->expires_after(realm_tick);
    timer->async_wait([&hub, timer](beast::error_code ec) {
        if (ec) return;
        auto now = monotonic_ms();
        for (auto& [_, host] : hub.realms()) net::post(host->strand, [h = host.get(), now] { h->realm.tick(now); });
        schedule_ticks(hub, timer);
    });
}

}  // namespace

int run_server(Config config) {
    unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
    config.threads = threads;
    net::io_context ioc(static_cast<int>(threads));
    Hub hub(ioc, std::move(config));

    std::vector<std::shared_ptr<Listener>> listeners;
    for (auto& lc : hub.config().listeners) {
        auto listener = std::make_shared<Listener>(hub, lc);
        auto bound = listener->open();
        if (!bound) {
            log_error(bound.error().message);
            return 1;
        }
        auto ep = bound.value();
        // This line is the contract with scripts and tests: it tells the real port when the config says 0.
        std::cout << "flyover listening on http://" << ep.address().to_string() << ":" << ep.port() << " (WebSocket at "
                  << lc.websocket_path << ")" << std::endl;
        log_info("listening on " + ep.address().to_string() + ":" + std::to_string(ep.port()) + ", WebSocket at " +
                 lc.websocket_path + (lc.static_dir.empty() ? "" : ", static files from " + lc.static_dir));
        listener->run();
        listeners.push_back(std::move(listener));
    }
    std::string realm_names;
    for (auto& [name, _] : hub.realms()) realm_names += (realm_names.empty() ? "" : ", ") + name;
    log_info("realms: " + realm_names + "; " + std::to_string(threads) + " I/O threads" +
             (hub.config().busy_poll_us ? ", busy polling " + std::to_string(hub.config().busy_poll_us) + " us"
              : hub.config().batch_pause_us
                  ? ", batching pauses of " + std::to_string(hub.config().batch_pause_us) +
                        " us under sustained load (windows of " + std::to_string(hub.config().batch_after_us) +
                        " us)"
                  : ""));

    auto ticks = std::make_shared<net::steady_timer>(ioc);
    schedule_ticks(hub, ticks);

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    net::steady_timer drain(ioc);
    auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
    std::function<void()> wait_for_drain = [&] {
        drain.expires_after(std::chrono::milliseconds(20));
        drain.async_wait([&](beast::error_code ec) {
            if (ec) return;
            if (hub.live_sessions() == 0 || std::chrono::steady_clock::now() >= *deadline) {
                if (auto left = hub.live_sessions()) log_warn(std::to_string(left) + " sessions did not close in time");
                ioc.stop();
                return;
            }
            wait_for_drain();
        });
    };
    signals.async_wait([&](beast::error_code ec, int signo) {
        if (ec) return;
        log_info(std::string("received ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") + ": shutting down, " +
                 std::to_string(hub.live_sessions()) + " sessions to close");
        for (auto& l : listeners) l->stop();
        ticks->cancel();
        hub.begin_shutdown();
        *deadline = std::chrono::steady_clock::now() + shutdown_grace;
        wait_for_drain();
    });

    std::vector<std::thread> pool;
    std::atomic<std::size_t> pauses{0};
    const EventLoopOptions loop{std::chrono::microseconds(hub.config().busy_poll_us),
                                std::chrono::microseconds(hub.config().batch_pause_us),
                                std::chrono::microseconds(hub.config().batch_after_us)};
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc, &loop, &pauses] { pauses += run_event_loop(ioc, loop); });
    pauses += run_event_loop(ioc, loop);
    for (auto& t : pool) t.join();
    log_info("stopped" + (pauses ? "; I/O threads paused " + std::to_string(pauses.load()) +
                                       " times to batch messages under sustained load"
                                 : std::string()));
    return 0;
}

}  // namespace flyover::router
