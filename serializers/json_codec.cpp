// wamp.2.json with RapidJSON: UTF-8 validated on input, integers up to 2^64-1, doubles at full precision,
// binary as a string "\u0000" + base64 in both directions (the spec's binary-in-JSON convention).

#include <cmath>

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "serializers/base64.hpp"
#include "serializers/codec.hpp"
#include "serializers/message_mapper.hpp"
#include "serializers/writer.hpp"

namespace flyover {
namespace {

/// RapidJSON SAX events -> Value, with the nesting bound and the binary convention.
class JsonHandler {
public:
    explicit JsonHandler(std::size_t max_depth) : max_depth_(max_depth) {}

    bool Null() { return out_.null(), true; }
    bool Bool(bool b) { return out_.boolean(b), true; }
    bool Int(int i) { return out_.integer(i), true; }
    bool Uint(unsigned u) { return out_.uinteger(u), true; }
    bool Int64(std::int64_t i) { return out_.integer(i), true; }
    bool Uint64(std::uint64_t u) { return out_.uinteger(u), true; }
    bool Double(double d) { return out_.real(d), true; }
    bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }
    bool String(const char* s, rapidjson::SizeType n, bool) {
        std::string_view text(s, n);
        if (!text.empty() && text[0] == '\0') {
            auto bytes = base64_decode(text.substr(1));
            if (!bytes) return fail("a string starting with \\u0000 must be base64 (binary convention)");
            out_.bytes(*bytes);
        } else {
            out_.string(text);
        }
        return true;
    }
    bool StartObject() { return enter() && (out_.begin_dict(0), true); }
    bool Key(const char* s, rapidjson::SizeType n, bool) { return out_.key(std::string_view(s, n)), true; }
    bool EndObject(rapidjson::SizeType) { return out_.end_dict(), true; }
    bool StartArray() { return enter() && (out_.begin_list(0), true); }
    bool EndArray(rapidjson::SizeType) { return out_.end_list(), true; }

    Value take() { return out_.take(); }
    const std::string& failure() const { return failure_; }

private:
    bool enter() {
        if (out_.depth() >= max_depth_) return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
        return true;
    }
    bool fail(std::string why) {
        failure_ = std::move(why);
        return false;
    }

    std::size_t max_depth_;
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

private:
    rapidjson::Writer<rapidjson::StringBuffer>& w_;
};

class JsonCodec final : public Codec {
public:
    Serializer id() const override { return Serializer::json; }
    std::string_view subprotocol() const override { return "wamp.2.json"; }
    bool binary() const override { return false; }

    Result<Value> decode(std::string_view bytes, const DecodeLimits& limits) const override {
        if (bytes.size() > limits.max_bytes)
            return Error{"JSON message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                         std::to_string(limits.max_bytes)};
        JsonHandler handler(limits.max_depth);
        rapidjson::Reader reader;
        rapidjson::MemoryStream ms(bytes.data(), bytes.size());
        rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(ms);
        constexpr unsigned flags =
            rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag | rapidjson::kParseIterativeFlag;
        auto result = reader.Parse<flags>(in, handler);
        if (result.IsError()) {
            std::string why = handler.failure().empty() ? rapidjson::GetParseError_En(result.Code()) : handler.failure();
            return Error{"invalid JSON at offset " + std::to_string(result.Offset()) + ": " + why};
        }
        return handler.take();
    }

    std::string encode(const Message& m) const override {
        return write([&](Writer& w) { write_message(w, m); });
    }

    std::string encode_value(const Value& v) const override {
        return write([&](Writer& w) { write_value(w, v); });
    }

private:
    template <class F>
    static std::string write(F&& f) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        JsonWriter w(writer);
        f(w);
        return std::string(buffer.GetString(), buffer.GetSize());
    }
};

}  // namespace

const Codec& json_codec() {
    static const JsonCodec codec;
    return codec;
}

}  // namespace flyover
