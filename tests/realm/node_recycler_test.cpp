#include <catch2/catch.hpp>

#include <functional>
#include <unordered_map>

#include "realm/node_recycler.hpp"

using namespace flyover::realm;

namespace {

using Map = std::unordered_map<int, long, std::hash<int>, std::equal_to<int>, NodeRecycler<std::pair<const int, long>>>;

Map make_map(NodeFreeLists& lists) {
    return Map(0, std::hash<int>{}, std::equal_to<int>{}, NodeRecycler<std::pair<const int, long>>(lists));
}

}  // namespace

TEST_CASE("a freed node is reused by the next insert", "[realm][node_recycler]") {
    NodeFreeLists lists;
    auto map = make_map(lists);
    map.reserve(64);  // the bucket array is allocated once, from the heap, not from the free lists
    map.emplace(1, 10);
    const void* node = &*map.find(1);
    map.erase(1);
    map.emplace(2, 20);
    CHECK(static_cast<const void*>(&*map.find(2)) == node);
    CHECK(map.at(2) == 20);
}

TEST_CASE("the containers work as usual on recycled nodes", "[realm][node_recycler]") {
    NodeFreeLists lists;
    auto map = make_map(lists);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 1000; ++i) map.emplace(i, long{i} * round);
        for (int i = 0; i < 1000; ++i) REQUIRE(map.at(i) == long{i} * round);
        for (int i = 0; i < 1000; i += 2) map.erase(i);
        REQUIRE(map.size() == 500);
        for (int i = 1; i < 1000; i += 2) REQUIRE(map.at(i) == long{i} * round);
        map.clear();
    }
}

TEST_CASE("free lists keep a bounded number of nodes", "[realm][node_recycler]") {
    NodeFreeLists lists;
    constexpr std::size_t bytes = 48;
    std::vector<void*> taken;
    for (std::size_t i = 0; i < NodeFreeLists::max_free_nodes + 100; ++i) taken.push_back(lists.take(bytes));
    for (void* p : taken) lists.give(p, bytes);
    CHECK(lists.free_count(bytes) == NodeFreeLists::max_free_nodes);
    // Another size has a list of its own.
    void* other = lists.take(16);
    lists.give(other, 16);
    CHECK(lists.free_count(16) == 1);
    void* again = lists.take(16);
    CHECK(again == other);
    lists.give(again, 16);
}
