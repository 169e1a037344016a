#include <catch2/catch.hpp>

#include "serializers/ids.hpp"

using namespace flyover;

TEST_CASE("ids are integers in [1, 2^53]", "[serializers][ids]") {
    CHECK(max_id == 9007199254740992ULL);
    CHECK_FALSE(is_valid_id(0));
    CHECK(is_valid_id(1));
    CHECK(is_valid_id(max_id));
    CHECK_FALSE(is_valid_id(max_id + 1));
    CHECK_FALSE(is_valid_id(UINT64_MAX));
}

TEST_CASE("sequential ids count up from 1", "[serializers][ids]") {
    SequentialIdGenerator gen;
    CHECK(gen.next() == 1);
    CHECK(gen.next() == 2);
    CHECK(gen.next() == 3);
}

TEST_CASE("random ids stay in range and follow their seed", "[serializers][ids]") {
    RandomIdGenerator a(42), b(42), c(43);
    bool differs = false;
    Id high_bits_seen = 0;
    for (int i = 0; i < 10000; ++i) {
        Id x = a.next();
        REQUIRE(is_valid_id(x));
        CHECK(x == b.next());
        differs = differs || x != c.next();
        high_bits_seen |= x;
    }
    CHECK(differs);
    // Uniform over 2^53 values: 10000 draws set bit 52 and bit 0 with overwhelming likelihood.
    CHECK((high_bits_seen & (1ULL << 52)) != 0);
    CHECK((high_bits_seen & 1) != 0);
    RandomIdGenerator unseeded;
    CHECK(is_valid_id(unseeded.next()));
}
