#pragma once
// What the three baseline servers share: a single-threaded Beast WebSocket server whose connections know the
// path they were opened on, read frames in a loop and write shared buffers with one write in flight. They are
// the physical limits the router is compared with: the same compiler flags, the same Beast, no WAMP.
// Usage of every baseline: NAME [--port P] [--text] [--nodelay]
//   --text: send text frames, as a JSON router does; --nodelay: set TCP_NODELAY on accepted sockets. The default
//   is what the router does (Beast's default: Nagle on), so that the kernel's work per frame is comparable.
// Prints "listening on 127.0.0.1:PORT" once ready. Thread affinity: one thread.

#include <utility>  // Boost 1.74 asio/awaitable.hpp uses std::exchange without including it (C++20)

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstring>
#include <deque>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

namespace baseline {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Buffer = std::shared_ptr<const std::string>;

struct Conn : std::enable_shared_from_this<Conn> {
    explicit Conn(tcp::socket s) : ws(std::move(s)) {}
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer in;
    http::request<http::empty_body> req;
    std::deque<Buffer> out;
    bool writing = false;
    std::string path;
    std::size_t slot = 0;  // the server's index for this connection
    std::function<void(Conn&, std::string_view)> on_frame;
    std::function<void(Conn&)> on_close;

    void send(Buffer b) {
        out.push_back(std::move(b));
        if (!writing) write();
    }
    void write() {
        writing = true;
        ws.async_write(net::buffer(*out.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->writing = false;
            if (ec) return self->out.clear();
            self->out.pop_front();
            if (!self->out.empty()) self->write();
        });
    }
    void read() {
        ws.async_read(in, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                if (self->on_close) self->on_close(*self);
                return;
            }
            auto d = self->in.data();
            std::string_view frame(static_cast<const char*>(d.data()), d.size());
            if (frame == "J") {
                // The load generator's opening request (it stands for HELLO, SUBSCRIBE, REGISTER): one small reply.
                static const Buffer welcome = std::make_shared<const std::string>("W");
                self->send(welcome);
            } else {
                self->on_frame(*self, frame);
            }
            self->in.consume(self->in.size());
            self->read();
        });
    }
};

/// Accepts connections on 127.0.0.1:port forever; `ready(conn)` is called after each WebSocket handshake
/// (conn->path says which role it asked for). Returns when the io_context stops.
inline int serve(int argc, char** argv, std::function<void(std::shared_ptr<Conn>)> ready) {
    unsigned short port = 0;
    bool text = false;
    bool nodelay = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--port") && i + 1 < argc) port = static_cast<unsigned short>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--text")) text = true;
        else if (!std::strcmp(argv[i], "--nodelay")) nodelay = true;
    }
    // Static: the servers keep their connections in main()'s locals, which must be destroyed while the
    // io_context (and the reactor their sockets belong to) still exists. A local here died first: SIGTERM
    // ended the relay with a segmentation fault.
    static net::io_context io(1);
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    acceptor.listen(net::socket_base::max_listen_connections);
    std::cout << "listening on 127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
    std::function<void()> accept = [&] {
        acceptor.async_accept([&](beast::error_code ec, tcp::socket s) {
            if (!ec) {
                if (nodelay) s.set_option(tcp::no_delay(true), ec);
                auto c = std::make_shared<Conn>(std::move(s));
                http::async_read(c->ws.next_layer(), c->in, c->req, [c, text, &ready](beast::error_code ec, std::size_t) {
                    if (ec) return;
                    c->path = std::string(c->req.target());
                    c->ws.binary(!text);
                    c->ws.read_message_max(64 * 1024 * 1024);
                    c->ws.async_accept(c->req, [c, &ready](beast::error_code ec) {
                        if (ec) return;
                        // Keep nothing of the HTTP upgrade: an idle connection costs only the WebSocket stream.
                        c->req = {};
                        c->in.clear();
                        c->in.shrink_to_fit();
                        ready(c);
                    });
                });
            } else if (ec == net::error::no_descriptors) {
                std::cerr << "accept: " << ec.message() << "\n";
            }
            accept();
        });
    };
    accept();
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { io.stop(); });
    io.run();
    return 0;
}

}  // namespace baseline
