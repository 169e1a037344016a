#pragma once
// The Boost.Asio / Beast names the router uses, in one place (and the precompiled header's content).

#include <utility>  // Boost 1.74 asio/awaitable.hpp uses std::exchange without including it (C++20)

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace flyover::router {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using Strand = net::strand<net::io_context::executor_type>;
// Sockets, streams and timers carry the concrete strand type: Asio's type-erased any_io_executor allocates
// on every copy, and Beast's composed operations copy it several times per operation (bench/RESULTS.md).
using Socket = net::basic_stream_socket<tcp, Strand>;
using HttpStream = beast::basic_stream<tcp, Strand>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Strand>;
}  // namespace flyover::router
