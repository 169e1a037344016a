#include "router/listener.hpp"

#include "router/http_session.hpp"
#include "router/log.hpp"

namespace flyover::router {

Listener::Listener(Hub& hub, const ListenerConfig& config)
    : hub_(hub), config_(config), acceptor_(net::make_strand(hub.io())) {}

Result<tcp::endpoint> Listener::open() {
    beast::error_code ec;
    auto address = net::ip::make_address(config_.address, ec);
    if (ec) return Error{"listener address \"" + config_.address + "\" is not an IP address: " + ec.message()};
    tcp::endpoint endpoint{address, config_.port};
    auto step = [&](const char* what) { return Error{std::string(what) + " " + config_.address + ":" + std::to_string(config_.port) + " failed: " + ec.message()}; };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return step("open");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    acceptor_.bind(endpoint, ec);
    if (ec) return step("bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return step("listen on");
    auto bound = acceptor_.local_endpoint(ec);
    if (ec) return step("local_endpoint of");
    return bound;
}

void Listener::run() { do_accept(); }

void Listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        beast::error_code ignored;
        self->acceptor_.close(ignored);
    });
}

void Listener::do_accept() {
    // Each connection gets its own strand: its handlers never run concurrently, on any of the I/O threads.
    acceptor_.async_accept(net::make_strand(hub_.io()),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, Socket socket) {
    if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        log_warn("accept failed: " + ec.message());  // e.g. out of file descriptors: keep serving the rest
        if (ec == net::error::no_descriptors) {
            auto timer = std::make_shared<net::steady_timer>(acceptor_.get_executor(), std::chrono::milliseconds(100));
            timer->async_wait([self = shared_from_this(), timer](beast::error_code) { self->do_accept(); });
            return;
        }
    } else if (hub_.shutting_down()) {
        return;
    } else {
        std::make_shared<HttpSession>(std::move(socket), hub_, config_)->run();
    }
    do_accept();
}

}  // namespace flyover::router
