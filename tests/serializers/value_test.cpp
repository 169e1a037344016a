#include <catch2/catch.hpp>

#include <climits>
#include <cstdint>
#include <vector>

#include "serializers/value.hpp"

using namespace flyover;

namespace {

/// How many of the typed accessors answer for `v`: exactly one must, the one of its type.
int answering_accessors(const Value& v) {
    return (v.as_bool() != nullptr) + v.as_uint().has_value() + (v.as_double() != nullptr) +
           (v.as_string() != nullptr) + (v.as_bytes() != nullptr) + (v.as_list() != nullptr) +
           (v.as_dict() != nullptr);
}

}  // namespace

TEST_CASE("non-negative integers are stored as uint64 whatever type they came from", "[serializers][value]") {
    Value from_int{5};
    Value from_int64{std::int64_t{5}};
    Value from_uint64{std::uint64_t{5}};
    Value from_short{static_cast<short>(5)};
    CHECK(std::holds_alternative<std::uint64_t>(from_int.storage()));
    CHECK(std::holds_alternative<std::uint64_t>(from_int64.storage()));
    CHECK(std::holds_alternative<std::uint64_t>(from_short.storage()));
    CHECK(from_int == from_int64);
    CHECK(from_int64 == from_uint64);
    CHECK(Value{0} == Value{std::uint64_t{0}});
}

TEST_CASE("negative integers are stored as int64", "[serializers][value]") {
    Value minus_one{-1};
    Value minimum{std::int64_t{INT64_MIN}};
    CHECK(std::holds_alternative<std::int64_t>(minus_one.storage()));
    CHECK(std::holds_alternative<std::int64_t>(minimum.storage()));
    CHECK(minus_one.type() == Value::Type::integer);
    CHECK(minus_one != Value{std::uint64_t{UINT64_MAX}});
}

TEST_CASE("integer accessors convert only when the value fits", "[serializers][value]") {
    CHECK(Value{7}.as_uint() == 7u);
    CHECK(Value{7}.as_int() == 7);
    CHECK_FALSE(Value{-7}.as_uint().has_value());
    CHECK(Value{-7}.as_int() == -7);
    CHECK(Value{std::uint64_t{INT64_MAX}}.as_int() == INT64_MAX);
    CHECK_FALSE(Value{std::uint64_t{INT64_MAX} + 1}.as_int().has_value());
    CHECK(Value{std::uint64_t{UINT64_MAX}}.as_uint() == UINT64_MAX);
    CHECK_FALSE(Value{2.0}.as_uint().has_value());
    CHECK_FALSE(Value{"7"}.as_int().has_value());
}

TEST_CASE("as_number accepts integers and doubles only", "[serializers][value]") {
    CHECK(Value{3}.as_number() == 3.0);
    CHECK(Value{-3}.as_number() == -3.0);
    CHECK(Value{2.5}.as_number() == 2.5);
    CHECK_FALSE(Value{true}.as_number().has_value());
    CHECK_FALSE(Value{"2.5"}.as_number().has_value());
    CHECK_FALSE(Value{}.as_number().has_value());
}

TEST_CASE("every accessor but the matching one returns nullptr or nullopt", "[serializers][value]") {
    struct Case {
        Value value;
        Value::Type type;
        std::string_view name;
    };
    const std::vector<Case> cases{
        {Value{}, Value::Type::null, "null"},
        {Value{true}, Value::Type::boolean, "bool"},
        {Value{42}, Value::Type::integer, "integer"},
        {Value{1.5}, Value::Type::real, "double"},
        {Value{"text"}, Value::Type::string, "string"},
        {Value{Bytes{"\x01\x02"}}, Value::Type::bytes, "bytes"},
        {Value{List{Value{1}}}, Value::Type::list, "list"},
        {Value{Dict{{"k", Value{1}}}}, Value::Type::dict, "dict"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        CHECK(c.value.type() == c.type);
        CHECK(c.value.type_name() == c.name);
        CHECK(c.value.is_null() == (c.type == Value::Type::null));
        CHECK(c.value.is_integer() == (c.type == Value::Type::integer));
        CHECK(answering_accessors(c.value) == (c.type == Value::Type::null ? 0 : 1));
    }
    CHECK(cases[1].value.as_bool() != nullptr);
    CHECK(*cases[3].value.as_double() == 1.5);
    CHECK(*cases[4].value.as_string() == "text");
    CHECK(cases[5].value.as_bytes()->data == "\x01\x02");
    CHECK(cases[6].value.as_list()->size() == 1);
    CHECK(cases[7].value.as_dict()->count("k") == 1);
}

TEST_CASE("bool, string literal and string_view construct the obvious types", "[serializers][value]") {
    CHECK(Value{true}.type() == Value::Type::boolean);
    CHECK(Value{"abc"}.type() == Value::Type::string);
    CHECK(Value{std::string_view("abc")} == Value{std::string("abc")});
    CHECK(Value{nullptr}.is_null());
    CHECK(Value{1.5f}.type() == Value::Type::real);
}

TEST_CASE("equality is deep and type-exact", "[serializers][value]") {
    CHECK(Value{1.0} != Value{1});
    CHECK(Value{Bytes{"a"}} != Value{"a"});
    CHECK(Value{false} != Value{0});
    CHECK(Value{} != Value{List{}});
    CHECK(Value{List{Value{1}, Value{List{Value{"x"}}}}} == Value{List{Value{1}, Value{List{Value{"x"}}}}});
    CHECK(Value{List{Value{1}, Value{2}}} != Value{List{Value{2}, Value{1}}});
    Dict a;
    a["x"] = 1;
    a["y"] = 2;
    Dict b;
    b["y"] = 2;
    b["x"] = 1;
    CHECK(Value{a} == Value{b});
    b["x"] = -1;
    CHECK(Value{a} != Value{b});
}

TEST_CASE("dict lookups return nullptr, fallbacks or nullopt when absent or mistyped", "[serializers][value]") {
    Dict d{{"flag", Value{true}},
           {"name", Value{"alice"}},
           {"count", Value{3}},
           {"negative", Value{-3}},
           {"text_flag", Value{"true"}}};
    Value v{d};
    REQUIRE(v.find("name") != nullptr);
    CHECK(*v.find("name")->as_string() == "alice");
    CHECK(v.find("missing") == nullptr);
    CHECK(Value{List{}}.find("name") == nullptr);

    CHECK(get_bool(d, "flag", false));
    CHECK_FALSE(get_bool(d, "missing", false));
    CHECK(get_bool(d, "missing", true));
    CHECK(get_bool(d, "text_flag", true));  // wrong type -> fallback
    CHECK_FALSE(get_bool(d, "text_flag", false));

    REQUIRE(get_string(d, "name") != nullptr);
    CHECK(*get_string(d, "name") == "alice");
    CHECK(get_string(d, "count") == nullptr);
    CHECK(get_string(d, "missing") == nullptr);

    CHECK(get_uint(d, "count") == 3u);
    CHECK_FALSE(get_uint(d, "negative").has_value());
    CHECK_FALSE(get_uint(d, "name").has_value());
    CHECK_FALSE(get_uint(d, "missing").has_value());
}

TEST_CASE("to_debug_string shows structure, bytes as hex", "[serializers][value]") {
    Value v{List{Value{}, Value{true}, Value{-2}, Value{"s"}, Value{Bytes{"\x01\xff"}},
                 Value{Dict{{"k", Value{List{}}}}}}};
    CHECK(to_debug_string(v) == "[null,true,-2,\"s\",h'01ff',{\"k\":[]}]");
    CHECK(to_debug_string(Value{0.5}) == "0.5");
}
