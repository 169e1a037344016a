// WebSocketTransport against an in-process Beast WebSocket server on 127.0.0.1: subprotocol negotiation, the
// bounded write queue (requests refused at the limit, replies always queued, order kept), undecodable frames,
// and close-after-flush. Everything runs on one io_context in the test thread.

#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "client/asio.hpp"
#include "client/websocket_transport.hpp"

using namespace flyover;
using namespace flyover::client;

namespace {

/// A one-connection WebSocket server: answers the handshake with `protocol` (none if empty), records every
/// message it reads, and can send raw text.
struct TestServer {
    net::io_context& io;
    tcp::acceptor acceptor;
    std::optional<websocket::stream<tcp::socket>> ws;
    std::string protocol;
    beast::flat_buffer buffer;
    std::vector<std::string> received;
    bool closed = false;
    std::function<void()> on_open;

    TestServer(net::io_context& io_, std::string protocol_)
        : io(io_), acceptor(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)), protocol(std::move(protocol_)) {
        acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec) return;
            ws.emplace(std::move(socket));
            ws->set_option(websocket::stream_base::decorator([p = protocol](websocket::response_type& res) {
                if (!p.empty()) res.set(beast::http::field::sec_websocket_protocol, p);
            }));
            ws->async_accept([this](beast::error_code ec2) {
                if (ec2) return;
                if (on_open) on_open();
                read();
            });
        });
    }
    std::string url() const { return "ws://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/ws"; }
    void read() {
        ws->async_read(buffer, [this](beast::error_code ec, std::size_t) {
            if (ec) {
                closed = true;
                return;
            }
            received.push_back(beast::buffers_to_string(buffer.data()));
            buffer.consume(buffer.size());
            read();
        });
    }
};

/// Runs the io_context until `done()` or 5 s.
template <class Pred>
bool run_until(net::io_context& io, Pred done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.run_for(std::chrono::milliseconds(10));
        if (io.stopped()) io.restart();
    }
    return done();
}

struct Recorder {
    bool opened = false;
    std::optional<std::string> closed_why;
    bool was_open = false;
    std::vector<std::string> bad;
    std::vector<Message> messages;
    WebSocketTransport::Events events() {
        return {[this] { opened = true; },
                [this](Message&& m) { messages.push_back(std::move(m)); },
                [this](std::string why) { bad.push_back(std::move(why)); },
                [this](std::string why, bool open) {
                    closed_why = std::move(why);
                    was_open = open;
                }};
    }
};

}  // namespace

TEST_CASE("a router that does not choose our subprotocol is refused", "[client][transport]") {
    net::io_context io;
    TestServer server(io, "");
    Recorder r;
    auto t = std::make_shared<WebSocketTransport>(net::make_strand(io.get_executor()), json_codec(), TransportOptions{},
                                                  r.events());
    t->connect(parse_ws_url(server.url()).value());
    REQUIRE(run_until(io, [&] { return r.closed_why.has_value(); }));
    CHECK_FALSE(r.opened);
    CHECK_FALSE(r.was_open);
    CHECK(r.closed_why->find("did not accept the subprotocol wamp.2.json") != std::string::npos);
}

TEST_CASE("a refused TCP connection is reported as closed, never opened", "[client][transport]") {
    net::io_context io;
    std::string url;
    {
        tcp::acceptor probe(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
        url = "ws://127.0.0.1:" + std::to_string(probe.local_endpoint().port()) + "/ws";
    }  // closed again: nothing listens there now
    Recorder r;
    auto t = std::make_shared<WebSocketTransport>(net::make_strand(io.get_executor()), json_codec(), TransportOptions{},
                                                  r.events());
    t->connect(parse_ws_url(url).value());
    REQUIRE(run_until(io, [&] { return r.closed_why.has_value(); }));
    CHECK_FALSE(r.was_open);
    CHECK(r.closed_why->find("cannot connect") != std::string::npos);
    CHECK_FALSE(t->send(Call{1, {}, "com.x", {}}));
}

TEST_CASE("bounded write queue: requests refused at the limit, replies always queued, order kept",
          "[client][transport]") {
    net::io_context io;
    TestServer server(io, "wamp.2.json");
    Recorder r;
    TransportOptions options;
    options.max_queued_messages = 2;
    auto t = std::make_shared<WebSocketTransport>(net::make_strand(io.get_executor()), json_codec(), options,
                                                  r.events());
    CHECK_FALSE(t->send(Call{1, {}, "com.early", {}}));  // not open yet
    t->connect(parse_ws_url(server.url()).value());
    REQUIRE(run_until(io, [&] { return r.opened; }));

    // Nothing is written until the io_context runs again, so the queue fills deterministically.
    CHECK(t->send(Call{1, {}, "com.a", {}}));
    CHECK(t->send(Call{2, {}, "com.b", {}}));
    CHECK_FALSE(t->send(Call{3, {}, "com.refused", {}}));
    CHECK_FALSE(t->send(Publish{4, {}, "com.refused", {}}));
    CHECK(t->send(Yield{7, {}, {}}));  // a reply: always queued
    CHECK(t->send(ErrorMessage{MessageType::invocation, 8, {}, "com.err", {}}));
    CHECK(t->queued_messages() == 4);
    REQUIRE(run_until(io, [&] { return server.received.size() == 4; }));
    CHECK(t->queued_messages() == 0);

    std::vector<MessageType> types;
    for (auto& bytes : server.received) {
        auto m = json_codec().decode_message(bytes);
        REQUIRE(m.ok());
        types.push_back(type_of(m.value()));
    }
    CHECK(types == std::vector<MessageType>{MessageType::call, MessageType::call, MessageType::yield, MessageType::error});
    CHECK(t->send(Call{9, {}, "com.room.again", {}}));  // drained: requests are accepted again
    t->close();
    REQUIRE(run_until(io, [&] { return r.closed_why.has_value() && server.closed; }));
    CHECK(server.received.size() == 5);  // close waited for the queued CALL
    CHECK(r.was_open);
}

TEST_CASE("received frames: WAMP messages are decoded, anything else is reported as bad", "[client][transport]") {
    net::io_context io;
    TestServer server(io, "wamp.2.json");
    Recorder r;
    auto t = std::make_shared<WebSocketTransport>(net::make_strand(io.get_executor()), json_codec(), TransportOptions{},
                                                  r.events());
    server.on_open = [&] {
        server.ws->text(true);
        server.ws->write(net::buffer(std::string(R"([2, 5, {}])")));
        server.ws->write(net::buffer(std::string("not json")));
        server.ws->write(net::buffer(std::string(R"([36, 1, 2, {}, ["a"]])")));
        server.ws->binary(true);
        server.ws->write(net::buffer(std::string(R"([36, 1, 3, {}])")));
    };
    t->connect(parse_ws_url(server.url()).value());
    REQUIRE(run_until(io, [&] { return r.messages.size() + r.bad.size() == 4; }));
    REQUIRE(r.messages.size() == 2);
    CHECK(std::holds_alternative<Welcome>(r.messages[0]));
    CHECK(std::get<Event>(r.messages[1]).payload.args == List{"a"});
    REQUIRE(r.bad.size() == 2);
    CHECK(r.bad[1].find("binary frame on a wamp.2.json connection") != std::string::npos);
    CHECK(t->is_open());
    t->close();
    REQUIRE(run_until(io, [&] { return r.closed_why.has_value(); }));
}
