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
}  // namespace flyover::router
