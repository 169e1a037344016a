#include <catch2/catch.hpp>

#include <string>

#include "serializers/base64.hpp"

using namespace flyover;

TEST_CASE("base64 matches the RFC 4648 section 10 vectors both ways", "[serializers][base64]") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (auto [plain, encoded] : vectors) {
        INFO(plain);
        CHECK(base64_encode(plain) == encoded);
        CHECK(base64_decode(encoded) == std::optional<std::string>(plain));
    }
}

TEST_CASE("base64 uses the standard alphabet with + and /", "[serializers][base64]") {
    CHECK(base64_encode(std::string("\xfb\xff", 2)) == "+/8=");
    CHECK(base64_decode("+/8=") == std::optional<std::string>(std::string("\xfb\xff", 2)));
    CHECK_FALSE(base64_decode("-_8=").has_value());  // the URL-safe alphabet is a different encoding
}

TEST_CASE("base64 round-trips every byte value", "[serializers][base64]") {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (std::size_t len = 0; len <= all.size(); len += 37) {
        auto part = all.substr(all.size() - len);
        INFO(len);
        auto text = base64_encode(part);
        CHECK(text.size() == (len + 2) / 3 * 4);
        CHECK(base64_decode(text) == std::optional<std::string>(part));
    }
}

TEST_CASE("base64 accepts unpadded input", "[serializers][base64]") {
    CHECK(base64_decode("Zg") == std::optional<std::string>("f"));
    CHECK(base64_decode("Zm8") == std::optional<std::string>("fo"));
    CHECK(base64_decode("Zm9vYg") == std::optional<std::string>("foob"));
}

TEST_CASE("base64 rejects malformed input", "[serializers][base64]") {
    for (auto bad : {"Z", "Zm9vY", "Zg=", "Zm9v=", "Zm9v===", "====", "=", "Zg==Zg==", "Zm 9v", "Zm9v\n", "Zm9v!",
                     "Z\xc3\xa9==", "Zm8=Zm8="}) {
        INFO(bad);
        CHECK_FALSE(base64_decode(bad).has_value());
    }
}
