#pragma once
// The Boost.Asio / Beast names the client uses, in one place (and the precompiled header's content).

#include <utility>  // Boost 1.74 asio/awaitable.hpp uses std::exchange without including it (C++20)

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace flyover::client {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
/// Every client object runs on one of these: a strand over whatever executor the application gives.
using Strand = net::strand<net::any_io_executor>;
}  // namespace flyover::client
