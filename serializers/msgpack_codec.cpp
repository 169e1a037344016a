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

/// msgpack-c parse events -> Value (or, when not `build`ing, the same checks without a Value: for payloads
/// kept as bytes). Returning false stops the parser.
class MsgpackVisitor {
public:
    MsgpackVisitor(std::size_t max_depth, std::size_t input_size, bool build = true)
        : max_depth_(max_depth), reserve_budget_(input_size), build_(build) {}

    bool visit_nil() { return not_key("nil") && (build_ ? out_.null() : void(), true); }
    bool visit_boolean(bool v) { return not_key("a bool") && (build_ ? out_.boolean(v) : void(), true); }
    bool visit_positive_integer(std::uint64_t v) { return not_key("an integer") && (build_ ? out_.uinteger(v) : void(), true); }
    bool visit_negative_integer(std::int64_t v) { return not_key("an integer") && (build_ ? out_.integer(v) : void(), true); }
    bool visit_float32(float v) { return not_key("a float") && (build_ ? out_.real(static_cast<double>(v)) : void(), true); }
    bool visit_float64(double v) { return not_key("a float") && (build_ ? out_.real(v) : void(), true); }
    bool visit_str(const char* v, std::uint32_t size) {
        std::string_view s(v, size);
        if (!is_valid_utf8(s)) return fail("a string is not valid UTF-8");
        if (!build_) return true;
        if (in_key_) out_.key(s);
        else out_.string(s);
        return true;
    }
    bool visit_bin(const char* v, std::uint32_t size) {
        return not_key("binary") && (build_ ? out_.bytes(std::string_view(v, size)) : void(), true);
    }
    bool visit_ext(const char*, std::uint32_t) { return fail("MessagePack ext types are not part of WAMP"); }
    bool start_array(std::uint32_t n) {
        if (!not_key("a list") || !enter()) return false;
        // Every element takes at least one input byte, so all lists together hold at most input-size elements:
        // reservations share that one budget. (A per-list bound of the input size let nested lists that
        // announce 2^32 elements reserve depth x input x sizeof(Value): 3.5 GB for a 1 MB message.)
        auto reserve = std::min<std::size_t>(n, reserve_budget_);
        reserve_budget_ -= reserve;
        if (build_) out_.begin_list(reserve);
        return true;
    }
    bool start_array_item() { return true; }
    bool end_array_item() { return true; }
    bool end_array() {
        --depth_;
        if (build_) out_.end_list();
        return true;
    }
    bool start_map(std::uint32_t) {
        if (!not_key("a map") || !enter()) return false;
        if (build_) out_.begin_dict(0);
        return true;
    }
    bool start_map_key() { return in_key_ = true, true; }
    bool end_map_key() {
        in_key_ = false;
        return true;
    }
    bool start_map_value() { return true; }
    bool end_map_value() { return true; }
    bool end_map() {
        --depth_;
        if (build_) out_.end_dict();
        return true;
    }
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

private:
    bool enter() {
        if (depth_ >= max_depth_) return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
        ++depth_;
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

    std::size_t max_depth_;
    /// List elements that may still be reserved ahead of parsing them.
    std::size_t reserve_budget_;
    bool build_;
    std::size_t depth_ = 0;
    bool in_key_ = false;
    ValueWriter out_;
    std::string failure_;
};

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
        std::size_t elements = 0, offset = 0;
        if (tail && top_level_array(bytes, elements, offset)) return decode_elements(bytes, limits, elements, offset, *tail);
        MsgpackVisitor visitor(limits.max_depth, bytes.size());
        offset = 0;
        if (auto error = parse_one(bytes, offset, visitor)) return *error;
        if (offset != bytes.size())
            return Error{"trailing bytes after the MessagePack message at offset " + std::to_string(offset)};
        return visitor.take();
    }
    std::string encode(const Message& m) const override {
        return write([&](Writer& w) { write_message(w, m); });
    }
    std::string encode_value(const Value& v) const override {
        return write([&](Writer& w) { write_value(w, v); });
    }

private:
    /// Parses one value at `offset` (advancing it); an Error when it is malformed.
    static std::optional<Error> parse_one(std::string_view bytes, std::size_t& offset, MsgpackVisitor& visitor) {
        bool ok = false;
        try {
            ok = msgpack::v2::parse(bytes.data(), bytes.size(), offset, visitor);
        } catch (const std::exception& e) {
            // msgpack-c reports some size violations by throwing; they must not escape a codec.
            return Error{std::string("malformed MessagePack: ") + e.what()};
        }
        if (!ok) return Error{visitor.failure().empty() ? "malformed MessagePack message" : visitor.failure()};
        return std::nullopt;
    }

    /// Reads the header of a top-level array: its element count and where its first element starts.
    static bool top_level_array(std::string_view bytes, std::size_t& elements, std::size_t& offset) {
        auto b = static_cast<std::uint8_t>(bytes[0]);
        auto at = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
        if (b >= 0x90 && b <= 0x9f) {
            elements = b & 0x0f;
            offset = 1;
        } else if (b == 0xdc && bytes.size() >= 3) {
            elements = (std::size_t(at(1)) << 8) | at(2);
            offset = 3;
        } else if (b == 0xdd && bytes.size() >= 5) {
            elements = (std::size_t(at(1)) << 24) | (std::size_t(at(2)) << 16) | (std::size_t(at(3)) << 8) | at(4);
            offset = 5;
        } else {
            return false;  // not a list: the usual path reports it
        }
        return true;
    }

    static char kind_of(std::uint8_t b) {
        if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) return 'l';
        if ((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf) return 'd';
        return 'o';
    }

    /// The top-level list element by element: values before the payload index are built, payload lists and
    /// dicts only validated (a null placeholder in the list, their place in `tail`).
    static Result<Value> decode_elements(std::string_view bytes, const DecodeLimits& limits, std::size_t elements,
                                         std::size_t offset, RawTail& tail) {
        constexpr std::size_t no_payload = static_cast<std::size_t>(-1);
        std::size_t first = no_payload;
        List items;
        items.reserve(std::min(elements, bytes.size()));
        std::size_t depth = limits.max_depth > 0 ? limits.max_depth - 1 : 0;
        if (limits.max_depth == 0) return Error{"nesting deeper than 0 levels"};
        for (std::size_t i = 0; i < elements; ++i) {
            if (offset >= bytes.size()) return Error{"truncated MessagePack message"};
            std::size_t start = offset;
            char kind = kind_of(static_cast<std::uint8_t>(bytes[offset]));
            bool keep = i >= first && kind != 'o';
            MsgpackVisitor visitor(depth, bytes.size() - offset, !keep);
            if (auto error = parse_one(bytes, offset, visitor)) return *error;
            if (i >= first) {
                if (i == first) tail.first = first;
                tail.spans.push_back({start, offset - start, kind});
            }
            items.push_back(keep ? Value{} : visitor.take());
            if (i == 0) {
                auto type = items[0].as_uint();
                if (type && payload_index(*type)) first = payload_index(*type);
            }
        }
        if (offset != bytes.size())
            return Error{"trailing bytes after the MessagePack message at offset " + std::to_string(offset)};
        return Value{std::move(items)};
    }

    template <class F>
    static std::string write(F&& f) {
        std::string out;
        StringSink sink{out};
        msgpack::packer<StringSink> packer(sink);
        MsgpackWriter w(packer, sink);
        f(w);
        return out;
    }
};

}  // namespace

const Codec& msgpack_codec() {
    static const MsgpackCodec codec;
    return codec;
}

}  // namespace flyover
