#include "bench/load/wire.hpp"

#include <chrono>
#include <cstring>
#include <stdexcept>

namespace flyover::bench {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void put_hex(char* p, std::uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
        p[i] = hex_digits[v & 15];
        v >>= 4;
    }
}

bool get_hex(const char* p, int digits, std::uint64_t& out) {
    std::uint64_t v = 0;
    for (int i = 0; i < digits; ++i) {
        char c = p[i];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else return false;
        v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    out = v;
    return true;
}

std::string encode_id(std::uint64_t id, bool json) {
    if (json) return std::to_string(id);
    std::string out;
    auto be = [&](int bytes) {
        for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((id >> (8 * i)) & 0xff));
    };
    if (id < 128) {
        out.push_back(static_cast<char>(id));
    } else if (id < 256) {
        out.push_back(static_cast<char>(0xcc));
        be(1);
    } else if (id < 65536) {
        out.push_back(static_cast<char>(0xcd));
        be(2);
    } else if (id < (1ULL << 32)) {
        out.push_back(static_cast<char>(0xce));
        be(4);
    } else {
        out.push_back(static_cast<char>(0xcf));
        be(8);
    }
    return out;
}

/// Reads one msgpack unsigned (or non-negative signed) integer at p; advances p.
bool msgpack_uint(const unsigned char*& p, const unsigned char* end, std::uint64_t& out) {
    if (p >= end) return false;
    unsigned char b = *p++;
    if (b < 0x80) {
        out = b;
        return true;
    }
    int n = 0;
    switch (b) {
    case 0xcc: case 0xd0: n = 1; break;
    case 0xcd: case 0xd1: n = 2; break;
    case 0xce: case 0xd2: n = 4; break;
    case 0xcf: case 0xd3: n = 8; break;
    default: return false;
    }
    if (end - p < n) return false;
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | *p++;
    out = v;
    return true;
}

bool msgpack_array_start(const unsigned char*& p, const unsigned char* end) {
    if (p >= end) return false;
    unsigned char b = *p++;
    if ((b & 0xf0) == 0x90) return true;
    if (b == 0xdc) return (p += 2) <= end;
    if (b == 0xdd) return (p += 4) <= end;
    return false;
}

bool json_uint(const char*& p, const char* end, std::uint64_t& out) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) ++p;
    if (p >= end || *p < '0' || *p > '9') return false;
    std::uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') v = v * 10 + static_cast<std::uint64_t>(*p++ - '0');
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) ++p;
    out = v;
    return true;
}

}  // namespace

std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

std::string marker_string(std::size_t size) {
    if (size < marker_size) size = marker_size;
    std::string s(size, 'x');
    write_marker(s.data(), Marker{});
    return s;
}

void write_marker(char* p, const Marker& m) {
    std::memcpy(p, "FLYB", 4);
    put_hex(p + 4, m.sent_ns, 16);
    put_hex(p + 20, m.source, 8);
    put_hex(p + 28, m.seq, 16);
}

std::size_t marker_offset(std::string_view frame) { return frame.find("FLYB"); }

std::optional<Marker> find_marker(std::string_view frame) {
    auto at = marker_offset(frame);
    if (at == std::string_view::npos || frame.size() - at < marker_size) return std::nullopt;
    const char* p = frame.data() + at;
    Marker m;
    std::uint64_t source = 0;
    if (!get_hex(p + 4, 16, m.sent_ns) || !get_hex(p + 20, 8, source) || !get_hex(p + 28, 16, m.seq)) return std::nullopt;
    m.source = static_cast<std::uint32_t>(source);
    return m;
}

int peek_type(std::string_view frame, bool json) {
    std::uint64_t v = 0;
    if (json) {
        const char* p = frame.data();
        const char* end = p + frame.size();
        while (p < end && *p != '[') ++p;
        if (p == end) return -1;
        ++p;
        if (!json_uint(p, end, v)) return -1;
    } else {
        auto p = reinterpret_cast<const unsigned char*>(frame.data());
        auto end = p + frame.size();
        if (!msgpack_array_start(p, end) || !msgpack_uint(p, end, v)) return -1;
    }
    return v < 256 ? static_cast<int>(v) : -1;
}

std::optional<std::uint64_t> peek_second(std::string_view frame, bool json) {
    std::uint64_t v = 0;
    if (json) {
        const char* p = frame.data();
        const char* end = p + frame.size();
        while (p < end && *p != '[') ++p;
        if (p == end) return std::nullopt;
        ++p;
        if (!json_uint(p, end, v) || p >= end || *p != ',') return std::nullopt;
        ++p;
        if (!json_uint(p, end, v)) return std::nullopt;
    } else {
        auto p = reinterpret_cast<const unsigned char*>(frame.data());
        auto end = p + frame.size();
        if (!msgpack_array_start(p, end) || !msgpack_uint(p, end, v) || !msgpack_uint(p, end, v)) return std::nullopt;
    }
    return v;
}

FrameTemplate FrameTemplate::make(const Codec& codec, const Message& message) {
    FrameTemplate t;
    t.json_ = !codec.binary();
    std::string bytes = codec.encode(message);
    std::string id = encode_id(template_id, t.json_);
    auto at = bytes.find(id);
    if (at == std::string::npos) throw std::runtime_error("frame template: request ID not found in the encoded message");
    t.prefix_ = bytes.substr(0, at);
    t.suffix_ = bytes.substr(at + id.size());
    t.id_size_ = id.size();
    auto m = marker_offset(t.suffix_);
    if (m == std::string::npos) throw std::runtime_error("frame template: marker not found in the encoded message");
    t.marker_in_suffix_ = m;
    // The spliced frame must decode to the message it stands for, in this codec (checked once, here).
    Marker probe{123456789, 7, 42};
    std::string built = t.build(987654321, probe);
    auto decoded = codec.decode_message(built);
    if (!decoded) throw std::runtime_error("frame template does not decode: " + decoded.error().message);
    if (type_of(decoded.value()) != type_of(message) || peek_type(built, t.json_) != static_cast<int>(type_of(message)) ||
        peek_second(built, t.json_) != 987654321ULL) {
        throw std::runtime_error("frame template decodes to another message");
    }
    auto back = find_marker(built);
    if (!back || back->sent_ns != probe.sent_ns || back->source != probe.source || back->seq != probe.seq)
        throw std::runtime_error("frame template loses its marker");
    return t;
}

std::string FrameTemplate::build(std::uint64_t request, const Marker& marker) const {
    std::string id = encode_id(request, json_);
    std::string out;
    out.reserve(prefix_.size() + id.size() + suffix_.size());
    out += prefix_;
    out += id;
    std::size_t suffix_at = out.size();
    out += suffix_;
    write_marker(out.data() + suffix_at + marker_in_suffix_, marker);
    return out;
}

namespace raw {
std::string frame(char kind, std::size_t size) {
    if (size < marker_at + marker_size) size = marker_at + marker_size;
    std::string f(size, 'x');
    f[0] = kind;
    std::memset(f.data() + slot_offset, '0', 8);
    write_marker(f.data() + marker_at, Marker{});
    return f;
}
}  // namespace raw

}  // namespace flyover::bench
