#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "realm/uri_index.hpp"

using namespace flyover;
using realm::UriIndex;

namespace {

std::vector<std::string_view> components(std::string_view uri) {
    std::vector<std::string_view> out;
    for (;;) {
        auto dot = uri.find('.');
        out.push_back(uri.substr(0, dot));
        if (dot == std::string_view::npos) return out;
        uri.remove_prefix(dot + 1);
    }
}

/// The reference matcher: the spec's rules written the obvious way, scanning everything.
bool brute_matches(std::string_view pattern, MatchPolicy policy, std::string_view uri) {
    switch (policy) {
    case MatchPolicy::exact: return pattern == uri;
    case MatchPolicy::prefix: return uri.substr(0, pattern.size()) == pattern;
    case MatchPolicy::wildcard: {
        auto p = components(pattern);
        auto u = components(uri);
        if (p.size() != u.size()) return false;
        for (std::size_t i = 0; i < p.size(); ++i)
            if (!p[i].empty() && p[i] != u[i]) return false;
        return true;
    }
    }
    return false;
}

using Key = std::pair<std::string, MatchPolicy>;

/// Whether wildcard pattern `a` takes precedence over `b` (both match the same URI, so both have as many
/// components as it): the spec's "longer portion before each wildcard", compared wildcard by wildcard.
bool wildcard_precedes(std::string_view a, std::string_view b) {
    auto runs = [](std::string_view p) {
        std::vector<std::size_t> r{0};
        for (auto c : components(p)) {
            if (c.empty()) r.push_back(0);
            else ++r.back();
        }
        return r;
    };
    return runs(a) > runs(b);
}

const std::map<Key, int>::value_type* brute_best(const std::map<Key, int>& entries, std::string_view uri) {
    const std::map<Key, int>::value_type* exact = nullptr;
    const std::map<Key, int>::value_type* prefix = nullptr;
    const std::map<Key, int>::value_type* wildcard = nullptr;
    for (auto& e : entries) {
        auto& [pattern, policy] = e.first;
        if (!brute_matches(pattern, policy, uri)) continue;
        switch (policy) {
        case MatchPolicy::exact: exact = &e; break;
        case MatchPolicy::prefix:
            if (!prefix || pattern.size() > prefix->first.first.size()) prefix = &e;
            break;
        case MatchPolicy::wildcard:
            if (!wildcard || wildcard_precedes(pattern, wildcard->first.first)) wildcard = &e;
            break;
        }
    }
    return exact ? exact : prefix ? prefix : wildcard;
}

/// Random URIs over a tiny alphabet, so that patterns and topics collide often.
struct Generator {
    std::mt19937 rng;
    explicit Generator(unsigned seed) : rng(seed) {}

    std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }

    std::string topic() {
        static const char* const parts[] = {"a", "b", "ab", "a2", "c", "com", "x"};
        std::string t;
        auto n = 1 + below(5);
        for (std::size_t i = 0; i < n; ++i) {
            if (i) t += '.';
            t += parts[below(std::size(parts))];
        }
        return t;
    }
    std::string prefix() {
        auto t = topic();
        return t.substr(0, 1 + below(t.size()));  // any character cut, also "a." and "a.a"
    }
    std::string wildcard() {
        auto t = topic();
        auto c = components(t);
        std::string p;
        for (std::size_t i = 0; i < c.size(); ++i) {
            if (i) p += '.';
            if (below(3) != 0) p += c[i];
        }
        return p;
    }
    Key key() {
        switch (below(3)) {
        case 0: return {topic(), MatchPolicy::exact};
        case 1: return {prefix(), MatchPolicy::prefix};
        default: return {wildcard(), MatchPolicy::wildcard};
        }
    }
};

}  // namespace

TEST_CASE("uri index: exact, prefix and wildcard matching by example", "[realm][uri_index]") {
    UriIndex<int> index;
    index.insert("com.myapp.topic", MatchPolicy::exact, 1);
    index.insert("com.myapp", MatchPolicy::prefix, 2);
    index.insert("com.myapp.", MatchPolicy::prefix, 3);
    index.insert("com..topic", MatchPolicy::wildcard, 4);
    index.insert("com.myapp..userevent", MatchPolicy::wildcard, 5);
    CHECK(index.size() == 5);

    auto matches = [&](std::string_view uri) {
        std::vector<int> out;
        index.for_each_match(uri, [&](int& v) { out.push_back(v); });
        return out;
    };
    CHECK(matches("com.myapp.topic") == std::vector<int>{1, 2, 3, 4});
    CHECK(matches("com.myapp") == std::vector<int>{2});
    // Plain string prefix, as the spec's "emergency-low" example and Crossbar: "com.myapp" matches "com.myapp2".
    CHECK(matches("com.myapp2") == std::vector<int>{2});
    CHECK(matches("com.myapp2.topic") == std::vector<int>{2, 4});
    CHECK(matches("com.myapp.foo.userevent") == std::vector<int>{2, 3, 5});
    CHECK(matches("com.myapp.foo.userevent.bar") == std::vector<int>{2, 3});
    CHECK(matches("com.myapp2.foo.userevent") == std::vector<int>{2});  // the wildcard wants "com.myapp"
    CHECK(matches("org.myapp.topic").empty());

    CHECK(*index.best_match("com.myapp.topic") == 1);
    CHECK(*index.best_match("com.myapp.x") == 3);
    CHECK(*index.best_match("com.myapp") == 2);
    CHECK(*index.best_match("com.other.topic") == 4);
    CHECK(index.best_match("org") == nullptr);

    CHECK(index.find("com.myapp", MatchPolicy::prefix) != nullptr);
    CHECK(index.find("com.myapp", MatchPolicy::exact) == nullptr);
    CHECK(index.find("com.myap", MatchPolicy::prefix) == nullptr);
    CHECK(index.find("com..topic", MatchPolicy::wildcard) != nullptr);
    CHECK(index.find("com..", MatchPolicy::wildcard) == nullptr);

    CHECK(index.erase("com.myapp", MatchPolicy::prefix));
    CHECK_FALSE(index.erase("com.myapp", MatchPolicy::prefix));
    CHECK(matches("com.myapp2").empty());
    CHECK(*index.find("com.myapp.", MatchPolicy::prefix) == 3);
    CHECK(index.size() == 4);
}

TEST_CASE("uri index: the spec's registration precedence examples", "[realm][uri_index]") {
    // advanced/rpc_pattern_based_registration.md, "Examples".
    UriIndex<int> index;
    index.insert("a1.b2.c3.d4.e55", MatchPolicy::exact, 1);
    index.insert("a1.b2.c3", MatchPolicy::prefix, 2);
    index.insert("a1.b2.c3.d4", MatchPolicy::prefix, 3);
    index.insert("a1.b2..d4.e5", MatchPolicy::wildcard, 4);
    index.insert("a1.b2.c33..e5", MatchPolicy::wildcard, 5);
    index.insert("a1.b2..d4.e5..g7", MatchPolicy::wildcard, 6);
    index.insert("a1.b2..d4..f6.g7", MatchPolicy::wildcard, 7);

    CHECK(*index.best_match("a1.b2.c3.d4.e55") == 1);
    CHECK(*index.best_match("a1.b2.c3.d98.e74") == 2);
    CHECK(*index.best_match("a1.b2.c3.d4.e325") == 3);
    CHECK(*index.best_match("a1.b2.c55.d4.e5") == 4);
    CHECK(*index.best_match("a1.b2.c88.d4.e5.f6.g7") == 6);
    CHECK(index.best_match("a2.b2.c2.d2.e2") == nullptr);
    // The spec's table says "a1.b2.c33.d4.e5" has no prefix match, but its pubsub section makes prefixes plain
    // string prefixes ("emergency" matches "emergency-low") and so does Crossbar: prefix "a1.b2.c3" matches it.
    // We keep one prefix semantics for both; without the prefixes, the spec's wildcard choice holds.
    CHECK(*index.best_match("a1.b2.c33.d4.e5") == 2);
    index.erase("a1.b2.c3", MatchPolicy::prefix);
    index.erase("a1.b2.c3.d4", MatchPolicy::prefix);
    CHECK(*index.best_match("a1.b2.c33.d4.e5") == 5);
}

TEST_CASE("uri index: entries keep their address while others come and go", "[realm][uri_index]") {
    UriIndex<std::string> index;
    auto& kept_prefix = index.insert("com.example.long", MatchPolicy::prefix, "p");
    auto& kept_wildcard = index.insert("com..x", MatchPolicy::wildcard, "w");
    auto& kept_exact = index.insert("com.example", MatchPolicy::exact, "e");
    // Splits the "com.example.long" edge, then merges it back when erased.
    index.insert("com.ex", MatchPolicy::prefix, "split");
    index.insert("com.example.lo", MatchPolicy::prefix, "split2");
    index.insert("com.y.x", MatchPolicy::wildcard, "w2");
    for (int i = 0; i < 100; ++i) index.insert("com.example." + std::to_string(i), MatchPolicy::exact, "fill");
    CHECK(index.erase("com.ex", MatchPolicy::prefix));
    CHECK(index.erase("com.example.lo", MatchPolicy::prefix));
    CHECK(index.erase("com.y.x", MatchPolicy::wildcard));
    CHECK(index.find("com.example.long", MatchPolicy::prefix) == &kept_prefix);
    CHECK(index.find("com..x", MatchPolicy::wildcard) == &kept_wildcard);
    CHECK(index.find("com.example", MatchPolicy::exact) == &kept_exact);
    CHECK(index.best_match("com.example.longer") == &kept_prefix);

    std::size_t visited = 0;
    index.for_each([&](std::string&) { ++visited; });
    CHECK(visited == index.size());
    CHECK(index.size() == 103);
}

TEST_CASE("uri index agrees with a brute-force matcher on random patterns and topics", "[realm][uri_index]") {
    for (unsigned seed = 1; seed <= 40; ++seed) {
        INFO("seed " << seed);
        Generator gen(seed);
        UriIndex<int> index;
        std::map<Key, int> entries;
        int next_value = 0;
        for (int round = 0; round < 400; ++round) {
            // Mostly inserts, some erases, so that the trees grow and shrink (splits and merges).
            auto key = gen.key();
            if (gen.below(4) == 0 || entries.count(key)) {
                bool present = entries.erase(key) > 0;
                REQUIRE(index.erase(key.first, key.second) == present);
            } else {
                entries[key] = next_value;
                REQUIRE(index.insert(key.first, key.second, next_value) == next_value);
                ++next_value;
            }
            REQUIRE(index.size() == entries.size());

            for (int q = 0; q < 5; ++q) {
                auto topic = gen.topic();
                INFO("topic " << topic);
                std::vector<int> expected;
                for (auto& [k, v] : entries) {
                    if (brute_matches(k.first, k.second, topic)) expected.push_back(v);
                    if (k.second == MatchPolicy::wildcard)
                        REQUIRE(realm::wildcard_matches(k.first, topic) == brute_matches(k.first, k.second, topic));
                }
                std::vector<int> got;
                index.for_each_match(topic, [&](int& v) { got.push_back(v); });
                std::sort(expected.begin(), expected.end());
                std::sort(got.begin(), got.end());
                REQUIRE(got == expected);

                auto best = brute_best(entries, topic);
                auto* found = index.best_match(topic);
                if (best) {
                    INFO("expected best " << best->first.first << " policy " << static_cast<int>(best->first.second));
                    REQUIRE(found != nullptr);
                    REQUIRE(*found == best->second);
                } else {
                    REQUIRE(found == nullptr);
                }
            }
        }
        // find() sees exactly the stored entries, and for_each visits each once.
        for (auto& [k, v] : entries) {
            auto* p = index.find(k.first, k.second);
            REQUIRE(p != nullptr);
            REQUIRE(*p == v);
        }
        std::vector<int> all;
        index.for_each([&](int& v) { all.push_back(v); });
        REQUIRE(all.size() == entries.size());
        // Erasing everything leaves nothing that matches.
        for (auto& [k, v] : entries) REQUIRE(index.erase(k.first, k.second));
        REQUIRE(index.size() == 0);
        bool any = false;
        index.for_each_match("a.b", [&](int&) { any = true; });
        REQUIRE_FALSE(any);
    }
}
