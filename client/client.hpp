#pragma once
// The public face of the C++ WAMP client: connects over WebSocket (wamp.2.json or wamp.2.msgpack), joins a
// realm, and offers Publish & Subscribe and RPC with callbacks. With `reconnect` set it keeps a backend service
// attached across router restarts: after a lost connection (or a router-ended session) it reconnects with
// backoff and calls on_join again, which is where a service (re-)registers its procedures.
//
//     net::io_context io;
//     ClientOptions options;  // url, realm, serializer, reconnect, ...
//     auto client = Client::create(io.get_executor(), options);
//     Client& c = *client;
//     c.on_join([&c](const SessionInfo&) {
//         c.call("com.example.calc.add", {2, 3}, [](Outcome<CallResult> r) { ... });
//     });
//     c.start();
//     io.run();
//
// Callbacks are stored in the client: let them capture a reference (or a weak_ptr), not the shared_ptr, which
// would keep the client alive forever.
//
// Thread affinity: everything runs on the client's strand (get_executor()). start() and stop() may be called
// from any thread; every other method must be called on the strand, which is where every callback runs, so
// calling them from callbacks is always right. IncomingCall answers may come from any thread.

#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "client/asio.hpp"
#include "client/backoff.hpp"
#include "client/client_session.hpp"
#include "client/client_types.hpp"
#include "client/outcome.hpp"
#include "client/websocket_transport.hpp"
#include "client/ws_url.hpp"
#include "serializers/codec.hpp"

namespace flyover::client {

struct ClientOptions {
    std::string url = "ws://127.0.0.1:8080/ws";
    std::string realm = "realm1";
    Serializer serializer = Serializer::json;
    JoinOptions join;
    /// Reconnect with this backoff after a lost connection or a session the router ended; nullopt: stop instead.
    std::optional<ReconnectPolicy> reconnect;
    TransportOptions transport;
    /// Where the client reports what no callback can receive (a callback threw, the router broke the protocol,
    /// a reconnect is scheduled). Default: standard error.
    std::function<void(std::string_view)> logger;
};

/// "json" / "msgpack" (or the subprotocol names) -> Serializer.
std::optional<Serializer> parse_serializer(std::string_view name);

class Client : public std::enable_shared_from_this<Client>, private Transport {
public:
    static std::shared_ptr<Client> create(net::any_io_executor executor, ClientOptions options);
    ~Client() override;

    const Strand& get_executor() const { return strand_; }
    const ClientOptions& options() const { return options_; }

    /// Each time a session is joined (after every reconnect, too).
    void on_join(std::function<void(const SessionInfo&)> handler) { on_join_ = std::move(handler); }
    /// Each time a joined session ends (lost connection, router GOODBYE/ABORT, or our stop()).
    void on_leave(CloseHandler handler) { on_leave_ = std::move(handler); }
    /// Once the client has stopped for good: stop() completed, the join was refused (ABORT), the connection
    /// failed without `reconnect`, or the reconnect attempts ran out. `reason` says which.
    void on_stop(CloseHandler handler) { on_stop_ = std::move(handler); }

    /// Connects and joins (any thread).
    void start();
    /// Leaves with GOODBYE (or gives up connecting) and stops reconnecting; `done` runs once stopped (any thread).
    void stop(StatusHandler done = {});

    bool is_joined() const { return session_.is_joined(); }
    const SessionInfo& info() const { return session_.info(); }
    /// The protocol object itself, for what the shortcuts below do not cover.
    ClientSession& session() { return session_; }

    // Shortcuts to ClientSession (see there). Strand only.
    void subscribe(std::string topic, EventHandler handler, SubscribeOptions options, SubscribeHandler done) {
        session_.subscribe(std::move(topic), std::move(handler), std::move(options), std::move(done));
    }
    void subscribe(std::string topic, EventHandler handler, SubscribeHandler done = {}) {
        session_.subscribe(std::move(topic), std::move(handler), {}, std::move(done));
    }
    void unsubscribe(const Subscription& subscription, StatusHandler done = {}) {
        session_.unsubscribe(subscription, std::move(done));
    }
    void publish(std::string topic, List args, Dict kwargs, PublishOptions options, PublishHandler done = {}) {
        session_.publish(std::move(topic), std::move(args), std::move(kwargs), std::move(options), std::move(done));
    }
    void publish(std::string topic, List args = {}, Dict kwargs = {}) {
        session_.publish(std::move(topic), std::move(args), std::move(kwargs), {}, {});
    }
    void register_procedure(std::string procedure, InvocationHandler handler, RegisterOptions options,
                            RegisterHandler done) {
        session_.register_procedure(std::move(procedure), std::move(handler), std::move(options), std::move(done));
    }
    void register_procedure(std::string procedure, InvocationHandler handler, RegisterHandler done = {}) {
        session_.register_procedure(std::move(procedure), std::move(handler), {}, std::move(done));
    }
    void unregister(const Registration& registration, StatusHandler done = {}) {
        session_.unregister(registration, std::move(done));
    }
    Id call(std::string procedure, List args, Dict kwargs, CallOptions options, CallHandler done) {
        return session_.call(std::move(procedure), std::move(args), std::move(kwargs), std::move(options), std::move(done));
    }
    Id call(std::string procedure, List args, CallHandler done) {
        return session_.call(std::move(procedure), std::move(args), {}, {}, std::move(done));
    }
    bool cancel(Id call_request, CancelMode mode = CancelMode::kill) { return session_.cancel(call_request, mode); }

private:
    Client(net::any_io_executor executor, ClientOptions options);

    // Transport (what the session sees): the current connection, whichever it is.
    bool send(const Message& m) override;
    void close() override;

    void connect();
    void on_open(std::uint64_t generation);
    void on_closed(std::uint64_t generation, std::string why, bool was_open);
    void on_joined(Outcome<SessionInfo> outcome);
    void on_session_closed(const CloseInfo& info);
    /// Reconnects after a backoff delay, or stops if the policy says so.
    void retry_or_stop();
    void finish_stop();
    void log(std::string_view text) const;

    Strand strand_;
    ClientOptions options_;
    const Codec& codec_;
    std::optional<WsUrl> url_;
    std::string url_error_;
    ClientSession session_;
    std::shared_ptr<WebSocketTransport> transport_;
    /// Tells this connection's events from those of earlier ones that are still unwinding.
    std::uint64_t generation_ = 0;
    net::steady_timer retry_timer_;
    std::optional<Backoff> backoff_;
    std::mt19937_64 random_{std::random_device{}()};

    bool started_ = false;
    bool stopping_ = false;
    /// The join was refused: reconnecting would only be refused again.
    bool give_up_ = false;
    bool waiting_to_retry_ = false;
    CloseInfo last_close_;
    std::vector<StatusHandler> stop_done_;

    std::function<void(const SessionInfo&)> on_join_;
    CloseHandler on_leave_;
    CloseHandler on_stop_;
};

}  // namespace flyover::client
