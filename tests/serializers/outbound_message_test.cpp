#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "sample_messages.hpp"
#include "serializers/outbound_message.hpp"

using namespace flyover;

TEST_CASE("an outbound message is encoded once per codec and the bytes are shared", "[serializers][outbound]") {
    auto message = test::sample_message("PUBLISH rich");
    auto shared = make_shared_message(message);
    CHECK(shared->message() == message);

    auto json1 = shared->encoded(json_codec());
    auto json2 = shared->encoded(json_codec());
    REQUIRE(json1);
    CHECK(json1.get() == json2.get());
    CHECK(*json1 == json_codec().encode(message));

    auto packed1 = shared->encoded(msgpack_codec());
    auto packed2 = shared->encoded(msgpack_codec());
    REQUIRE(packed1);
    CHECK(packed1.get() == packed2.get());
    CHECK(packed1.get() != json1.get());
    CHECK(*packed1 == msgpack_codec().encode(message));
    // Holders keep the bytes alive after the message is gone.
    shared.reset();
    CHECK(*json1 == json_codec().encode(message));
}

TEST_CASE("concurrent first uses of an outbound message share one encoding", "[serializers][outbound]") {
    OutboundMessage out{Event{1, 2, {}, test::rich_payload()}};
    std::vector<std::shared_ptr<const std::string>> seen(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i)
        threads.emplace_back([&, i] { seen[i] = out.encoded(i % 2 ? msgpack_codec() : json_codec()); });
    for (auto& t : threads) t.join();
    for (std::size_t i = 2; i < seen.size(); ++i) CHECK(seen[i].get() == seen[i % 2].get());
    CHECK(seen[0].get() != seen[1].get());
}
