#include <catch2/catch.hpp>

#include <string>

#include "serializers/utf8.hpp"

using namespace flyover;

namespace {
bool valid(const std::string& s) { return is_valid_utf8(s); }
}  // namespace

TEST_CASE("well-formed UTF-8 is accepted", "[serializers][utf8]") {
    CHECK(valid(""));
    CHECK(valid("plain ascii"));
    CHECK(valid(std::string("nul\0inside", 10)));
    CHECK(valid("\xc2\x80"));          // U+0080, smallest 2-byte
    CHECK(valid("caf\xc3\xa9"));       // é
    CHECK(valid("\xdf\xbf"));          // U+07FF
    CHECK(valid("\xe0\xa0\x80"));      // U+0800, smallest 3-byte
    CHECK(valid("\xe2\x82\xac"));      // €
    CHECK(valid("\xed\x9f\xbf"));      // U+D7FF, just below the surrogates
    CHECK(valid("\xee\x80\x80"));      // U+E000, just above them
    CHECK(valid("\xef\xbf\xbf"));      // U+FFFF
    CHECK(valid("\xf0\x90\x80\x80"));  // U+10000, smallest 4-byte
    CHECK(valid("\xf0\x9d\x84\x9e"));  // 𝄞
    CHECK(valid("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the last code point
}

TEST_CASE("overlong forms are rejected", "[serializers][utf8]") {
    for (auto s : {"\xc0\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf", "\xf0\x80\x80\x80",
                   "\xf0\x8f\xbf\xbf"}) {
        INFO(s);
        CHECK_FALSE(valid(s));
    }
}

TEST_CASE("surrogates are rejected", "[serializers][utf8]") {
    for (auto s : {"\xed\xa0\x80", "\xed\xad\xbf", "\xed\xb0\x80", "\xed\xbf\xbf", "\xed\xa0\xbd\xed\xb2\xa9"}) {
        INFO(s);
        CHECK_FALSE(valid(s));
    }
}

TEST_CASE("code points above U+10FFFF and invalid lead bytes are rejected", "[serializers][utf8]") {
    for (auto s : {"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf7\xbf\xbf\xbf", "\xf8\x88\x80\x80\x80", "\xfe", "\xff"}) {
        INFO(s);
        CHECK_FALSE(valid(s));
    }
}

TEST_CASE("truncated sequences and stray continuation bytes are rejected", "[serializers][utf8]") {
    for (auto s : {"\xc3", "\xe2\x82", "\xf0\x9d\x84", "abc\xe2\x82", "\x80", "\xbf", "a\x80z", "\xc3\x28",
                   "\xe2\x28\xa1", "\xe2\x82\x28", "\xf0\x9d\x28\x9e", "\xf0\x9d\x84\x28"}) {
        INFO(s);
        CHECK_FALSE(valid(s));
    }
}
