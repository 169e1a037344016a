#include <catch2/catch.hpp>

#include "serializers/writer.hpp"

using namespace flyover;

TEST_CASE("ValueWriter builds nested values from writer events", "[serializers][writer]") {
    ValueWriter w;
    CHECK(w.depth() == 0);
    w.begin_list(3);
    CHECK(w.depth() == 1);
    w.uinteger(16);
    w.begin_dict(2);
    CHECK(w.depth() == 2);
    w.key("outer");
    w.begin_dict(1);
    w.key("inner");
    w.integer(-4);
    w.end_dict();
    w.key("flag");
    w.boolean(true);
    w.end_dict();
    w.begin_list(0);
    w.real(0.5);
    w.string("s");
    w.bytes(std::string_view("\x00\x01", 2));
    w.null();
    w.end_list();
    w.end_list();
    CHECK(w.depth() == 0);

    Value expected{List{Value{16},
                        Value{Dict{{"outer", Value{Dict{{"inner", Value{-4}}}}}, {"flag", Value{true}}}},
                        Value{List{Value{0.5}, Value{"s"}, Value{Bytes{std::string("\x00\x01", 2)}}, Value{}}}}};
    CHECK(w.take() == expected);
}

TEST_CASE("ValueWriter normalises integers like Value does", "[serializers][writer]") {
    ValueWriter w;
    w.integer(5);  // a signed event with a non-negative value, as msgpack int8 produces
    CHECK(w.take() == Value{std::uint64_t{5}});
}

TEST_CASE("write_value replays any value into a writer unchanged", "[serializers][writer]") {
    Value v{Dict{{"list", Value{List{Value{}, Value{false}, Value{-1}, Value{std::uint64_t{UINT64_MAX}}}}},
                 {"bytes", Value{Bytes{"\xff"}}},
                 {"empty", Value{Dict{}}},
                 {"text", Value{"t"}},
                 {"real", Value{-2.25}}}};
    ValueWriter w;
    write_value(w, v);
    CHECK(w.take() == v);

    ValueWriter scalar;
    write_value(scalar, Value{7});
    CHECK(scalar.take() == Value{7});
}

TEST_CASE("a later duplicate key replaces the earlier one", "[serializers][writer]") {
    ValueWriter w;
    w.begin_dict(2);
    w.key("k");
    w.uinteger(1);
    w.key("k");
    w.uinteger(2);
    w.end_dict();
    CHECK(w.take() == Value{Dict{{"k", Value{2}}}});
}
