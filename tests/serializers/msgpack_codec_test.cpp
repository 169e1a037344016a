#include <catch2/catch.hpp>

#include <cmath>

#include "allocation_meter.hpp"
#include "serializers/codec.hpp"
#include "test_support.hpp"

using namespace flyover;
using Catch::Matchers::Contains;
using test::from_hex;
using test::to_hex;

namespace {

const Codec& msgpack = msgpack_codec();

Value parse_hex(std::string_view hex, const DecodeLimits& limits = {}) {
    auto r = msgpack.decode(from_hex(hex), limits);
    INFO(hex);
    if (!r) FAIL(r.error().message);
    return r.value();
}

std::string error_of(std::string_view bytes, const DecodeLimits& limits = {}) {
    auto r = msgpack.decode(bytes, limits);
    return r ? std::string() : r.error().message;
}

std::string error_of_hex(std::string_view hex, const DecodeLimits& limits = {}) {
    return error_of(from_hex(hex), limits);
}

std::string hex_of(const Value& v) { return to_hex(msgpack.encode_value(v)); }

}  // namespace

TEST_CASE("the MessagePack codec is the binary subprotocol wamp.2.msgpack", "[serializers][msgpack]") {
    CHECK(msgpack.id() == Serializer::msgpack);
    CHECK(msgpack.subprotocol() == "wamp.2.msgpack");
    CHECK(msgpack.binary());
}

TEST_CASE("MessagePack bin is bytes and str is a string", "[serializers][msgpack]") {
    CHECK(parse_hex("c403010203") == Value{Bytes{"\x01\x02\x03"}});
    CHECK(parse_hex("c5000161") == Value{Bytes{"a"}});
    CHECK(parse_hex("c60000000161") == Value{Bytes{"a"}});
    CHECK(parse_hex("c400") == Value{Bytes{}});
    CHECK(hex_of(Value{Bytes{std::string("\x00\xff", 2)}}) == "c40200ff");

    CHECK(parse_hex("a3616263") == Value{"abc"});
    CHECK(parse_hex("d90161") == Value{"a"});
    CHECK(parse_hex("da000161") == Value{"a"});
    CHECK(parse_hex("db0000000161") == Value{"a"});
    CHECK(hex_of(Value{"abc"}) == "a3616263");
    CHECK(hex_of(Value{std::string(40, 'x')}).substr(0, 4) == "d928");
    Value long_text{std::string(70000, 'y')};
    CHECK(msgpack.decode(msgpack.encode_value(long_text)).value() == long_text);
}

TEST_CASE("MessagePack strings must be UTF-8, keys included", "[serializers][msgpack]") {
    CHECK_THAT(error_of_hex("a1ff"), Contains("UTF-8"));
    CHECK_THAT(error_of_hex("a3eda080"), Contains("UTF-8"));  // a surrogate
    CHECK_THAT(error_of_hex("81a1ff01"), Contains("UTF-8"));
    CHECK(parse_hex("a2c3a9") == Value{"\xc3\xa9"});
}

TEST_CASE("MessagePack integers: every width, normalised like JSON's", "[serializers][msgpack]") {
    CHECK(parse_hex("05") == Value{5});
    CHECK(parse_hex("cc05") == Value{5});
    CHECK(parse_hex("cd0100") == Value{256});
    CHECK(parse_hex("ce00010000") == Value{65536});
    CHECK(parse_hex("cfffffffffffffffff") == Value{std::uint64_t{UINT64_MAX}});
    CHECK(parse_hex("ff") == Value{-1});
    CHECK(parse_hex("d080") == Value{-128});
    CHECK(parse_hex("d1ff7f") == Value{-129});
    CHECK(parse_hex("d2ffff7fff") == Value{-32769});
    CHECK(parse_hex("d38000000000000000") == Value{std::int64_t{INT64_MIN}});
    // A signed encoding of a non-negative number is the same value as the unsigned one.
    CHECK(parse_hex("d005") == Value{std::uint64_t{5}});
    CHECK(parse_hex("d30000000000000007") == Value{std::uint64_t{7}});
    // The encoder picks the smallest form, as other WAMP implementations do.
    CHECK(hex_of(Value{5}) == "05");
    CHECK(hex_of(Value{200}) == "ccc8");
    CHECK(hex_of(Value{std::uint64_t{4429313566}}) == "cf000000010801f61e");
    CHECK(hex_of(Value{-1}) == "ff");
    CHECK(hex_of(Value{-129}) == "d1ff7f");
    CHECK(hex_of(Value{std::int64_t{INT64_MIN}}) == "d38000000000000000");
}

TEST_CASE("MessagePack float32 and float64 decode to doubles; the encoder writes float64", "[serializers][msgpack]") {
    CHECK(parse_hex("ca3fc00000") == Value{1.5});
    CHECK(parse_hex("cacdcccc3d").type() == Value::Type::real);
    CHECK(*parse_hex("ca3dcccccd").as_double() == static_cast<double>(0.1f));
    CHECK(parse_hex("cb3fb999999999999a") == Value{0.1});
    CHECK(hex_of(Value{0.1}) == "cb3fb999999999999a");
    // Regression: msgpack-c's pack_double wrote integral doubles as integers (1.0 -> 01).
    CHECK(hex_of(Value{1.0}) == "cb3ff0000000000000");
    CHECK(hex_of(Value{-2.0}) == "cbc000000000000000");
    CHECK(hex_of(Value{0.0}) == "cb0000000000000000");
    for (double d : {1.0, -2.0, 0.0, -0.0, 1e15, 18446744073709551616.0, 5e-324}) {
        INFO(d);
        auto back = msgpack.decode(msgpack.encode_value(Value{d}));
        REQUIRE(back.ok());
        REQUIRE(back.value().as_double());
        CHECK(std::signbit(*back.value().as_double()) == std::signbit(d));
        CHECK(*back.value().as_double() == d);
    }
}

TEST_CASE("MessagePack nil, bool, arrays and maps", "[serializers][msgpack]") {
    CHECK(parse_hex("93c0c2c3") == Value{List{Value{}, Value{false}, Value{true}}});
    CHECK(parse_hex("dc0001c0") == Value{List{Value{}}});
    CHECK(parse_hex("dd00000001c0") == Value{List{Value{}}});
    CHECK(parse_hex("81a16b01") == Value{Dict{{"k", Value{1}}}});
    CHECK(parse_hex("de0001a16b01") == Value{Dict{{"k", Value{1}}}});
    CHECK(parse_hex("df00000001a16b01") == Value{Dict{{"k", Value{1}}}});
    CHECK(hex_of(Value{Dict{{"b", Value{2}}, {"a", Value{1}}}}) == "82a16101a16202");
}

TEST_CASE("MessagePack maps with non-string keys are rejected", "[serializers][msgpack]") {
    for (auto hex : {"810102", "81c001", "81c301", "81c4016101", "81ca3f80000001", "819001", "818001", "81ff01"}) {
        INFO(hex);
        CHECK_THAT(error_of_hex(hex), Contains("keys must be strings"));
    }
}

TEST_CASE("MessagePack ext types are rejected", "[serializers][msgpack]") {
    for (auto hex : {"d40100", "d5010000", "c7010500", "91d6ffffffffff", "c8000105ff", "c9000000010500"}) {
        INFO(hex);
        CHECK_THAT(error_of_hex(hex), Contains("ext"));
    }
}

TEST_CASE("truncated MessagePack is an error at every cut", "[serializers][msgpack]") {
    std::string whole = msgpack.encode_value(Value{List{Value{48}, Value{std::uint64_t{1} << 40}, Value{Dict{{"k", Value{"v"}}}},
                                                        Value{"com.app.proc"}, Value{List{Value{Bytes{"\x01\x02"}}, Value{2.5}}}}});
    REQUIRE(msgpack.decode(whole).ok());
    for (std::size_t n = 0; n < whole.size(); ++n) {
        INFO(n);
        CHECK_FALSE(error_of(std::string_view(whole).substr(0, n)).empty());
    }
    CHECK_THAT(error_of_hex("9310"), Contains("truncated"));
    CHECK_THAT(error_of_hex("a5616263"), Contains("truncated"));
    CHECK_THAT(error_of(""), Contains("empty"));
}

TEST_CASE("bytes after the MessagePack message are rejected", "[serializers][msgpack]") {
    CHECK_THAT(error_of_hex("9101c0"), Contains("trailing"));
    CHECK_THAT(error_of_hex("0101"), Contains("trailing"));
}

TEST_CASE("the never-used byte 0xc1 is malformed", "[serializers][msgpack]") {
    CHECK_FALSE(error_of_hex("c1").empty());
    CHECK_FALSE(error_of_hex("92c1c0").empty());
}

TEST_CASE("an announced-huge container in a tiny input allocates next to nothing", "[serializers][msgpack]") {
    for (auto hex : {"ddffffffff", "ddffffffffc0c0", "dfffffffff", "dfffffffffa16bc0", "dbffffffff616263",
                     "c6ffffffff00"}) {
        INFO(hex);
        auto input = from_hex(hex);
        std::string error;
        test::AllocationMeter meter;
        error = error_of(input);
        auto requested = meter.requested();
        CHECK_FALSE(error.empty());
        CHECK(requested < 4096);
    }
}

TEST_CASE("nested lists announcing 2^32 elements share one reservation budget", "[serializers][msgpack]") {
    // Regression: every nesting level reserved up to input-size elements, so 60 levels in a 1 MiB message
    // asked for 60 x 1 Mi x sizeof(Value) = 3.5 GB before the parser noticed the message was truncated.
    std::string input;
    for (int i = 0; i < 60; ++i) input += from_hex("ddffffffff");
    input.append(std::size_t{1} << 20, '\xc0');
    std::string error;
    std::size_t requested = 0, largest = 0;
    {
        test::AllocationMeter meter;
        error = error_of(input);
        requested = meter.requested();
        largest = meter.largest();
    }
    CHECK_THAT(error, Contains("truncated"));
    // A valid message of this size could hold input.size() values; allow growth and bookkeeping on top.
    CHECK(largest <= input.size() * sizeof(Value) + 4096);
    CHECK(requested <= 4 * input.size() * sizeof(Value));
}

TEST_CASE("MessagePack nesting is bounded by DecodeLimits::max_depth", "[serializers][msgpack]") {
    DecodeLimits limits;
    std::string ok(limits.max_depth, '\x91');
    ok += '\xc0';
    CHECK(msgpack.decode(ok).ok());
    std::string deep(limits.max_depth + 1, '\x91');
    deep += '\xc0';
    CHECK_THAT(error_of(deep), Contains("nesting deeper than 64"));
    CHECK_THAT(error_of_hex("81a16b81a16b81a16b80", DecodeLimits{1024, 3}), Contains("nesting"));
    CHECK(parse_hex("81a16b81a16b80", DecodeLimits{1024, 3}).type() == Value::Type::dict);
}

TEST_CASE("MessagePack input larger than DecodeLimits::max_bytes is refused", "[serializers][msgpack]") {
    CHECK(parse_hex("9401020304", DecodeLimits{5, 64}).type() == Value::Type::list);
    CHECK_THAT(error_of_hex("930102cd0100", DecodeLimits{5, 64}), Contains("exceeds the limit of 5"));
}
