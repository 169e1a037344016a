// Hostile and broken input through both codecs: every case must come back as an Error. Never a throw, never
// a crash, never a message. Large inputs are generated here; none are committed.

#include <catch2/catch.hpp>

#include <random>

#include "sample_messages.hpp"
#include "serializers/codec.hpp"
#include "serializers/message_mapper.hpp"
#include "test_support.hpp"

using namespace flyover;
using Catch::Matchers::Contains;

namespace {

/// Decodes `bytes` as a message; fails the test if that throws, returns the error text ("" if it decoded).
std::string message_error(const Codec& codec, std::string_view bytes, const DecodeLimits& limits = {}) {
    try {
        auto r = codec.decode_message(bytes, limits);
        return r ? std::string() : r.error().message;
    } catch (...) {
        FAIL("decode_message threw");
    }
    return {};
}

/// Valid JSON that is not a valid WAMP message. Each is also sent as MessagePack (same value, other codec).
const char* const invalid_messages[] = {
    // not a list / empty / bad type code
    "{}", "16", "\"PUBLISH\"", "null", "true", "[]", "[\"16\",1,{},\"a.b\"]", "[-16,1,{},\"a.b\"]", "[16.0,1,{},\"a.b\"]",
    "[null]", "[[16],1,{},\"a.b\"]",
    // unknown types
    "[0]", "[7,1]", "[9,1,{}]", "[37,1,2]", "[71,1,{}]", "[337,5512315355]", "[65552,1,{},\"a.b\"]",
    "[18446744073709551615,1]",
    // arity
    "[1,\"realm\"]", "[1,\"realm\",{},{}]", "[16,1,{}]", "[16,1,{},\"a.b\",[],{},[]]", "[17,1]", "[35]",
    "[36,1,2]", "[48,1,{}]", "[50,1]", "[8,48,1,{}]", "[70,1,{},[],{},1]",
    // ids out of range or of the wrong type
    "[17,0,1]", "[17,1,0]", "[17,1,9007199254740993]", "[17,-1,1]", "[17,1.5,1]", "[17,\"1\",1]", "[17,null,1]",
    "[2,18446744073709551615,{}]", "[33,1,true]", "[8,48,0,{},\"a.b\"]", "[8,0,1,{},\"a.b\"]",
    "[8,65584,1,{},\"a.b\"]", "[35,0]", "[67,0]",
    // wrong element types
    "[1,5,{}]", "[1,\"realm\",[]]", "[16,1,[],\"a.b\"]", "[16,1,{},[\"a.b\"]]", "[16,1,{},\"a.b\",{}]",
    "[16,1,{},\"a.b\",[],[]]", "[36,1,2,null]", "[48,1,{},\"a.b\",\"args\"]", "[4,1,{}]", "[5,\"sig\",\"extra\"]",
    "[6,{},1]", "[3,[],\"a.b\"]",
    // URI elements that are not strings (their validity as URIs is the realm's call, not the decoder's)
    "[16,1,{},5]", "[1,null,{}]", "[32,1,{},[\"a.b\"]]", "[6,{},{}]", "[8,48,1,{},7]", "[64,1,{},false]",
    "[36,1,2,{\"topic\":\"a b\"}]",
    // option and detail types
    "[16,1,{\"acknowledge\":1},\"a.b\"]", "[16,1,{\"exclude\":[\"x\"]},\"a.b\"]", "[16,1,{\"exclude\":[0]},\"a.b\"]",
    "[32,1,{\"match\":\"regex\"},\"a.b\"]", "[48,1,{\"timeout\":-5},\"a.b\"]", "[48,1,{\"timeout\":1.5},\"a.b\"]",
    "[64,1,{\"invoke\":\"all\"},\"a.b\"]", "[36,1,2,{\"publisher\":\"me\"}]", "[16,1,{\"forward_for\":[1]},\"a.b\"]",
    // payload passthru
    "[16,1,{\"enc_algo\":\"none\"},\"a.b\",\"x\"]", "[16,1,{\"enc_algo\":\"cryptobox\"},\"a.b\",[]]",
    "[16,1,{\"enc_algo\":\"cryptobox\"},\"a.b\",\"x\",{}]",
};

}  // namespace

TEST_CASE("valid JSON that is not a valid message is refused by both codecs", "[serializers][malformed]") {
    for (auto text : invalid_messages) {
        INFO(text);
        auto value = json_codec().decode(text);
        if (!value) FAIL("the corpus entry itself is not JSON: " << value.error().message);
        CHECK_FALSE(message_error(json_codec(), text).empty());
        CHECK_FALSE(message_error(msgpack_codec(), msgpack_codec().encode_value(value.value())).empty());
    }
}

TEST_CASE("every truncation of a valid message is refused by both codecs", "[serializers][malformed]") {
    for (auto codec : all_codecs()) {
        for (auto& [name, message] : test::sample_messages()) {
            auto whole = codec->encode(message);
            INFO(codec->subprotocol() << ": " << name);
            for (std::size_t n = 0; n < whole.size(); ++n) {
                INFO("first " << n << " bytes");
                CHECK_FALSE(message_error(*codec, std::string_view(whole).substr(0, n)).empty());
            }
        }
    }
}

TEST_CASE("empty and blank input is refused", "[serializers][malformed]") {
    CHECK_FALSE(message_error(json_codec(), "").empty());
    CHECK_FALSE(message_error(json_codec(), " \n\t").empty());
    CHECK_FALSE(message_error(msgpack_codec(), "").empty());
}

TEST_CASE("100000 levels of nesting are refused without recursion", "[serializers][malformed]") {
    const std::size_t depth = 100000;
    std::string open_only(depth, '[');
    std::string balanced = open_only + std::string(depth, ']');
    CHECK_THAT(message_error(json_codec(), open_only), Contains("nesting"));
    CHECK_THAT(message_error(json_codec(), balanced), Contains("nesting"));
    std::string dicts;
    for (std::size_t i = 0; i < depth; ++i) dicts += "{\"a\":";
    CHECK_THAT(message_error(json_codec(), dicts), Contains("nesting"));

    std::string packed_lists(depth, '\x91');  // fixarray of one element, over and over
    CHECK_THAT(message_error(msgpack_codec(), packed_lists), Contains("nesting"));
    std::string packed_maps;
    for (std::size_t i = 0; i < depth; ++i) packed_maps += test::from_hex("81a161");
    CHECK_THAT(message_error(msgpack_codec(), packed_maps), Contains("nesting"));
}

TEST_CASE("invalid UTF-8 inside a message is refused by both codecs", "[serializers][malformed]") {
    for (std::string bad : {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "ok\x80"}) {
        INFO(test::to_hex(bad));
        CHECK_FALSE(message_error(json_codec(), "[16,1,{},\"a.b\",[\"" + bad + "\"]]").empty());
        CHECK_FALSE(message_error(json_codec(), "[16,1,{},\"a." + bad + "\"]").empty());
        CHECK_FALSE(message_error(json_codec(), "[16,1,{\"" + bad + "\":1},\"a.b\"]").empty());
        // MessagePack: PUBLISH whose topic is a str holding `bad`.
        std::string packed = test::from_hex("94100180");  // [16, 1, {}, then the topic
        packed += static_cast<char>(0xa0 | bad.size());
        packed += bad;
        CHECK_THAT(message_error(msgpack_codec(), packed), Contains("UTF-8"));
    }
    CHECK_THAT(message_error(json_codec(), R"([16,1,{},"a.b",["\udc00"]])"), Contains("surrogate"));
}

TEST_CASE("trailing garbage after a valid message is refused", "[serializers][malformed]") {
    auto message = test::sample_message("CALL");
    auto text = json_codec().encode(message);
    for (std::string tail : {std::string("x"), std::string("[]"), std::string(","), std::string("]"),
                             std::string(1, '\0'), std::string("\0[1]", 4)}) {
        INFO(test::to_hex(tail));
        CHECK_FALSE(message_error(json_codec(), text + tail).empty());
    }
    auto packed = msgpack_codec().encode(message);
    for (std::string tail : {std::string(1, '\0'), std::string("\xc0"), packed}) {
        INFO(test::to_hex(tail));
        CHECK_THAT(message_error(msgpack_codec(), packed + tail), Contains("trailing"));
    }
}

TEST_CASE("a 10 MB string is refused by a 1 MiB limit before it is parsed", "[serializers][malformed]") {
    const DecodeLimits limits{1024 * 1024, 64};
    std::string big(10 * 1000 * 1000, 'x');
    std::string text = "[16,1,{},\"a.b\",[\"" + big + "\"]]";
    CHECK_THAT(message_error(json_codec(), text, limits), Contains("exceeds the limit of 1048576"));

    Message publish = Publish{1, {}, "a.b", test::args_only({Value{big}})};
    auto packed = msgpack_codec().encode(publish);
    CHECK_THAT(message_error(msgpack_codec(), packed, limits), Contains("exceeds the limit of 1048576"));
    // The same bytes are fine under the default 16 MiB limit: the limit, not the content, refused them.
    CHECK(message_error(json_codec(), text).empty());
    CHECK(message_error(msgpack_codec(), packed).empty());
}

TEST_CASE("random and mutated input never throws, and whatever decodes re-encodes stably", "[serializers][malformed]") {
    std::mt19937 rng(20240601);
    std::vector<std::string> seeds[2];
    for (auto& sample : test::sample_messages()) {
        seeds[0].push_back(json_codec().encode(sample.message));
        seeds[1].push_back(msgpack_codec().encode(sample.message));
    }
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        auto& codec = *all_codecs()[round % 2];
        auto& pool = seeds[round % 2];
        std::string input = pool[rng() % pool.size()];
        switch (rng() % 4) {
        case 0:  // flip bits
            for (int i = 0, n = 1 + rng() % 4; i < n; ++i) input[rng() % input.size()] ^= static_cast<char>(1 << (rng() % 8));
            break;
        case 1:  // overwrite a byte
            input[rng() % input.size()] = static_cast<char>(rng());
            break;
        case 2:  // delete a range
            input.erase(rng() % input.size(), 1 + rng() % 8);
            break;
        default:  // pure noise
            input.resize(rng() % 64);
            for (auto& c : input) c = static_cast<char>(rng());
            break;
        }
        INFO(codec.subprotocol() << " input " << test::to_hex(input));
        Result<Message> decoded = Error{};
        try {
            decoded = codec.decode_message(input);
        } catch (...) {
            FAIL("decode_message threw");
        }
        if (!decoded) {
            REQUIRE_FALSE(decoded.error().message.empty());
            continue;
        }
        ++accepted;
        // What the router accepts it must be able to send on, and reading that back must change nothing.
        auto once = codec.encode(*decoded);
        auto again = codec.decode_message(once);
        REQUIRE(again.ok());
        REQUIRE(codec.encode(*again) == once);
    }
    CHECK(accepted > 0);  // mutations that keep a message valid exercise the stability check
}
