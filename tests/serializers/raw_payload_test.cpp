#include <catch2/catch.hpp>

#include "allocation_meter.hpp"
#include "sample_messages.hpp"
#include "serializers/codec.hpp"
#include "serializers/message_mapper.hpp"

using namespace flyover;
using Catch::Matchers::Contains;

namespace {

const DecodeLimits keep_raw{16 * 1024 * 1024, 64, true};

const Payload& payload_of(const Message& m) {
    return std::visit(
        [](const auto& x) -> const Payload& {
            if constexpr (requires { x.payload; }) {
                return x.payload;
            } else {
                static const Payload none;
                return none;
            }
        },
        m);
}

}  // namespace

TEST_CASE("with keep_raw_payload, every sample message decodes to the same message once materialized",
          "[serializers][raw]") {
    for (auto codec : all_codecs()) {
        for (auto& [name, message] : test::sample_messages()) {
            INFO(codec->subprotocol() << ": " << name);
            auto bytes = codec->encode(message);
            auto kept = codec->decode_message(bytes, keep_raw);
            if (!kept) FAIL(kept.error().message);
            // Re-encoding for the same serializer gives the received bytes back.
            CHECK(codec->encode(*kept) == bytes);
            // For every other serializer, the same bytes as encoding the fully decoded message.
            for (auto other : all_codecs()) CHECK(other->encode(*kept) == other->encode(message));
            // And the values are the same.
            CHECK(message_to_value(*kept) == message_to_value(message));
        }
    }
}

TEST_CASE("payloads are kept as bytes only for routed messages with a list (and dict)", "[serializers][raw]") {
    for (auto codec : all_codecs()) {
        INFO(codec->subprotocol());
        Message publish = Publish{7, {{"acknowledge", true}}, "com.example.t", Payload{{1, "two", Dict{{"x", 1.5}}}, {{"k", List{1, 2}}}, {}}};
        auto kept = codec->decode_message(codec->encode(publish), keep_raw);
        REQUIRE(kept.ok());
        auto& p = payload_of(*kept);
        REQUIRE(p.raw);
        CHECK(p.raw->codec == codec->id());
        CHECK(p.args.empty());
        CHECK(p.kwargs.empty());
        Payload copy = p;
        materialize_payload(copy);
        CHECK(!copy.raw);
        CHECK(copy.args == List{1, "two", Dict{{"x", 1.5}}});
        CHECK(copy.kwargs == Dict{{"k", List{1, 2}}});

        // Without the flag nothing is kept.
        auto plain = codec->decode_message(codec->encode(publish));
        REQUIRE(plain.ok());
        CHECK(!payload_of(*plain).raw);

        // ABORT's payload is never kept (the router reads it).
        Message abort = Abort{{}, "wamp.error.x", Payload{{"why"}, {}, {}}};
        auto a = codec->decode_message(codec->encode(abort), keep_raw);
        REQUIRE(a.ok());
        CHECK(!payload_of(*a).raw);
        CHECK(payload_of(*a).args == List{"why"});
    }
}

TEST_CASE("kept payloads are validated like decoded ones", "[serializers][raw]") {
    SECTION("json") {
        auto& c = json_codec();
        CHECK_THAT(c.decode_message(R"([16,1,{},"t",{"not":"a list"}])", keep_raw).error().message,
                   Contains("Arguments must be a list"));
        CHECK_THAT(c.decode_message(R"([16,1,{},"t",[],[1]])", keep_raw).error().message,
                   Contains("ArgumentsKw must be a dict"));
        CHECK_THAT(c.decode_message(R"([16,1,{},"t","scalar"])", keep_raw).error().message,
                   Contains("Arguments must be a list"));
        CHECK(!c.decode_message(R"([16,1,{},"t",[1e999]])", keep_raw).ok());
        CHECK(!c.decode_message(R"([16,1,{},"t",["\u0000not base64!"]])", keep_raw).ok());
        CHECK(!c.decode_message(R"([16,1,{},"t",["\udc00"]])", keep_raw).ok());
        std::string deep = "[16,1,{},\"t\"," + std::string(70, '[') + std::string(70, ']') + "]";
        CHECK_THAT(c.decode_message(deep, keep_raw).error().message, Contains("nesting deeper"));
        // Whitespace and nesting inside the kept elements are kept verbatim.
        auto m = c.decode_message("[16, 1, {}, \"t\", [ [1, {\"a\": [2]}] , \"x\" ] , {\"k\" : {}} ]", keep_raw);
        REQUIRE(m.ok());
        auto& raw = *payload_of(*m).raw;
        CHECK(raw.bytes.substr(0, raw.args_size) == "[ [1, {\"a\": [2]}] , \"x\" ]");
        CHECK(raw.bytes.substr(raw.args_size) == "{\"k\" : {}}");
        CHECK(c.encode(*m) == "[16,1,{},\"t\",[ [1, {\"a\": [2]}] , \"x\" ],{\"k\" : {}}]");
        // The same when the transport has checked the UTF-8 (WebSocket text frames: RapidJSON's check is skipped).
        DecodeLimits checked = keep_raw;
        checked.input_is_utf8 = true;
        auto m2 = c.decode_message("[16, 1, {}, \"t\", [ [1, {\"a\": [2]}] , \"x\" ] , {\"k\" : {}} ]", checked);
        REQUIRE(m2.ok());
        CHECK(c.encode(*m2) == c.encode(*m));
        CHECK(!c.decode_message(R"([16,1,{},"t",["\udc00"]])", checked).ok());
        CHECK(!c.decode_message(R"([16,1,{},"t",[1e999]])", checked).ok());
    }
    SECTION("msgpack") {
        auto& c = msgpack_codec();
        Message bad_args = Publish{1, {}, "t", Payload{}};
        auto bytes = c.encode_value(List{16, 1, Dict{}, "t", Dict{{"not", "a list"}}});
        CHECK_THAT(c.decode_message(bytes, keep_raw).error().message, Contains("Arguments must be a list"));
        bytes = c.encode_value(List{16, 1, Dict{}, "t", List{}, List{1}});
        CHECK_THAT(c.decode_message(bytes, keep_raw).error().message, Contains("ArgumentsKw must be a dict"));
        // Invalid UTF-8 inside a kept list is refused.
        std::string invalid = c.encode_value(List{16, 1, Dict{}, "t", List{"ab"}});
        invalid[invalid.size() - 1] = '\xff';
        CHECK_THAT(c.decode_message(invalid, keep_raw).error().message, Contains("UTF-8"));
        // Truncated and trailing bytes.
        auto good = c.encode_value(List{16, 1, Dict{}, "t", List{1, 2, 3}});
        CHECK(!c.decode_message(good.substr(0, good.size() - 1), keep_raw).ok());
        CHECK(!c.decode_message(good + '\x01', keep_raw).ok());
        Value deep = List{};
        for (int i = 0; i < 70; ++i) deep = List{deep};
        bytes = c.encode_value(List{16, 1, Dict{}, "t", deep});
        CHECK_THAT(c.decode_message(bytes, keep_raw).error().message, Contains("nesting deeper"));
    }
}

TEST_CASE("payload passthru mode keeps its one opaque element as a value", "[serializers][raw]") {
    for (auto codec : all_codecs()) {
        Message m = Publish{1, {{"enc_algo", "cryptobox"}}, "t", Payload{{}, {}, Value{Bytes{"\x01\x02"}}}};
        auto kept = codec->decode_message(codec->encode(m), keep_raw);
        REQUIRE(kept.ok());
        CHECK(*kept == m);
    }
}

TEST_CASE("keeping payloads refuses exactly what decoding refuses, for every truncation and corrupted byte",
          "[serializers][raw]") {
    for (auto codec : all_codecs()) {
        for (auto& [name, message] : test::sample_messages()) {
            INFO(codec->subprotocol() << ": " << name);
            auto bytes = codec->encode(message);
            for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
                auto part = bytes.substr(0, cut);
                CHECK(codec->decode_message(part, keep_raw).ok() == codec->decode_message(part).ok());
            }
            for (std::size_t at = 0; at < bytes.size(); at += 3) {
                for (unsigned char flip : {0x01, 0x80, 0xff}) {
                    auto bad = bytes;
                    bad[at] = static_cast<char>(static_cast<unsigned char>(bad[at]) ^ flip);
                    auto kept = codec->decode_message(bad, keep_raw);
                    auto plain = codec->decode_message(bad);
                    REQUIRE(kept.ok() == plain.ok());
                    if (kept.ok()) CHECK(message_to_value(*kept) == message_to_value(*plain));
                }
            }
        }
    }
}

TEST_CASE("a scalar where Arguments belong is refused with the usual message", "[serializers][raw]") {
    for (auto codec : all_codecs()) {
        auto bytes = codec->encode_value(List{16, 1, Dict{}, "t", "scalar"});
        CHECK_THAT(codec->decode_message(bytes, keep_raw).error().message, Contains("Arguments must be a list"));
        bytes = codec->encode_value(List{48, 1, Dict{}, "p", List{1}, 7});
        CHECK_THAT(codec->decode_message(bytes, keep_raw).error().message, Contains("ArgumentsKw must be a dict"));
    }
}

TEST_CASE("make_raw_payload keeps the struct and its bytes in one allocation", "[serializers][raw]") {
    std::string args = "[1,\"two\",{\"x\":[3]}]", kwargs = "{\"k\":\"v\"}";
    std::shared_ptr<const RawPayload> raw;
    {
        test::AllocationMeter meter;
        raw = make_raw_payload(Serializer::json, args, kwargs);
        CHECK(meter.count() == 1);
    }
    CHECK(raw->codec == Serializer::json);
    CHECK(raw->args_size == args.size());
    CHECK(raw->bytes == args + kwargs);
    // The bytes are a copy: the source may go away.
    args.assign(args.size(), 'x');
    CHECK(raw->bytes.substr(0, raw->args_size) == "[1,\"two\",{\"x\":[3]}]");
    // Copies share the block; the bytes live as long as any copy.
    auto copy = raw;
    raw.reset();
    CHECK(copy->bytes.substr(copy->args_size) == kwargs);
    // No kwargs, and nothing at all.
    auto only_args = make_raw_payload(Serializer::msgpack, "\x91\x01", {});
    CHECK(only_args->args_size == only_args->bytes.size());
    auto empty = make_raw_payload(Serializer::msgpack, {}, {});
    CHECK(empty->bytes.empty());
    // The struct sits at the start of the block, aligned for any type.
    CHECK(reinterpret_cast<std::uintptr_t>(copy.get()) % alignof(std::max_align_t) == 0);
}
