#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "sample_messages.hpp"
#include "allocation_meter.hpp"
#include "serializers/outbound_message.hpp"

using namespace flyover;

TEST_CASE("an outbound message is encoded once per codec and the bytes are shared", "[serializers][outbound]") {
    auto message = test::sample_message("PUBLISH rich");
    auto shared = make_shared_message(message);
    CHECK(shared->message() == message);

    auto json1 = shared->encoded(json_codec());
    auto json2 = shared->encoded(json_codec());
    REQUIRE(!json1.empty());
    CHECK(json1.data() == json2.data());
    CHECK(json1.view() == json_codec().encode(message));

    auto packed1 = shared->encoded(msgpack_codec());
    auto packed2 = shared->encoded(msgpack_codec());
    REQUIRE(!packed1.empty());
    CHECK(packed1.data() == packed2.data());
    CHECK(packed1.data() != json1.data());
    CHECK(packed1.view() == msgpack_codec().encode(message));
    // Holders keep the bytes alive after the message is gone.
    shared.reset();
    CHECK(json1.view() == json_codec().encode(message));
}

TEST_CASE("concurrent first uses of an outbound message share one encoding", "[serializers][outbound]") {
    OutboundMessage out{Event{1, 2, {}, test::rich_payload()}};
    std::vector<SharedBytes> seen(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i)
        threads.emplace_back([&, i] { seen[i] = out.encoded(i % 2 ? msgpack_codec() : json_codec()); });
    for (auto& t : threads) t.join();
    for (std::size_t i = 2; i < seen.size(); ++i) CHECK(seen[i].data() == seen[i % 2].data());
    CHECK(seen[0].data() != seen[1].data());
}

TEST_CASE("encode_shared copies the thread's scratch encoding into bytes of its own", "[serializers][outbound]") {
    for (const Codec* codec : all_codecs()) {
        INFO(codec->subprotocol());
        // A message bigger than the scratch buffer keeps, then small ones: each result stays intact after the
        // scratch buffer is reused, shrunk and reused again.
        Message big = Event{1, 2, {}, test::args_only(List{Value{std::string(100 * 1024, 'x')}})};
        Message small = Event{3, 4, {}, test::args_only(List{Value{"hi"}})};
        auto big_bytes = codec->encode_shared(big);
        auto small_bytes = codec->encode_shared(small);
        auto big_again = codec->encode_shared(big);
        CHECK(big_bytes.view() == codec->encode(big));
        CHECK(small_bytes.view() == codec->encode(small));
        CHECK(big_again.view() == big_bytes.view());
        CHECK(big_again.data() != big_bytes.data());
        CHECK(codec->decode_message(small_bytes.view()).value() == small);
    }
}

TEST_CASE("a warmed-up codec encodes a routed message with one allocation", "[serializers][outbound]") {
    // INVOCATION and RESULT carry the caller's payload as the raw bytes it arrived in: encoding them must not
    // allocate beyond the shared bytes (the scratch buffer and the writer's stack are reused).
    for (const Codec* codec : all_codecs()) {
        INFO(codec->subprotocol());
        auto raw = codec->decode_message(codec->encode(Yield{7, {}, test::rich_payload()}), DecodeLimits{1 << 20, 64, true});
        REQUIRE(raw);
        Message result = ResultMessage{0, {}, std::move(std::get<Yield>(raw.value()).payload)};
        (void)codec->encode_shared(result);  // first use on this thread sizes the scratch buffer
        test::AllocationMeter meter;
        auto bytes = codec->encode_shared(result);
        CHECK(meter.count() == 1);
        CHECK(bytes.view() == codec->encode(result));
    }
}
