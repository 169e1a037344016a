// wamp.2.json with RapidJSON: UTF-8 validated on input, integers up to 2^64-1, doubles correctly rounded,
// binary as a string "\u0000" + base64 in both directions (the spec's binary-in-JSON convention).

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

// x86-64 always has SSE2: RapidJSON then scans strings and whitespace 16 bytes at a time (only for its
// NUL-terminated StringStream; see decode_keeping_tail).
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2
#endif
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "serializers/base64.hpp"
#include "serializers/codec.hpp"
#include "serializers/message_mapper.hpp"
#include "serializers/utf8.hpp"
#include "serializers/writer.hpp"

namespace flyover {
namespace {

/// For a JSON number std::from_chars found out of range: whether it is too small for a double (it rounds to
/// zero) rather than too big. That is when the decimal exponent of its first significant digit is negative.
bool underflows(std::string_view number) {
    auto e = number.find_first_of("eE");
    std::string_view mantissa = number.substr(0, e);
    long long exponent = 0;
    if (e != std::string_view::npos) {
        auto digits = number.substr(e + 1);
        bool negative = !digits.empty() && digits[0] == '-';
        if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), exponent);
        if (ec == std::errc::result_out_of_range) return negative;
        // Clamped so the sum below cannot overflow; any real mantissa is far shorter than 10^15 digits.
        exponent = std::clamp(negative ? -exponent : exponent, -1'000'000'000'000'000LL, 1'000'000'000'000'000LL);
    }
    auto point = std::min(mantissa.find('.'), mantissa.size());
    auto first = mantissa.find_first_of("123456789");
    if (first == std::string_view::npos) return true;  // all zeros is 0, which from_chars never reports here
    long long position = first < point ? static_cast<long long>(point - first - 1)
                                       : -static_cast<long long>(first - point);
    return position + exponent < 0;
}

/// RapidJSON SAX events -> Value, with the nesting bound and the binary convention. With a RawTail, the
/// top-level lists and dicts from the payload index on are validated the same way but not built: the list
/// gets a null placeholder and the tail their place in the input.
template <class JsonInput>
class JsonHandler {
public:
    JsonHandler(std::size_t max_depth, const JsonInput& in, RawTail* tail) : max_depth_(max_depth), in_(in), tail_(tail) {}

    bool Null() {
        begin_value(false);
        if (building()) out_.null();
        return true;
    }
    bool Bool(bool b) {
        begin_value(false);
        if (building()) out_.boolean(b);
        return true;
    }
    bool Int(int i) { return Int64(i); }
    bool Uint(unsigned u) { return Uint64(u); }
    bool Int64(std::int64_t i) {
        if (building()) out_.integer(i);
        return true;
    }
    bool Uint64(std::uint64_t u) {
        if (type_element_) {
            if (auto index = payload_index(u)) first_ = index;
        }
        if (building()) out_.uinteger(u);
        return true;
    }
    bool Double(double d) {
        if (building()) out_.real(d);
        return true;
    }
    /// Every number arrives here as text (kParseNumbersAsStringsFlag): RapidJSON 1.1's own full-precision
    /// strtod returns garbage for some valid input ("0e100" -> -2e146, "0.184467440737095516159" -> -7e-201;
    /// upstream issues #1249, #1441, #2326) with undefined behaviour inside. std::from_chars rounds correctly.
    bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
        begin_value(false);
        std::string_view text(s, n);
        const char* end = s + n;
        if (text.find_first_of(".eE") == std::string_view::npos) {
            // An integer: as int64 if negative, as uint64 otherwise; beyond 64 bits it becomes a double below.
            if (text[0] == '-') {
                std::int64_t i = 0;
                if (auto r = std::from_chars(s, end, i); r.ec == std::errc{} && r.ptr == end) return Int64(i);
            } else {
                std::uint64_t u = 0;
                if (auto r = std::from_chars(s, end, u); r.ec == std::errc{} && r.ptr == end) return Uint64(u);
            }
        }
        double d = 0;
        auto r = std::from_chars(s, end, d);
        if (r.ec == std::errc::result_out_of_range) {
            if (!underflows(text)) return fail("the number " + std::string(text.substr(0, 32)) + " is too big for a double");
            d = text[0] == '-' ? -0.0 : 0.0;
        } else if (r.ec != std::errc{} || r.ptr != end) {
            return fail("invalid number " + std::string(text.substr(0, 32)));
        }
        return Double(d);
    }
    bool String(const char* s, rapidjson::SizeType n, bool) {
        begin_value(false);
        std::string_view text(s, n);
        if (!escapes_valid(text)) return fail("a string holds an unpaired UTF-16 surrogate escape");
        if (!text.empty() && text[0] == '\0') {
            auto bytes = base64_decode(text.substr(1));
            if (!bytes) return fail("a string starting with \\u0000 must be base64 (binary convention)");
            if (building()) out_.bytes(*bytes);
        } else if (building()) {
            out_.string(text);
        }
        return true;
    }
    bool StartObject() {
        begin_value(true);
        if (!enter()) return false;
        if (building()) out_.begin_dict(0);
        return true;
    }
    bool Key(const char* s, rapidjson::SizeType n, bool) {
        std::string_view text(s, n);
        if (!escapes_valid(text)) return fail("a key holds an unpaired UTF-16 surrogate escape");
        if (building()) out_.key(text);
        return true;
    }
    bool EndObject(rapidjson::SizeType) { return end_container('d'); }
    bool StartArray() {
        begin_value(true);
        if (!enter()) return false;
        if (building()) out_.begin_list(0);
        return true;
    }
    bool EndArray(rapidjson::SizeType) { return end_container('l'); }

    Value take() { return out_.take(); }
    const std::string& failure() const { return failure_; }

private:
    /// RapidJSON 1.1 validates raw UTF-8 but turns a lone low-surrogate escape ("\udc00") into the bytes
    /// ED B0 80, which are not UTF-8. Such bytes always start with 0xED, so only strings holding one are checked.
    static bool escapes_valid(std::string_view text) {
        return text.find('\xED') == std::string_view::npos || is_valid_utf8(text);
    }
    bool enter() {
        if (depth_ >= max_depth_) return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
        ++depth_;
        return true;
    }
    bool fail(std::string why) {
        failure_ = std::move(why);
        return false;
    }
    bool building() const { return capture_start_ == no_capture; }
    /// The offset of the bracket whose StartArray/StartObject/EndArray/EndObject event is being handled: the
    /// iterative parser raises those events with the bracket as its current (read-ahead) character.
    /// tests/serializers/raw_payload_test.cpp pins this down, whitespace included.
    std::size_t bracket_position() const { return in_.Tell(); }
    /// Called as each value starts (before a container is entered): counts the top-level elements and starts
    /// capturing a payload list or dict.
    void begin_value(bool container) {
        type_element_ = false;
        if (!tail_ || depth_ != 1 || !building()) return;
        std::size_t index = elements_++;
        type_element_ = index == 0;
        if (index < first_) return;
        if (index == first_) tail_->first = first_;
        if (!container) {
            tail_->spans.push_back({0, 0, 'o'});  // built as usual; the mapper reports the type error
            return;
        }
        out_.null();  // the placeholder
        capture_start_ = bracket_position();
    }
    bool end_container(char kind) {
        --depth_;
        if (building()) {
            kind == 'l' ? out_.end_list() : out_.end_dict();
            return true;
        }
        if (depth_ == 1) {
            tail_->spans.push_back({capture_start_, bracket_position() + 1 - capture_start_, kind});
            capture_start_ = no_capture;
        }
        return true;
    }

    static constexpr std::size_t no_payload = static_cast<std::size_t>(-1);
    static constexpr std::size_t no_capture = static_cast<std::size_t>(-1);
    std::size_t max_depth_;
    const JsonInput& in_;
    RawTail* tail_;
    std::size_t depth_ = 0;
    std::size_t elements_ = 0;
    std::size_t first_ = no_payload;
    bool type_element_ = false;
    std::size_t capture_start_ = no_capture;
    ValueWriter out_;
    std::string failure_;
};

/// Writer -> RapidJSON writer. Non-finite doubles have no JSON form and are written as null.
class JsonWriter final : public Writer {
public:
    explicit JsonWriter(rapidjson::Writer<rapidjson::StringBuffer>& w) : w_(w) {}
    void null() override { w_.Null(); }
    void boolean(bool b) override { w_.Bool(b); }
    void integer(std::int64_t i) override { w_.Int64(i); }
    void uinteger(std::uint64_t u) override { w_.Uint64(u); }
    void real(double d) override {
        if (std::isfinite(d)) w_.Double(d);
        else w_.Null();
    }
    void string(std::string_view s) override { w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
    void bytes(std::string_view b) override {
        std::string text(1, '\0');
        text += base64_encode(b);
        w_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
    void begin_list(std::size_t) override { w_.StartArray(); }
    void end_list() override { w_.EndArray(); }
    void begin_dict(std::size_t) override { w_.StartObject(); }
    void key(std::string_view k) override { w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
    void end_dict() override { w_.EndObject(); }
    bool raw(Serializer codec, std::string_view element) override {
        if (codec != Serializer::json) return false;
        w_.RawValue(element.data(), element.size(), element.front() == '{' ? rapidjson::kObjectType : rapidjson::kArrayType);
        return true;
    }

private:
    rapidjson::Writer<rapidjson::StringBuffer>& w_;
};

class JsonCodec final : public Codec {
public:
    Serializer id() const override { return Serializer::json; }
    std::string_view subprotocol() const override { return "wamp.2.json"; }
    bool binary() const override { return false; }

    Result<Value> decode_keeping_tail(std::string_view bytes, const DecodeLimits& limits, RawTail* tail) const override {
        if (bytes.size() > limits.max_bytes)
            return Error{"JSON message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                         std::to_string(limits.max_bytes)};
        // RapidJSON reads a NUL byte as the end of input, so "[1]\0junk" would pass as "[1]". A raw NUL is
        // never valid JSON (inside strings it must be escaped), so refuse it before parsing.
        if (auto nul = bytes.find('\0'); nul != std::string_view::npos)
            return Error{"invalid JSON at offset " + std::to_string(nul) + ": a raw NUL byte"};
        constexpr unsigned flags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;
        if (limits.input_is_utf8 || is_valid_utf8(bytes)) {
            // Valid UTF-8 (checked here, or by the transport: a WebSocket text frame) skips RapidJSON's
            // per-character check and is parsed from a NUL-terminated copy: only its StringStream gets the SSE2
            // string scan, which stops at the NUL (a control character) whatever the input. The copy costs far
            // less than the byte-at-a-time scan it saves (bench/codec_bench.cpp).
            // 16 bytes of slack: the SSE2 loops read whole aligned 16-byte blocks, up to the one holding the NUL.
            thread_local std::string terminated;
            terminated.reserve(bytes.size() + 16);
            terminated.assign(bytes.data(), bytes.size());
            rapidjson::StringStream ss(terminated.c_str());
            auto result = parse<flags>(ss, limits, tail);
            if (terminated.capacity() > keep_scratch_bytes) std::string().swap(terminated);
            return result;
        }
        // Invalid UTF-8: RapidJSON's validating parse says where.
        rapidjson::MemoryStream ms(bytes.data(), bytes.size());
        rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(ms);
        return parse<flags | rapidjson::kParseValidateEncodingFlag>(in, limits, tail);
    }

    std::string_view encode_scratch(const Message& m) const override {
        // The buffer and the writer's level stack keep their capacity between messages.
        thread_local rapidjson::StringBuffer buffer;
        thread_local rapidjson::Writer<rapidjson::StringBuffer> writer;
        thread_local std::size_t last_size = 0;
        buffer.Clear();
        if (last_size > scratch_keep_bytes) buffer.ShrinkToFit();  // empty: frees a big message's buffer
        writer.Reset(buffer);
        JsonWriter w(writer);
        write_message(w, m);
        last_size = buffer.GetSize();
        return {buffer.GetString(), buffer.GetSize()};
    }

    std::string encode_value(const Value& v) const override {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        JsonWriter w(writer);
        write_value(w, v);
        return std::string(buffer.GetString(), buffer.GetSize());
    }

private:
    /// A thread keeps a scratch copy this large between messages; a larger one is given back.
    static constexpr std::size_t keep_scratch_bytes = 64 * 1024;

    template <unsigned Flags, class Input>
    static Result<Value> parse(Input& in, const DecodeLimits& limits, RawTail* tail) {
        JsonHandler<Input> handler(limits.max_depth, in, tail);
        rapidjson::Reader reader;
        rapidjson::ParseResult result;
        try {
            result = reader.Parse<Flags>(in, handler);
        } catch (const std::exception& e) {
            // Only allocation can throw here (a huge message near the memory limit); it must not escape a codec.
            return Error{std::string("JSON message could not be decoded: ") + e.what()};
        }
        if (result.IsError()) {
            std::string why = handler.failure().empty() ? rapidjson::GetParseError_En(result.Code()) : handler.failure();
            return Error{"invalid JSON at offset " + std::to_string(result.Offset()) + ": " + why};
        }
        return handler.take();
    }
};

}  // namespace

const Codec& json_codec() {
    static const JsonCodec codec;
    return codec;
}

}  // namespace flyover
