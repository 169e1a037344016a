#include <catch2/catch.hpp>

#include "serializers/uri.hpp"

using namespace flyover;

TEST_CASE("loose URIs: components without '.', '#' or whitespace", "[serializers][uri]") {
    for (auto uri : {"com.myapp.topic", "a", "com.MyApp.Topic-1", "com.caf\xc3\xa9.x", "com.app.2nd", "wamp.session.get"}) {
        INFO(uri);
        CHECK(is_valid_uri(uri));
        CHECK(is_valid_uri(uri, UriRule::loose, true));
    }
    for (auto uri : {"", ".", "a..b", ".a", "a.", "a b.c", "a#b", "a\tb", "a.\nb", "com.app.#"}) {
        INFO(uri);
        CHECK_FALSE(is_valid_uri(uri));
    }
}

TEST_CASE("strict URIs: components of [0-9a-z_] only", "[serializers][uri]") {
    for (auto uri : {"com.myapp.topic_1", "a", "0.1.2"}) {
        INFO(uri);
        CHECK(is_valid_uri(uri, UriRule::strict));
    }
    for (auto uri : {"com.MyApp", "com.my-app", "com.caf\xc3\xa9", "a..b", "", "com.app."}) {
        INFO(uri);
        CHECK_FALSE(is_valid_uri(uri, UriRule::strict));
    }
}

TEST_CASE("empty components only when allowed; the empty string never", "[serializers][uri]") {
    for (auto uri : {"a..b", ".a", "a.", "..", "com..update"}) {
        INFO(uri);
        CHECK_FALSE(is_valid_uri(uri));
        CHECK(is_valid_uri(uri, UriRule::loose, true));
        CHECK(is_valid_uri(uri, UriRule::strict, true));
    }
    CHECK_FALSE(is_valid_uri("", UriRule::loose, true));
    CHECK_FALSE(is_valid_uri("", UriRule::strict, true));
    CHECK_FALSE(is_valid_uri("a b..c", UriRule::loose, true));
    CHECK_FALSE(is_valid_uri("A..b", UriRule::strict, true));
}

TEST_CASE("match policies: exact needs every component, prefix may end in '.', wildcard may skip", "[serializers][uri]") {
    CHECK(is_valid_pattern("com.myapp.topic", MatchPolicy::exact));
    CHECK_FALSE(is_valid_pattern("com.myapp.", MatchPolicy::exact));
    CHECK_FALSE(is_valid_pattern("com..topic", MatchPolicy::exact));

    CHECK(is_valid_pattern("com.myapp", MatchPolicy::prefix));
    CHECK(is_valid_pattern("com.myapp.", MatchPolicy::prefix));
    CHECK_FALSE(is_valid_pattern("com..myapp.", MatchPolicy::prefix));
    CHECK_FALSE(is_valid_pattern("com.myapp..", MatchPolicy::prefix));
    CHECK_FALSE(is_valid_pattern(".", MatchPolicy::prefix));
    CHECK_FALSE(is_valid_pattern("", MatchPolicy::prefix));
    CHECK_FALSE(is_valid_pattern("com.MyApp.", MatchPolicy::prefix, UriRule::strict));

    CHECK(is_valid_pattern("com..update", MatchPolicy::wildcard));
    CHECK(is_valid_pattern(".a.", MatchPolicy::wildcard));
    CHECK(is_valid_pattern("com.myapp.update", MatchPolicy::wildcard));
    CHECK_FALSE(is_valid_pattern("com. .update", MatchPolicy::wildcard));
    CHECK_FALSE(is_valid_pattern("", MatchPolicy::wildcard));
}

TEST_CASE("reserved URIs start with the component \"wamp\"", "[serializers][uri]") {
    CHECK(is_reserved_uri("wamp"));
    CHECK(is_reserved_uri("wamp.session.get"));
    CHECK(is_reserved_uri("wamp.error.invalid_uri"));
    CHECK_FALSE(is_reserved_uri("wampx.session"));
    CHECK_FALSE(is_reserved_uri("com.wamp.session"));
    CHECK_FALSE(is_reserved_uri("wam"));
    CHECK_FALSE(is_reserved_uri(""));
}
