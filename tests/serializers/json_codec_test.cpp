#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

#include "serializers/codec.hpp"

using namespace flyover;
using Catch::Matchers::Contains;

namespace {

const Codec& json = json_codec();

/// Decodes JSON text that must be valid and returns its value.
Value parse(std::string_view text, const DecodeLimits& limits = {}) {
    auto r = json.decode(text, limits);
    INFO(text);
    if (!r) FAIL(r.error().message);
    return r.value();
}

std::string error_of(std::string_view text, const DecodeLimits& limits = {}) {
    auto r = json.decode(text, limits);
    return r ? std::string() : r.error().message;
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("the JSON codec is the text subprotocol wamp.2.json", "[serializers][json]") {
    CHECK(json.id() == Serializer::json);
    CHECK(json.subprotocol() == "wamp.2.json");
    CHECK_FALSE(json.binary());
}

TEST_CASE("JSON binary is a string of \\u0000 and base64, both ways", "[serializers][json]") {
    Value bytes{Bytes{std::string("\x00\x01\xfe\xff", 4)}};
    std::string text = json.encode_value(bytes);
    CHECK(text == R"("\u0000AAH+/w==")");
    CHECK(parse(text) == bytes);
    CHECK(parse(R"(["\u0000"])") == Value{List{Value{Bytes{}}}});
    CHECK(json.encode_value(Value{Bytes{}}) == R"("\u0000")");
    // Only a leading NUL marks binary; elsewhere it is an ordinary character.
    CHECK(parse(R"("a\u0000b")") == Value{std::string("a\0b", 3)});
    CHECK_THAT(error_of(R"(["\u0000not base64!"])"), Contains("base64"));
}

TEST_CASE("JSON integers cover int64 and uint64", "[serializers][json]") {
    CHECK(parse("18446744073709551615") == Value{std::uint64_t{UINT64_MAX}});
    CHECK(parse("-9223372036854775808") == Value{std::int64_t{INT64_MIN}});
    CHECK(parse("-1") == Value{-1});
    CHECK(parse("0") == Value{0});
    CHECK(parse("9007199254740993") == Value{std::uint64_t{9007199254740993ULL}});  // not representable as a double
    for (Value v : {Value{std::uint64_t{UINT64_MAX}}, Value{std::int64_t{INT64_MIN}}, Value{-1}, Value{0}}) {
        CHECK(parse(json.encode_value(v)) == v);
    }
    CHECK(json.encode_value(Value{std::uint64_t{UINT64_MAX}}) == "18446744073709551615");
    // Beyond 64 bits a number can only be a double.
    CHECK(parse("18446744073709551616").type() == Value::Type::real);
}

TEST_CASE("JSON doubles round-trip exactly and stay doubles", "[serializers][json]") {
    for (double d : {0.1, -2.5, 1.0, 1e300, -1e-300, 5e-324, 123456789.123456789, 2.0 / 3.0,
                     std::numeric_limits<double>::max(), std::numeric_limits<double>::min()}) {
        INFO(d);
        auto text = json.encode_value(Value{d});
        auto back = parse(text);
        REQUIRE(back.as_double());
        CHECK(*back.as_double() == d);
    }
    CHECK(parse("1.0").type() == Value::Type::real);
    CHECK(parse("1e2").type() == Value::Type::real);
    CHECK(*parse("0.1").as_double() == 0.1);
}

TEST_CASE("JSON numbers RapidJSON 1.1 misparsed decode to their true values", "[serializers][json]") {
    // Regression: with kParseFullPrecisionFlag RapidJSON 1.1.0 (Debian bookworm) gave -1.99e146 for 0e100,
    // tiny garbage for long zero fractions and -6.5e-201 for 0.184467440737095516159 (upstream #1249, #1441,
    // #2326), through undefined behaviour (clz of 0).
    auto real = [](std::string_view text) {
        auto v = parse(text);
        REQUIRE(v.as_double());
        return *v.as_double();
    };
    CHECK(real("0e100") == 0.0);
    CHECK(real("0.0000000000000000000000000") == 0.0);
    CHECK(real("0.00000000000000000000000000000000000000000000000000") == 0.0);
    CHECK(real("0.184467440737095516159") == 0.184467440737095516159);
    CHECK(real("2.220446049250313e-16") == 2.220446049250313e-16);
    double negative_zero = real("-0.000000000000000000000000000000");
    CHECK(negative_zero == 0.0);
    CHECK(std::signbit(negative_zero));
    CHECK(real("123456789012345678901234567890") == 123456789012345678901234567890.0);
    CHECK(real("-9223372036854775809") == -9223372036854775809.0);
    CHECK(real("1.7976931348623157e308") == std::numeric_limits<double>::max());
    CHECK(real("2.4703282292062328e-324") == std::numeric_limits<double>::denorm_min());
}

TEST_CASE("JSON numbers beyond double range: too small is zero, too big is an error", "[serializers][json]") {
    CHECK(*parse("1e-400").as_double() == 0.0);
    CHECK(std::signbit(*parse("-1e-400").as_double()));
    CHECK(*parse("2.4703282292062327e-324").as_double() == 0.0);
    CHECK(*parse("0." + std::string(400, '0') + "1").as_double() == 0.0);
    CHECK(*parse("0.000001e-99999999999999999999").as_double() == 0.0);
    CHECK(*parse("1" + std::string(300, '0') + "e-700").as_double() == 0.0);  // 1e-400
    CHECK(*parse("1" + std::string(300, '0') + "e-500").as_double() == 1e-200);
    CHECK_FALSE(error_of("[1.7976931348623159e308]").empty());
    CHECK_FALSE(error_of("[1e400]").empty());
    CHECK_FALSE(error_of("[-1e400]").empty());
    CHECK_FALSE(error_of("[" + std::string(400, '9') + "]").empty());
}

TEST_CASE("JSON doubles decode exactly as a correctly rounded strtod does", "[serializers][json]") {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 20000; ++i) {
        // Random decimal text: up to 25 significant digits, a fraction, an exponent in [-340, 320].
        std::string text = rng() % 2 ? "-" : "";
        text += std::to_string(rng() % 10);
        if (text.back() == '0' && rng() % 2) text.pop_back(), text += std::to_string(1 + rng() % 9);
        text += '.';
        for (int d = 0, n = 1 + static_cast<int>(rng() % 24); d < n; ++d) text += static_cast<char>('0' + rng() % 10);
        text += 'e' + std::to_string(static_cast<int>(rng() % 661) - 340);
        INFO(text);
        double expected = std::strtod(text.c_str(), nullptr);
        if (std::isinf(expected)) {
            CHECK_FALSE(error_of(text).empty());
            continue;
        }
        auto v = parse(text);
        REQUIRE(v.as_double());
        CHECK(std::bit_cast<std::uint64_t>(*v.as_double()) == std::bit_cast<std::uint64_t>(expected));
    }
}

TEST_CASE("JSON has no NaN or infinity: the encoder writes null", "[serializers][json]") {
    CHECK(json.encode_value(Value{std::nan("")}) == "null");
    CHECK(json.encode_value(Value{std::numeric_limits<double>::infinity()}) == "null");
    CHECK_FALSE(error_of("[NaN]").empty());
    CHECK_FALSE(error_of("[Infinity]").empty());
}

TEST_CASE("JSON strings: escapes in, escapes out", "[serializers][json]") {
    CHECK(parse(R"("caf\u00e9")") == Value{"caf\xc3\xa9"});
    CHECK(parse(R"("\ud834\udd1e")") == Value{"\xf0\x9d\x84\x9e"});
    CHECK(parse("\"caf\xc3\xa9\"") == Value{"caf\xc3\xa9"});
    Value tricky{"quote\" backslash\\ slash/ newline\n tab\t bell\x07 del\x7f"};
    auto text = json.encode_value(tricky);
    CHECK(text.find('\n') == std::string::npos);
    CHECK(parse(text) == tricky);
    Value key{Dict{{"k\"\n", Value{1}}}};
    CHECK(parse(json.encode_value(key)) == key);
}

TEST_CASE("JSON with invalid UTF-8 or unpaired surrogates is rejected", "[serializers][json]") {
    for (auto bad : {"[\"\xff\"]", "[\"\xc0\xaf\"]", "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]", "[\"\xe2\x82\"]",
                     "{\"\xc3\x28\":1}"}) {
        INFO(bad);
        CHECK_FALSE(error_of(bad).empty());
    }
    CHECK_FALSE(error_of(R"(["\ud800"])").empty());
    CHECK_FALSE(error_of(R"(["\ud800x"])").empty());
    // Regression: RapidJSON 1.1 let a lone low surrogate through as the bytes ED B0 80.
    CHECK_THAT(error_of(R"(["\udc00"])"), Contains("surrogate"));
    CHECK_THAT(error_of(R"(["ok \udfff ok"])"), Contains("surrogate"));
    CHECK_THAT(error_of(R"({"\udc00":1})"), Contains("surrogate"));
    // U+D7FF and U+E000 are fine neighbours, and ED as a lead byte is fine below the surrogates.
    CHECK(parse(R"("\ud7ff\ue000")") == Value{"\xed\x9f\xbf\xee\x80\x80"});
}

TEST_CASE("JSON trailing garbage is rejected, trailing whitespace is not", "[serializers][json]") {
    CHECK_FALSE(error_of("[1] x").empty());
    CHECK_FALSE(error_of("[1][2]").empty());
    CHECK_FALSE(error_of("[1],").empty());
    CHECK(parse("[1] \r\n\t") == Value{List{Value{1}}});
    // Regression: RapidJSON stops at a NUL byte, so "[1]\0junk" passed as "[1]".
    CHECK_THAT(error_of(std::string_view("[1]\0junk", 8)), Contains("NUL"));
    CHECK_THAT(error_of(std::string_view("[1]\0", 4)), Contains("NUL"));
    CHECK_FALSE(error_of(std::string_view("[\"a\0b\"]", 7)).empty());
}

TEST_CASE("JSON nesting is bounded by DecodeLimits::max_depth", "[serializers][json]") {
    DecodeLimits limits;
    CHECK(parse(nested(limits.max_depth)).type() == Value::Type::list);
    CHECK_THAT(error_of(nested(limits.max_depth + 1)), Contains("nesting deeper than 64"));
    DecodeLimits shallow{1024, 2};
    CHECK(parse(R"([{"a":1}])", shallow).type() == Value::Type::list);
    CHECK_THAT(error_of(R"([{"a":[]}])", shallow), Contains("nesting"));
    CHECK_THAT(error_of(R"({"a":{"b":{}}})", shallow), Contains("nesting"));
}

TEST_CASE("JSON input larger than DecodeLimits::max_bytes is refused", "[serializers][json]") {
    DecodeLimits limits{8, 64};
    CHECK(parse("[1,2,33]", limits) == Value{List{Value{1}, Value{2}, Value{33}}});
    CHECK_THAT(error_of("[1,2,333]", limits), Contains("exceeds the limit of 8"));
}

TEST_CASE("JSON encoding is compact with dict keys in sorted order", "[serializers][json]") {
    Message m = Publish{239714735, Dict{{"exclude_me", Value{false}}, {"acknowledge", Value{true}}},
                        "com.myapp.mytopic1", Payload{{Value{"Hello, world!"}}, {{"n", Value{-2}}}, std::nullopt}};
    CHECK(json.encode(m) ==
          R"([16,239714735,{"acknowledge":true,"exclude_me":false},"com.myapp.mytopic1",["Hello, world!"],{"n":-2}])");
    auto back = json.decode_message(json.encode(m));
    REQUIRE(back.ok());
    CHECK(*back == m);
}

TEST_CASE("JSON errors say where", "[serializers][json]") {
    CHECK_THAT(error_of("[1,}"), Contains("offset 3"));
    CHECK_THAT(error_of(""), Contains("invalid JSON"));
}

TEST_CASE("JSON long strings: escapes, control characters and ends at every offset of a 16-byte block",
          "[serializers][json]") {
    // The parser scans strings 16 bytes at a time (SSE2); whatever sits where in a block, the result must be
    // what a byte-at-a-time parser gives, with or without the transport's UTF-8 check.
    for (bool checked_utf8 : {false, true}) {
        DecodeLimits limits;
        limits.input_is_utf8 = checked_utf8;
        for (std::size_t at = 0; at < 40; ++at) {
            INFO("offset " << at << (checked_utf8 ? ", UTF-8 checked by the transport" : ""));
            std::string before(at, 'a'), after(37 - at % 37, 'b');
            CHECK(parse("[\"" + before + "\\n" + after + "\"]", limits) == Value{List{Value{before + "\n" + after}}});
            CHECK(parse("[\"" + before + "\\u00e9" + after + "\"]", limits) ==
                  Value{List{Value{before + "\xc3\xa9" + after}}});
            CHECK(parse("[\"" + before + "\xc3\xa9" + after + "\"]", limits) ==
                  Value{List{Value{before + "\xc3\xa9" + after}}});
            CHECK_FALSE(error_of("[\"" + before + "\x01" + after + "\"]", limits).empty());
            CHECK_FALSE(error_of("[\"" + before + "\t" + after + "\"]", limits).empty());
            CHECK_FALSE(error_of("[\"" + before + after, limits).empty());        // unterminated string
            CHECK_FALSE(error_of("[\"" + before + after + "\\", limits).empty());  // ends inside an escape
            CHECK(parse("[" + std::string(at, ' ') + "1]", limits) == Value{List{Value{1}}});  // whitespace runs
        }
    }
}
