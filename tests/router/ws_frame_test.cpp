#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "router/ws_frame.hpp"
#include "router/ws_handshake.hpp"

using namespace flyover::router;
using Kind = ws::FrameEvent::Kind;

namespace {

/// A client frame: FIN/RSV/opcode byte `b0`, masked with `key`, the length in the shortest form unless forced.
std::string client_frame(std::uint8_t b0, std::string_view payload, std::uint32_t key = 0x37fa213d, int force_len_form = 0) {
    std::string f;
    f.push_back(static_cast<char>(b0));
    std::size_t n = payload.size();
    if ((n < 126 && force_len_form == 0) || force_len_form == 1) {
        f.push_back(static_cast<char>(0x80 | n));
    } else if ((n <= 0xffff && force_len_form == 0) || force_len_form == 2) {
        f.push_back(static_cast<char>(0x80 | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xff));
    } else {
        f.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>(std::uint64_t(n) >> (8 * i)));
    }
    std::uint8_t k[4] = {std::uint8_t(key >> 24), std::uint8_t(key >> 16), std::uint8_t(key >> 8), std::uint8_t(key)};
    f.append(reinterpret_cast<const char*>(k), 4);
    for (std::size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ k[i & 3]));
    return f;
}

struct Parsed {
    std::vector<ws::FrameEvent> events;
    std::vector<std::string> payloads;  // copies: the views die with the buffer
};

/// Feeds `bytes` to `p` in chunks of `chunk` bytes, the way the session does (keeping unconsumed bytes).
Parsed feed(ws::FrameParser& p, std::string bytes, std::size_t chunk = 1 << 30) {
    Parsed out;
    std::string buf;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        auto take = std::min(chunk, bytes.size() - pos);
        buf.append(bytes, pos, take);
        pos += take;
        for (;;) {
            std::size_t consumed = 0;
            auto e = p.next(buf.data(), buf.size(), consumed);
            std::string payload(e.payload);  // before erase moves the bytes the view points at
            buf.erase(0, consumed);
            if (e.kind == Kind::need_more) break;
            out.events.push_back(e);
            out.payloads.push_back(std::move(payload));
            if (e.kind == Kind::error) return out;
        }
    }
    return out;
}

}  // namespace

TEST_CASE("server frame headers use the shortest length form") {
    std::uint8_t h[ws::max_header_size];
    CHECK(ws::write_frame_header(h, ws::Opcode::text, 0) == 2);
    CHECK(h[0] == 0x81);
    CHECK(h[1] == 0);
    CHECK(ws::write_frame_header(h, ws::Opcode::binary, 125) == 2);
    CHECK(h[0] == 0x82);
    CHECK(h[1] == 125);
    CHECK(ws::write_frame_header(h, ws::Opcode::binary, 126) == 4);
    CHECK(h[1] == 126);
    CHECK(h[2] == 0);
    CHECK(h[3] == 126);
    CHECK(ws::write_frame_header(h, ws::Opcode::binary, 65535) == 4);
    CHECK(ws::write_frame_header(h, ws::Opcode::binary, 65536) == 10);
    CHECK(h[1] == 127);
    CHECK(h[7] == 1);
    CHECK(h[8] == 0);
    CHECK(h[9] == 0);
    CHECK(ws::write_frame_header(h, ws::Opcode::close, 2) == 2);
    CHECK(h[0] == 0x88);
}

TEST_CASE("close payloads carry the code and a reason cut to 123 bytes on a character boundary") {
    auto p = ws::close_payload(1009, "too big");
    REQUIRE(p.size() == 9);
    CHECK(std::uint8_t(p[0]) == 0x03);
    CHECK(std::uint8_t(p[1]) == 0xf1);
    CHECK(p.substr(2) == "too big");
    std::string long_reason;
    for (int i = 0; i < 100; ++i) long_reason += "\xc3\xa9";  // 200 bytes of 'é'
    auto cut = ws::close_payload(1000, long_reason);
    CHECK(cut.size() <= 125);
    CHECK(cut.size() == 2 + 122);  // 123 would split an 'é'
}

TEST_CASE("unfragmented messages are unmasked in place, whatever the length form and chunking") {
    std::string small = "[1,\"realm1\",{}]";
    std::string medium(300, 'm');
    std::string large(70000, 'L');
    large[12345] = 'x';
    for (std::size_t chunk : {std::size_t(1), std::size_t(7), std::size_t(1 << 30)}) {
        ws::FrameParser p(1 << 20);
        auto r = feed(p, client_frame(0x81, small) + client_frame(0x82, medium) + client_frame(0x82, large) +
                             client_frame(0x81, small, 0, 3), chunk);
        REQUIRE(r.events.size() == 4);
        CHECK(r.events[0].kind == Kind::message);
        CHECK(r.events[0].opcode == ws::Opcode::text);
        CHECK(r.payloads[0] == small);
        CHECK(r.events[1].opcode == ws::Opcode::binary);
        CHECK(r.payloads[1] == medium);
        CHECK(r.payloads[2] == large);
        CHECK(r.payloads[3] == small);  // a 64-bit length form for a short frame is legal
    }
}

TEST_CASE("bytes_wanted tells the caller how large the frame at the front is") {
    ws::FrameParser p(1 << 20);
    auto frame = client_frame(0x82, std::string(1000, 'a'));
    std::string head = frame.substr(0, 8);
    std::size_t consumed = 0;
    CHECK(p.next(head.data(), head.size(), consumed).kind == Kind::need_more);
    CHECK(consumed == 0);
    CHECK(p.bytes_wanted() == frame.size());
}

TEST_CASE("fragmented messages are assembled; control frames may come between fragments") {
    ws::FrameParser p(1 << 20);
    auto bytes = client_frame(0x01, "[1,\"re") + client_frame(0x89, "ping!") + client_frame(0x00, "alm1\",") +
                 client_frame(0x80, "{}]");
    for (std::size_t chunk : {std::size_t(1), std::size_t(1 << 30)}) {
        ws::FrameParser q(1 << 20);
        auto r = feed(q, bytes, chunk);
        REQUIRE(r.events.size() == 2);
        CHECK(r.events[0].kind == Kind::ping);
        CHECK(r.payloads[0] == "ping!");
        CHECK(r.events[1].kind == Kind::message);
        CHECK(r.events[1].opcode == ws::Opcode::text);
        CHECK(r.payloads[1] == "[1,\"realm1\",{}]");
    }
}

TEST_CASE("close frames give the peer's code and reason") {
    ws::FrameParser p(1024);
    auto r = feed(p, client_frame(0x88, std::string("\x0f\xa0", 2) + "bye") + client_frame(0x88, ""));
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[0].kind == Kind::close);
    CHECK(r.events[0].close_code == 4000);
    CHECK(r.payloads[0] == "bye");
    CHECK(r.events[1].close_code == 1005);  // none sent
}

TEST_CASE("protocol errors name the close code to send") {
    struct Case {
        const char* what;
        std::string bytes;
        std::uint16_t code;
    };
    std::string unmasked = "\x82\x02hi";
    std::string top_bit_length = std::string("\x82\xff\x80\0\0\0\0\0\0\x01", 10) + "abcd";
    std::vector<Case> cases = {
        {"reserved bit", client_frame(0xc2, "x"), ws::close_code::protocol_error},
        {"unknown opcode", client_frame(0x83, "x"), ws::close_code::protocol_error},
        {"unmasked", unmasked, ws::close_code::protocol_error},
        {"64-bit length with the top bit", top_bit_length, ws::close_code::protocol_error},
        {"long control frame", client_frame(0x89, std::string(126, 'p')), ws::close_code::protocol_error},
        {"fragmented control frame", client_frame(0x09, "p"), ws::close_code::protocol_error},
        {"lone continuation", client_frame(0x80, "x"), ws::close_code::protocol_error},
        {"new message inside a fragmented one", client_frame(0x01, "a") + client_frame(0x81, "b"),
         ws::close_code::protocol_error},
        {"1-byte close", client_frame(0x88, "x"), ws::close_code::protocol_error},
        {"reserved close code", client_frame(0x88, std::string("\x03\xed", 2)), ws::close_code::protocol_error},
        {"invalid UTF-8 text", client_frame(0x81, "\xc3\x28"), ws::close_code::bad_payload},
        {"invalid UTF-8 text across fragments", client_frame(0x01, "\xe2\x82") + client_frame(0x80, "("),
         ws::close_code::bad_payload},
        {"invalid UTF-8 close reason", client_frame(0x88, std::string("\x03\xe8\xff", 3)), ws::close_code::bad_payload},
        {"message too big", client_frame(0x82, std::string(101, 'b')), ws::close_code::too_big},
        {"fragments too big together", client_frame(0x02, std::string(60, 'b')) + client_frame(0x80, std::string(60, 'b')),
         ws::close_code::too_big},
    };
    for (auto& c : cases) {
        INFO(c.what);
        ws::FrameParser p(100);
        auto r = feed(p, c.bytes);
        REQUIRE(!r.events.empty());
        CHECK(r.events.back().kind == Kind::error);
        CHECK(r.events.back().close_code == c.code);
        CHECK(!r.payloads.back().empty());
        // After an error the parser produces nothing more.
        std::string more = client_frame(0x81, "ok");
        std::size_t consumed = 0;
        CHECK(p.next(more.data(), more.size(), consumed).kind == Kind::need_more);
    }
}

TEST_CASE("a too-big frame is refused from its header, before its payload arrives") {
    ws::FrameParser p(100);
    std::string header = client_frame(0x82, std::string(1 << 20, 'x')).substr(0, 14);
    std::size_t consumed = 0;
    auto e = p.next(header.data(), header.size(), consumed);
    CHECK(e.kind == Kind::error);
    CHECK(e.close_code == ws::close_code::too_big);
}

namespace {
http::request<http::string_body> upgrade_request() {
    http::request<http::string_body> req{http::verb::get, "/ws", 11};
    req.set(http::field::host, "localhost");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(http::field::sec_websocket_version, "13");
    req.set(http::field::sec_websocket_protocol, "wamp.2.json");
    return req;
}
}  // namespace

TEST_CASE("the handshake answer carries the RFC 6455 accept key and the subprotocol") {
    auto req = upgrade_request();
    bool wrong_version = true;
    CHECK(!websocket_handshake_problem(req, &wrong_version));
    CHECK(!wrong_version);
    auto res = websocket_accept_response(req, "wamp.2.json");
    CHECK(res.result() == http::status::switching_protocols);
    CHECK(res[http::field::sec_websocket_accept] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455 section 1.3
    CHECK(res[http::field::sec_websocket_protocol] == "wamp.2.json");
    CHECK(beast::iequals(res[http::field::upgrade], "websocket"));
}

TEST_CASE("bad handshakes are refused with a reason") {
    bool wrong_version = false;
    auto req = upgrade_request();
    req.set(http::field::sec_websocket_version, "8");
    CHECK(websocket_handshake_problem(req, &wrong_version));
    CHECK(wrong_version);

    req = upgrade_request();
    req.erase(http::field::sec_websocket_key);
    CHECK(websocket_handshake_problem(req, &wrong_version));
    CHECK(!wrong_version);

    req = upgrade_request();
    req.method(http::verb::post);
    CHECK(websocket_handshake_problem(req, &wrong_version));

    req = upgrade_request();
    req.version(10);
    CHECK(websocket_handshake_problem(req, &wrong_version));
}
