#pragma once
// The Boost.Asio / Beast names the load generator uses (and its precompiled header's content).

#include <utility>  // Boost 1.74 asio/awaitable.hpp uses std::exchange without including it (C++20)

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace flyover::bench {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
}  // namespace flyover::bench
