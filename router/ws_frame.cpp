#include "router/ws_frame.hpp"

#include <cstring>

#include "serializers/utf8.hpp"

namespace flyover::router::ws {
namespace {

/// XORs `n` bytes at `p` with the 4-byte mask, starting at mask position 0 (every frame starts there).
void unmask(char* p, std::size_t n, const std::uint8_t key[4]) {
    std::uint32_t k32;
    std::memcpy(&k32, key, 4);
    std::uint64_t k64 = (std::uint64_t(k32) << 32) | k32;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        w ^= k64;
        std::memcpy(p + i, &w, 8);
    }
    for (; i < n; ++i) p[i] = static_cast<char>(p[i] ^ key[i & 3]);
}

bool is_control(Opcode op) { return static_cast<std::uint8_t>(op) >= 8; }

bool is_known(std::uint8_t op) { return op <= 2 || (op >= 8 && op <= 10); }

/// Close codes a peer may send (RFC 6455 section 7.4): 1000-1003, 1007-1011 and the 3000-4999 ranges.
bool is_sendable_close_code(std::uint16_t code) {
    if (code >= 3000 && code <= 4999) return true;
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011);
}

}  // namespace

std::size_t write_frame_header(std::uint8_t* out, Opcode opcode, std::size_t payload_size) {
    out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode));  // FIN
    if (payload_size < 126) {
        out[1] = static_cast<std::uint8_t>(payload_size);
        return 2;
    }
    if (payload_size <= 0xffff) {
        out[1] = 126;
        out[2] = static_cast<std::uint8_t>(payload_size >> 8);
        out[3] = static_cast<std::uint8_t>(payload_size);
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(std::uint64_t(payload_size) >> (56 - 8 * i));
    return 10;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
    if (reason.size() > 123) {
        reason = reason.substr(0, 123);
        // Do not cut a UTF-8 sequence in half: drop continuation bytes at the cut.
        while (!reason.empty() && !is_valid_utf8(reason)) reason.remove_suffix(1);
    }
    std::string p;
    p.reserve(2 + reason.size());
    p.push_back(static_cast<char>(code >> 8));
    p.push_back(static_cast<char>(code & 0xff));
    p.append(reason);
    return p;
}

FrameEvent FrameParser::fail(std::uint16_t code, std::string_view why) {
    failed_ = true;
    FrameEvent e;
    e.kind = FrameEvent::Kind::error;
    e.close_code = code;
    error_.assign(why);
    e.payload = error_;
    return e;
}

FrameEvent FrameParser::next(char* data, std::size_t size, std::size_t& consumed) {
    consumed = 0;
    while (!failed_) {
        const auto* b = reinterpret_cast<const std::uint8_t*>(data + consumed);
        std::size_t avail = size - consumed;
        wanted_ = 14;
        if (avail < 2) return {};
        bool fin = b[0] & 0x80;
        if (b[0] & 0x70) return fail(close_code::protocol_error, "reserved bits set (no extension was negotiated)");
        std::uint8_t op_bits = b[0] & 0x0f;
        if (!is_known(op_bits)) return fail(close_code::protocol_error, "unknown opcode");
        auto op = static_cast<Opcode>(op_bits);
        if (!(b[1] & 0x80)) return fail(close_code::protocol_error, "client frames must be masked");
        std::size_t header = 6;
        std::uint64_t len = b[1] & 0x7f;
        if (len == 126) {
            header = 8;
            if (avail < header) return {};
            len = (std::uint64_t(b[2]) << 8) | b[3];
        } else if (len == 127) {
            header = 14;
            if (avail < header) return {};
            len = 0;
            for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
            if (len >> 63) return fail(close_code::protocol_error, "frame length has its top bit set");
        }
        if (is_control(op)) {
            if (!fin) return fail(close_code::protocol_error, "fragmented control frame");
            if (len > 125) return fail(close_code::protocol_error, "control frame longer than 125 bytes");
        } else {
            bool continuation = op == Opcode::continuation;
            if (continuation && !in_message_) return fail(close_code::protocol_error, "continuation frame without a message");
            if (!continuation && in_message_) return fail(close_code::protocol_error, "new message before the last one ended");
            std::uint64_t total = len + (continuation ? fragments_.size() : 0);
            if (total > max_message_size_)
                return fail(close_code::too_big, "message larger than max_message_size (" +
                                                      std::to_string(max_message_size_) + " bytes)");
        }
        wanted_ = header + static_cast<std::size_t>(len);
        if (avail < wanted_) return {};

        char* payload = data + consumed + header;
        auto n = static_cast<std::size_t>(len);
        unmask(payload, n, b + header - 4);
        consumed += wanted_;
        wanted_ = 14;

        FrameEvent e;
        switch (op) {
        case Opcode::ping:
            e.kind = FrameEvent::Kind::ping;
            e.payload = {payload, n};
            return e;
        case Opcode::pong:
            e.kind = FrameEvent::Kind::pong;
            e.payload = {payload, n};
            return e;
        case Opcode::close: {
            e.kind = FrameEvent::Kind::close;
            if (n == 1) return fail(close_code::protocol_error, "close frame with a 1-byte payload");
            e.close_code = 1005;  // "no status received"
            if (n >= 2) {
                e.close_code = static_cast<std::uint16_t>((std::uint8_t(payload[0]) << 8) | std::uint8_t(payload[1]));
                if (!is_sendable_close_code(e.close_code)) return fail(close_code::protocol_error, "invalid close code");
                e.payload = {payload + 2, n - 2};
                if (!is_valid_utf8(e.payload)) return fail(close_code::bad_payload, "close reason is not UTF-8");
            }
            return e;
        }
        case Opcode::text:
        case Opcode::binary:
            if (fin) {
                e.kind = FrameEvent::Kind::message;
                e.opcode = op;
                e.payload = {payload, n};
                if (op == Opcode::text && !is_valid_utf8(e.payload))
                    return fail(close_code::bad_payload, "text message is not valid UTF-8");
                return e;
            }
            in_message_ = true;
            fragmented_opcode_ = op;
            fragments_.assign(payload, n);
            continue;  // the next fragment may already be in the buffer
        case Opcode::continuation:
            fragments_.append(payload, n);
            if (!fin) continue;
            in_message_ = false;
            e.kind = FrameEvent::Kind::message;
            e.opcode = fragmented_opcode_;
            // The view stays valid until the next call: fragments_ is only cleared by the next message.
            e.payload = fragments_;
            if (fragmented_opcode_ == Opcode::text && !is_valid_utf8(e.payload))
                return fail(close_code::bad_payload, "text message is not valid UTF-8");
            return e;
        }
    }
    return {};
}

}  // namespace flyover::router::ws
