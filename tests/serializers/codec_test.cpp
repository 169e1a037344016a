#include <catch2/catch.hpp>

#include "sample_messages.hpp"
#include "serializers/codec.hpp"
#include "serializers/message_mapper.hpp"

using namespace flyover;
using Catch::Matchers::Contains;

TEST_CASE("codecs are found by subprotocol and listed in Serializer order", "[serializers][codec]") {
    CHECK(codec_for_subprotocol("wamp.2.json") == &json_codec());
    CHECK(codec_for_subprotocol("wamp.2.msgpack") == &msgpack_codec());
    CHECK(codec_for_subprotocol("wamp.2.cbor") == nullptr);
    CHECK(codec_for_subprotocol("wamp.2.JSON") == nullptr);
    CHECK(codec_for_subprotocol("") == nullptr);
    const auto& all = all_codecs();
    for (std::size_t i = 0; i < all.size(); ++i) CHECK(static_cast<std::size_t>(all[i]->id()) == i);
}

TEST_CASE("every sample message round-trips through every codec", "[serializers][codec]") {
    for (auto codec : all_codecs()) {
        for (auto& [name, message] : test::sample_messages()) {
            INFO(codec->subprotocol() << ": " << name);
            auto bytes = codec->encode(message);
            // Encoding the message directly and encoding its Value must give identical bytes.
            CHECK(bytes == codec->encode_value(message_to_value(message)));
            auto back = codec->decode_message(bytes);
            if (!back) FAIL(back.error().message);
            CHECK(*back == message);
        }
    }
}

TEST_CASE("JSON -> Value -> MessagePack -> Value gives an equal Value", "[serializers][codec]") {
    for (auto& [name, message] : test::sample_messages()) {
        INFO(name);
        auto from_json = json_codec().decode(json_codec().encode(message));
        REQUIRE(from_json.ok());
        CHECK(from_json.value() == message_to_value(message));
        auto via_msgpack = msgpack_codec().decode(msgpack_codec().encode_value(from_json.value()));
        REQUIRE(via_msgpack.ok());
        CHECK(via_msgpack.value() == from_json.value());
        // And back again into JSON: the text is the same as the direct encoding.
        CHECK(json_codec().encode_value(via_msgpack.value()) == json_codec().encode(message));
    }
}

TEST_CASE("decode_message reports codec errors and mapper errors alike", "[serializers][codec]") {
    for (auto codec : all_codecs()) {
        INFO(codec->subprotocol());
        auto not_a_message = codec->decode_message(codec->encode_value(Value{Dict{}}));
        REQUIRE_FALSE(not_a_message.ok());
        CHECK_THAT(not_a_message.error().message, Contains("must be a list"));
        auto bad_bytes = codec->decode_message("\xc1{");
        CHECK_FALSE(bad_bytes.ok());
        auto too_big = codec->decode_message(codec->encode(Publish{1, {}, "a.b", {}}), DecodeLimits{4, 64});
        REQUIRE_FALSE(too_big.ok());
        CHECK_THAT(too_big.error().message, Contains("exceeds the limit"));
    }
}
