// wamp.2.msgpack with msgpack-c: bin <-> bytes, str (UTF-8 validated), int/uint, float32/64.
// Decoding uses msgpack-c's visitor parser, which keeps its own explicit stack, so no recursion depends on
// the input; lengths announced by the input are never trusted for allocation.

#include <bit>
#include <cstdint>
#include <optional>

#define MSGPACK_NO_BOOST
#include <msgpack.hpp>

#include "serializers/codec.hpp"
#include "serializers/message_mapper.hpp"
#include "serializers/utf8.hpp"
#include "serializers/writer.hpp"

namespace flyover {
namespace {

/// msgpack-c parse events -> Value. With a RawTail, the top-level lists and dicts from the payload index on
/// are checked the same way but not built (a null placeholder stands in the list; skip() later finds their
/// bytes). Returning false stops the parser.
class MsgpackVisitor {
public:
    MsgpackVisitor(std::size_t max_depth, std::size_t input_size, bool keep_payload)
        : max_depth_(max_depth), reserve_budget_(input_size), keep_payload_(keep_payload) {}

    bool visit_nil() { return scalar("nil") && (building() ? out_.null() : void(), true); }
    bool visit_boolean(bool v) { return scalar("a bool") && (building() ? out_.boolean(v) : void(), true); }
    bool visit_positive_integer(std::uint64_t v) {
        if (keep_payload_ && depth_ == 1 && top_items_ == 1) {  // the message type
            if (auto index = payload_index(v)) first_ = index;
        }
        return scalar("an integer") && (building() ? out_.uinteger(v) : void(), true);
    }
    bool visit_negative_integer(std::int64_t v) { return scalar("an integer") && (building() ? out_.integer(v) : void(), true); }
    bool visit_float32(float v) { return scalar("a float") && (building() ? out_.real(static_cast<double>(v)) : void(), true); }
    bool visit_float64(double v) { return scalar("a float") && (building() ? out_.real(v) : void(), true); }
    bool visit_str(const char* v, std::uint32_t size) {
        payload_item_ = false;
        std::string_view s(v, size);
        if (!is_valid_utf8(s)) return fail("a string is not valid UTF-8");
        if (!building()) return true;
        if (in_key_) out_.key(s);
        else out_.string(s);
        return true;
    }
    bool visit_bin(const char* v, std::uint32_t size) {
        return scalar("binary") && (building() ? out_.bytes(std::string_view(v, size)) : void(), true);
    }
    bool visit_ext(const char*, std::uint32_t) { return fail("MessagePack ext types are not part of WAMP"); }
    bool start_array(std::uint32_t n) {
        if (!not_key("a list") || !enter()) return false;
        if (start_kept()) return true;
        // Every element takes at least one input byte, so all lists together hold at most input-size elements:
        // reservations share that one budget. (A per-list bound of the input size let nested lists that
        // announce 2^32 elements reserve depth x input x sizeof(Value): 3.5 GB for a 1 MB message.)
        auto reserve = std::min<std::size_t>(n, reserve_budget_);
        reserve_budget_ -= reserve;
        if (building()) out_.begin_list(reserve);
        return true;
    }
    bool start_array_item() {
        if (depth_ == 1) payload_item_ = keep_payload_ && top_items_++ >= first_;
        return true;
    }
    bool end_array_item() { return true; }
    bool end_array() { return leave(true); }
    bool start_map(std::uint32_t) {
        if (!not_key("a map") || !enter()) return false;
        if (start_kept()) return true;
        if (building()) out_.begin_dict(0);
        return true;
    }
    bool start_map_key() { return in_key_ = true, true; }
    bool end_map_key() {
        in_key_ = false;
        return true;
    }
    bool start_map_value() { return true; }
    bool end_map_value() { return true; }
    bool end_map() { return leave(false); }
    void parse_error(std::size_t, std::size_t error_offset) {
        if (failure_.empty()) failure_ = "malformed MessagePack at offset " + std::to_string(error_offset);
    }
    void insufficient_bytes(std::size_t, std::size_t) {
        if (failure_.empty()) failure_ = "truncated MessagePack message";
    }
    bool referenced() const { return false; }
    void set_referenced(bool) {}

    Value take() { return out_.take(); }
    const std::string& failure() const { return failure_; }
    /// The payload index of the message, when payload elements were kept (else nullopt).
    std::optional<std::size_t> kept_from() const {
        return kept_any_ ? std::optional<std::size_t>(first_) : std::nullopt;
    }

private:
    bool building() const { return kept_depth_ == 0; }
    bool scalar(const char* what) {
        payload_item_ = false;  // a scalar payload element is built: the mapper reports its type
        return not_key(what);
    }
    /// A payload list or dict starts: a placeholder, and nothing is built until it ends.
    bool start_kept() {
        if (!payload_item_) return false;
        payload_item_ = false;
        out_.null();
        kept_depth_ = depth_;
        kept_any_ = true;
        return true;
    }
    bool enter() {
        if (depth_ >= max_depth_) return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
        ++depth_;
        return true;
    }
    bool leave(bool list) {
        if (kept_depth_ == depth_) kept_depth_ = 0;
        else if (building()) list ? out_.end_list() : out_.end_dict();
        --depth_;
        return true;
    }
    bool fail(std::string why) {
        if (failure_.empty()) failure_ = std::move(why);
        return false;
    }
    /// WAMP dicts have string keys only: anything else in key position is refused.
    bool not_key(const char* what) {
        if (!in_key_) return true;
        return fail(std::string("a map key is ") + what + "; WAMP dict keys must be strings");
    }

    static constexpr std::size_t no_payload = static_cast<std::size_t>(-1);
    std::size_t max_depth_;
    /// List elements that may still be reserved ahead of parsing them.
    std::size_t reserve_budget_;
    bool keep_payload_;
    std::size_t depth_ = 0;
    std::size_t top_items_ = 0;
    std::size_t first_ = no_payload;
    bool payload_item_ = false;
    bool kept_any_ = false;
    /// The depth of the payload element being skipped; 0 when building.
    std::size_t kept_depth_ = 0;
    bool in_key_ = false;
    ValueWriter out_;
    std::string failure_;
};

/// The offset just after the MessagePack value at `offset`, in input msgpack-c has already accepted (so the
/// structure is sound and nesting bounded); nullopt if it runs past the end all the same.
std::optional<std::size_t> skip(std::string_view in, std::size_t offset) {
    auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(in[i]); };
    auto be = [&](std::size_t at, int n) {
        std::size_t v = 0;
        for (int i = 0; i < n; ++i) v = (v << 8) | byte(at + i);
        return v;
    };
    std::size_t pending = 1;  // values still to skip
    while (pending > 0) {
        if (offset >= in.size()) return std::nullopt;
        auto b = byte(offset);
        --pending;
        std::size_t head = 1, body = 0, children = 0;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
        } else if (b <= 0x8f) {
            children = 2 * (b & 0x0f);
        } else if (b <= 0x9f) {
            children = b & 0x0f;
        } else if (b <= 0xbf) {
            body = b & 0x1f;
        } else {
            auto need = [&](std::size_t n) { return offset + n <= in.size(); };
            switch (b) {
            case 0xc4: case 0xd9: head = 2; if (!need(2)) return std::nullopt; body = be(offset + 1, 1); break;
            case 0xc5: case 0xda: head = 3; if (!need(3)) return std::nullopt; body = be(offset + 1, 2); break;
            case 0xc6: case 0xdb: head = 5; if (!need(5)) return std::nullopt; body = be(offset + 1, 4); break;
            case 0xca: body = 4; break;
            case 0xcb: body = 8; break;
            case 0xcc: case 0xd0: body = 1; break;
            case 0xcd: case 0xd1: body = 2; break;
            case 0xce: case 0xd2: body = 4; break;
            case 0xcf: case 0xd3: body = 8; break;
            case 0xdc: head = 3; if (!need(3)) return std::nullopt; children = be(offset + 1, 2); break;
            case 0xdd: head = 5; if (!need(5)) return std::nullopt; children = be(offset + 1, 4); break;
            case 0xde: head = 3; if (!need(3)) return std::nullopt; children = 2 * be(offset + 1, 2); break;
            case 0xdf: head = 5; if (!need(5)) return std::nullopt; children = 2 * be(offset + 1, 4); break;
            default: return std::nullopt;  // ext types and 0xc1 were refused by the parser
            }
        }
        offset += head + body;
        pending += children;
    }
    if (offset > in.size()) return std::nullopt;
    return offset;
}

char kind_of(std::uint8_t b) {
    if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) return 'l';
    if ((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf) return 'd';
    return 'o';
}

/// Appends msgpack-c's output to a std::string.
struct StringSink {
    std::string& out;
    void write(const char* data, std::size_t n) { out.append(data, n); }
};

/// Writer -> msgpack packer. The packer writes straight into the sink, so raw bytes may be appended in between.
class MsgpackWriter final : public Writer {
public:
    MsgpackWriter(msgpack::packer<StringSink>& p, StringSink& sink) : p_(p), sink_(sink) {}
    void null() override { p_.pack_nil(); }
    void boolean(bool b) override { b ? p_.pack_true() : p_.pack_false(); }
    void integer(std::int64_t i) override { p_.pack_int64(i); }
    void uinteger(std::uint64_t u) override { p_.pack_uint64(u); }
    void real(double d) override {
        // msgpack-c's pack_double writes integral doubles (1.0) as integers, so a JSON client's 1.0 would reach
        // MessagePack clients as the integer 1. A double stays a double: float64, big-endian, written here.
        auto bits = std::bit_cast<std::uint64_t>(d);
        char buf[9];
        buf[0] = static_cast<char>(0xcb);
        for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
        sink_.write(buf, sizeof buf);
    }
    void string(std::string_view s) override {
        p_.pack_str(static_cast<std::uint32_t>(s.size()));
        p_.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
    }
    void bytes(std::string_view b) override {
        p_.pack_bin(static_cast<std::uint32_t>(b.size()));
        p_.pack_bin_body(b.data(), static_cast<std::uint32_t>(b.size()));
    }
    void begin_list(std::size_t n) override { p_.pack_array(static_cast<std::uint32_t>(n)); }
    void end_list() override {}
    void begin_dict(std::size_t n) override { p_.pack_map(static_cast<std::uint32_t>(n)); }
    void key(std::string_view k) override { string(k); }
    void end_dict() override {}
    bool raw(Serializer codec, std::string_view element) override {
        if (codec != Serializer::msgpack) return false;
        sink_.write(element.data(), element.size());
        return true;
    }

private:
    msgpack::packer<StringSink>& p_;
    StringSink& sink_;
};

class MsgpackCodec final : public Codec {
public:
    Serializer id() const override { return Serializer::msgpack; }
    std::string_view subprotocol() const override { return "wamp.2.msgpack"; }
    bool binary() const override { return true; }

    Result<Value> decode_keeping_tail(std::string_view bytes, const DecodeLimits& limits, RawTail* tail) const override {
        if (bytes.size() > limits.max_bytes)
            return Error{"MessagePack message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                         std::to_string(limits.max_bytes)};
        if (bytes.empty()) return Error{"empty MessagePack message"};
        MsgpackVisitor visitor(limits.max_depth, bytes.size(), tail != nullptr);
        std::size_t offset = 0;
        bool ok = false;
        try {
            ok = msgpack::v2::parse(bytes.data(), bytes.size(), offset, visitor);
        } catch (const std::exception& e) {
            // msgpack-c reports some size violations by throwing; they must not escape a codec.
            return Error{std::string("malformed MessagePack: ") + e.what()};
        }
        if (!ok) return Error{visitor.failure().empty() ? "malformed MessagePack message" : visitor.failure()};
        if (offset != bytes.size())
            return Error{"trailing bytes after the MessagePack message at offset " + std::to_string(offset)};
        if (auto first = visitor.kept_from()) {
            if (auto error = find_tail(bytes, *first, *tail)) return *error;
        }
        return visitor.take();
    }

    std::string_view encode_scratch(const Message& m) const override {
        thread_local std::string scratch;
        if (scratch.capacity() > scratch_keep_bytes) std::string().swap(scratch);  // a big message's buffer goes
        scratch.clear();
        write_into(scratch, [&](Writer& w) { write_message(w, m); });
        return scratch;
    }
    std::string encode_value(const Value& v) const override {
        std::string out;
        write_into(out, [&](Writer& w) { write_value(w, v); });
        return out;
    }

private:
    /// Where the top-level elements from `first` on sit in `bytes`, a top-level list the parser accepted.
    static std::optional<Error> find_tail(std::string_view bytes, std::size_t first, RawTail& tail) {
        auto b = static_cast<std::uint8_t>(bytes[0]);
        std::size_t offset = b <= 0x9f ? 1 : b == 0xdc ? 3 : 5;  // fixarray, array16, array32
        std::size_t index = 0;
        tail.first = first;
        while (offset < bytes.size()) {
            auto next = skip(bytes, offset);
            if (!next) return Error{"malformed MessagePack message"};
            if (index >= first)
                tail.spans.push_back({offset, *next - offset, kind_of(static_cast<std::uint8_t>(bytes[offset]))});
            offset = *next;
            ++index;
        }
        return std::nullopt;
    }

    template <class F>
    static void write_into(std::string& out, F&& f) {
        StringSink sink{out};
        msgpack::packer<StringSink> packer(sink);
        MsgpackWriter w(packer, sink);
        f(w);
    }
};

}  // namespace

const Codec& msgpack_codec() {
    static const MsgpackCodec codec;
    return codec;
}

}  // namespace flyover
