#pragma once
// Accepts TCP connections on one configured address and hands each to an HttpSession on its own strand.
// Thread affinity: the acceptor's strand.

#include <memory>

#include "router/asio.hpp"
#include "router/hub.hpp"
#include "serializers/result.hpp"

namespace flyover::router {

class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(Hub& hub, const ListenerConfig& config);
    /// Binds and listens; on success the bound endpoint is known (port 0 picks a free port).
    Result<tcp::endpoint> open();
    void run();
    /// Stops accepting (called from any thread).
    void stop();

private:
    void do_accept();
    void on_accept(beast::error_code ec, Socket socket);

    Hub& hub_;
    const ListenerConfig& config_;
    tcp::acceptor acceptor_;
};

}  // namespace flyover::router
