#include <catch2/catch.hpp>

#include <set>

#include "sample_messages.hpp"
#include "serializers/message_mapper.hpp"

using namespace flyover;
using Catch::Matchers::Contains;

namespace {

/// Parses a wire array written as a Value and returns the error text ("" if it decoded).
std::string error_of(Value wire) {
    auto r = message_from_value(std::move(wire));
    return r ? std::string() : r.error().message;
}

Value wire(List items) { return Value{std::move(items)}; }

}  // namespace

TEST_CASE("every message type round-trips struct -> Value -> struct", "[serializers][mapper]") {
    std::set<std::size_t> covered;
    for (auto& [name, message] : test::sample_messages()) {
        INFO(name);
        Value v = message_to_value(message);
        INFO(to_debug_string(v));
        auto back = message_from_value(Value{v});
        REQUIRE(back.ok());
        CHECK(*back == message);
        // The first element is the type code, and type_of and message_type_name agree with it.
        REQUIRE(v.as_list());
        CHECK(v.as_list()->at(0).as_uint() == static_cast<std::uint64_t>(type_of(message)));
        CHECK(message_type_name(type_of(message)) != "UNKNOWN");
        covered.insert(message.index());
    }
    CHECK(covered.size() == std::variant_size_v<Message>);
}

TEST_CASE("message_type_name names every type and nothing else", "[serializers][mapper]") {
    CHECK(message_type_name(MessageType::reg) == "REGISTER");
    CHECK(message_type_name(MessageType::error) == "ERROR");
    CHECK(message_type_name(static_cast<MessageType>(7)) == "UNKNOWN");
    CHECK(message_type_name(static_cast<MessageType>(337)) == "UNKNOWN");
}

TEST_CASE("the wire layout follows the spec and drops empty trailing payload elements", "[serializers][mapper]") {
    CHECK(message_to_value(Publish{1, {}, "a.b", {}}) == wire({Value{16}, Value{1}, Value{Dict{}}, Value{"a.b"}}));
    CHECK(message_to_value(Publish{1, {}, "a.b", test::args_only({Value{"x"}})}) ==
          wire({Value{16}, Value{1}, Value{Dict{}}, Value{"a.b"}, Value{List{Value{"x"}}}}));
    // kwargs without args still needs the positional slot.
    CHECK(message_to_value(Publish{1, {}, "a.b", test::kwargs_only({{"k", Value{1}}})}) ==
          wire({Value{16}, Value{1}, Value{Dict{}}, Value{"a.b"}, Value{List{}}, Value{Dict{{"k", Value{1}}}}}));
    CHECK(message_to_value(ErrorMessage{MessageType::subscribe, 3, {}, "wamp.error.not_authorized", {}}) ==
          wire({Value{8}, Value{32}, Value{3}, Value{Dict{}}, Value{"wamp.error.not_authorized"}}));
    CHECK(message_to_value(Unsubscribed{5, {}}) == wire({Value{35}, Value{5}}));
    CHECK(message_to_value(Welcome{9, {}}) == wire({Value{2}, Value{9}, Value{Dict{}}}));
}

TEST_CASE("an empty args list decodes to the same message as no args", "[serializers][mapper]") {
    auto with_empty = message_from_value(wire({Value{16}, Value{1}, Value{Dict{}}, Value{"a.b"}, Value{List{}}}));
    REQUIRE(with_empty.ok());
    CHECK(*with_empty == Message{Publish{1, {}, "a.b", {}}});
}

TEST_CASE("element counts outside a type's arity are rejected", "[serializers][mapper]") {
    struct Arity {
        std::uint64_t code;
        std::size_t min, max;
    };
    // Wire lengths including the type code, from the message layouts in message.hpp.
    const Arity arities[] = {{1, 3, 3},  {2, 3, 3},  {3, 3, 5},  {4, 3, 3},  {5, 3, 3},  {6, 3, 3},
                             {8, 5, 7},  {16, 4, 6}, {17, 3, 3}, {32, 4, 4}, {33, 3, 3}, {34, 3, 3},
                             {35, 2, 3}, {36, 4, 6}, {48, 4, 6}, {49, 3, 3}, {50, 3, 5}, {64, 4, 4},
                             {65, 3, 3}, {66, 3, 3}, {67, 2, 3}, {68, 4, 6}, {69, 3, 3}, {70, 3, 5}};
    for (auto a : arities) {
        auto name = std::string(message_type_name(static_cast<MessageType>(a.code)));
        INFO(name);
        List too_short{Value{a.code}};
        for (std::size_t i = 2; i < a.min; ++i) too_short.emplace_back(1);
        CHECK_THAT(error_of(wire(too_short)), Contains(name) && Contains("elements"));
        List too_long{Value{a.code}};
        for (std::size_t i = 0; i < a.max; ++i) too_long.emplace_back(1);
        CHECK_THAT(error_of(wire(too_long)), Contains(name) && Contains("elements"));
    }
}

TEST_CASE("ids must be in [1, 2^53]", "[serializers][mapper]") {
    auto published = [](Value publication) { return wire({Value{17}, Value{1}, std::move(publication)}); };
    CHECK(error_of(published(Value{max_id})).empty());
    CHECK(error_of(published(Value{1})).empty());
    CHECK_THAT(error_of(published(Value{0})), Contains("PUBLISHED.Publication"));
    CHECK_THAT(error_of(published(Value{max_id + 1})), Contains("PUBLISHED.Publication"));
    CHECK_THAT(error_of(published(Value{-1})), Contains("Publication"));
    CHECK_THAT(error_of(published(Value{5.0})), Contains("Publication"));
    CHECK_THAT(error_of(published(Value{"5"})), Contains("Publication"));
    CHECK_THAT(error_of(wire({Value{17}, Value{0}, Value{1}})), Contains("PUBLISHED.PUBLISH.Request"));
    CHECK_THAT(error_of(wire({Value{2}, Value{max_id + 1}, Value{Dict{}}})), Contains("WELCOME.Session"));
    // Option and detail ids are held to the same range.
    CHECK_THAT(error_of(wire({Value{36}, Value{1}, Value{2}, Value{Dict{{"publisher", Value{0}}}}})),
               Contains("publisher"));
    CHECK_THAT(error_of(wire({Value{16}, Value{1}, Value{Dict{{"exclude", Value{List{Value{max_id + 1}}}}}},
                              Value{"a.b"}})),
               Contains("exclude"));
}

TEST_CASE("wrong element types name the message and the field", "[serializers][mapper]") {
    CHECK_THAT(error_of(wire({Value{16}, Value{1}, Value{List{}}, Value{"a.b"}})),
               Contains("PUBLISH.Options") && Contains("dict") && Contains("list"));
    CHECK_THAT(error_of(wire({Value{16}, Value{1}, Value{Dict{}}, Value{5}})), Contains("PUBLISH.Topic"));
    CHECK_THAT(error_of(wire({Value{16}, Value{1}, Value{Dict{}}, Value{"a.b"}, Value{Dict{}}})),
               Contains("PUBLISH.Arguments"));
    CHECK_THAT(error_of(wire({Value{16}, Value{1}, Value{Dict{}}, Value{"a.b"}, Value{List{}}, Value{List{}}})),
               Contains("PUBLISH.ArgumentsKw"));
    CHECK_THAT(error_of(wire({Value{1}, Value{5}, Value{Dict{}}})), Contains("HELLO.Realm"));
    CHECK_THAT(error_of(wire({Value{4}, Value{Dict{}}, Value{Dict{}}})), Contains("CHALLENGE.AuthMethod"));
    CHECK_THAT(error_of(wire({Value{5}, Value{"sig"}, Value{List{}}})), Contains("AUTHENTICATE.Extra"));
    CHECK_THAT(error_of(wire({Value{6}, Value{Dict{}}, Value{true}})), Contains("GOODBYE.Reason"));
    CHECK_THAT(error_of(wire({Value{48}, Value{1}, Value{Dict{{"timeout", Value{-1}}}}, Value{"a.b"}})),
               Contains("CALL.Options.timeout"));
    CHECK_THAT(error_of(wire({Value{64}, Value{1}, Value{Dict{{"invoke", Value{"everyone"}}}}, Value{"a.b"}})),
               Contains("REGISTER.Options.invoke"));
    CHECK_THAT(error_of(wire({Value{49}, Value{1}, Value{Dict{{"mode", Value{"stop"}}}}})),
               Contains("CANCEL.Options.mode"));
    CHECK_THAT(error_of(wire({Value{70}, Value{1}, Value{Dict{{"progress", Value{1}}}}})),
               Contains("YIELD.Options.progress"));
}

TEST_CASE("URI elements must be strings; whether they are valid URIs is the realm's call", "[serializers][mapper]") {
    // The spec answers a bad topic or procedure with ERROR wamp.error.invalid_uri rather than ABORT, so the
    // mapper passes any string on and the broker/dealer judge it under their match policy and URI rule.
    for (Value topic : {Value{"a..b"}, Value{"a b"}, Value{""}, Value{"com.example."}}) {
        INFO(to_debug_string(topic));
        auto m = message_from_value(wire({Value{16}, Value{1}, Value{Dict{}}, topic}));
        REQUIRE(m.ok());
        CHECK(Value{std::get<Publish>(*m).topic} == topic);
    }
    CHECK_THAT(error_of(wire({Value{16}, Value{1}, Value{Dict{}}, Value{List{Value{"a.b"}}}})), Contains("PUBLISH.Topic"));
    CHECK_THAT(error_of(wire({Value{32}, Value{1}, Value{Dict{}}, Value{}})), Contains("SUBSCRIBE.Topic"));
    CHECK_THAT(error_of(wire({Value{64}, Value{1}, Value{Dict{}}, Value{7}})), Contains("REGISTER.Procedure"));
    CHECK_THAT(error_of(wire({Value{8}, Value{48}, Value{1}, Value{Dict{}}, Value{true}})), Contains("ERROR.Error"));
    CHECK_THAT(error_of(wire({Value{3}, Value{Dict{}}, Value{Bytes{"a.b"}}})), Contains("ABORT.Reason"));
    // URIs inside details that the spec types as URIs are still checked by the details rules.
    CHECK_THAT(error_of(wire({Value{36}, Value{1}, Value{2}, Value{Dict{{"topic", Value{"a b"}}}}})),
               Contains("EVENT.Details.topic"));
}

TEST_CASE("the top level must be a non-empty list starting with a known type code", "[serializers][mapper]") {
    CHECK_THAT(error_of(Value{Dict{}}), Contains("must be a list"));
    CHECK_THAT(error_of(Value{16}), Contains("must be a list"));
    CHECK_THAT(error_of(wire({})), Contains("empty"));
    CHECK_THAT(error_of(wire({Value{"16"}, Value{1}})), Contains("message type"));
    CHECK_THAT(error_of(wire({Value{-16}, Value{1}})), Contains("message type"));
    CHECK_THAT(error_of(wire({Value{7}, Value{1}})), Contains("unknown message type 7"));
    CHECK_THAT(error_of(wire({Value{337}, Value{1}})), Contains("unknown message type 337"));
    // 65552 = 0x10010 would be PUBLISH (16) if the code were narrowed to 16 bits.
    CHECK_THAT(error_of(wire({Value{65552}, Value{1}, Value{Dict{}}, Value{"a.b"}})), Contains("unknown"));
}

TEST_CASE("ERROR.REQUEST.Type must be a known message type", "[serializers][mapper]") {
    auto error_for = [](Value type) {
        return wire({Value{8}, std::move(type), Value{1}, Value{Dict{}}, Value{"com.app.error"}});
    };
    auto ok = message_from_value(error_for(Value{48}));
    REQUIRE(ok.ok());
    CHECK(std::get<ErrorMessage>(*ok).request_type == MessageType::call);
    CHECK_THAT(error_of(error_for(Value{7})), Contains("REQUEST.Type"));
    CHECK_THAT(error_of(error_for(Value{0})), Contains("REQUEST.Type"));
    // Regression: 65584 = 0x10030 was narrowed to 48 and accepted as an error for a CALL.
    CHECK_THAT(error_of(error_for(Value{65584})), Contains("REQUEST.Type"));
}

TEST_CASE("payload passthru carries one opaque element when enc_algo is set", "[serializers][mapper]") {
    const Dict cryptobox{{"enc_algo", Value{"cryptobox"}}};
    auto publish = [&](Dict options, List payload) {
        List items{Value{16}, Value{1}, Value{std::move(options)}, Value{"a.b"}};
        for (auto& p : payload) items.push_back(std::move(p));
        return wire(std::move(items));
    };
    auto binary = message_from_value(publish(cryptobox, {Value{Bytes{"\x01\x02"}}}));
    REQUIRE(binary.ok());
    auto& p = std::get<Publish>(*binary);
    CHECK(p.payload.transparent == Value{Bytes{"\x01\x02"}});
    CHECK(p.payload.args.empty());
    CHECK(p.payload.kwargs.empty());
    CHECK(message_to_value(*binary) == publish(cryptobox, {Value{Bytes{"\x01\x02"}}}));

    auto text = message_from_value(publish(cryptobox, {Value{"a1666e6f74696365"}}));
    REQUIRE(text.ok());
    CHECK(std::get<Publish>(*text).payload.transparent == Value{"a1666e6f74696365"});

    CHECK(error_of(publish(Dict{{"enc_algo", Value{"x_custom"}}}, {Value{Bytes{"z"}}})).empty());
    CHECK(error_of(publish(Dict{{"enc_algo", Value{"mqtt"}}}, {})).empty());
    CHECK_THAT(error_of(publish(Dict{{"enc_algo", Value{"rot13"}}}, {Value{Bytes{"z"}}})), Contains("enc_algo"));
    CHECK_THAT(error_of(publish(Dict{{"enc_algo", Value{1}}}, {Value{Bytes{"z"}}})), Contains("enc_algo"));
    CHECK_THAT(error_of(publish(cryptobox, {Value{List{}}})), Contains("Payload"));
    CHECK_THAT(error_of(publish(cryptobox, {Value{Bytes{"a"}}, Value{Dict{}}})), Contains("passthru"));
    // EVENT, CALL, INVOCATION, RESULT, YIELD and ERROR read enc_algo from their own options/details.
    auto event = message_from_value(wire({Value{36}, Value{1}, Value{2}, Value{cryptobox}, Value{Bytes{"e"}}}));
    REQUIRE(event.ok());
    CHECK(std::get<Event>(*event).payload.transparent == Value{Bytes{"e"}});
    auto yield = message_from_value(wire({Value{70}, Value{1}, Value{cryptobox}, Value{Bytes{"y"}}}));
    REQUIRE(yield.ok());
    CHECK(std::get<Yield>(*yield).payload.transparent == Value{Bytes{"y"}});
}

TEST_CASE("UNSUBSCRIBED and UNREGISTERED have a revocation form with id 0 and details", "[serializers][mapper]") {
    const Dict details{{"subscription", Value{5}}, {"reason", Value{"wamp.close.killed"}}};
    auto revoked = message_from_value(wire({Value{35}, Value{0}, Value{details}}));
    REQUIRE(revoked.ok());
    CHECK(std::get<Unsubscribed>(*revoked) == Unsubscribed{0, details});
    CHECK_THAT(error_of(wire({Value{35}, Value{0}})), Contains("UNSUBSCRIBED.UNSUBSCRIBE.Request"));
    CHECK(error_of(wire({Value{35}, Value{5}})).empty());
    CHECK_THAT(error_of(wire({Value{35}, Value{0}, Value{List{}}})), Contains("UNSUBSCRIBED.Details"));

    auto unregistered = message_from_value(wire({Value{67}, Value{0}, Value{Dict{{"registration", Value{9}}}}}));
    REQUIRE(unregistered.ok());
    CHECK(std::get<Unregistered>(*unregistered).details.count("registration") == 1);
    CHECK_THAT(error_of(wire({Value{67}, Value{0}})), Contains("UNREGISTERED.UNREGISTER.Request"));
}

TEST_CASE("a revocation with empty details still encodes its details slot", "[serializers][mapper]") {
    // Regression: [35, 0] was written, which the same mapper refuses to read back.
    for (Message m : {Message{Unsubscribed{0, {}}}, Message{Unregistered{0, {}}}}) {
        Value v = message_to_value(m);
        INFO(to_debug_string(v));
        CHECK(v.as_list()->size() == 3);
        auto back = message_from_value(std::move(v));
        REQUIRE(back.ok());
        CHECK(*back == m);
    }
}
