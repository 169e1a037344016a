#pragma once
// A varied set of valid messages, at least one of every type, shared by the mapper, codec and outbound tests.
// Payloads mix every Value kind (big and negative integers, doubles, unicode, bytes, nesting) so that a
// codec bug in any of them shows up in a round trip. Thread affinity: none.

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "serializers/ids.hpp"
#include "serializers/message.hpp"

namespace flyover::test {

struct NamedMessage {
    std::string name;
    Message message;
};

inline Payload rich_payload() {
    Payload p;
    p.args = List{Value{nullptr},
                  Value{true},
                  Value{false},
                  Value{0},
                  Value{-1},
                  Value{std::int64_t{INT64_MIN}},
                  Value{std::uint64_t{UINT64_MAX}},
                  Value{max_id},
                  Value{3.25},
                  Value{-1e-300},
                  Value{1.0},  // integral doubles must stay doubles in every codec
                  Value{-2.0},
                  Value{"héllo wörld \xf0\x9f\x98\x80"},
                  Value{""},
                  Value{Bytes{std::string("\x00\x01\xfe\xff", 4)}},
                  Value{List{Value{1}, Value{List{}}, Value{Dict{}}}}};
    p.kwargs = Dict{{"nested", Value{Dict{{"deeper", Value{List{Value{"x"}, Value{2.5}}}}}}},
                    {"quote\"and\\slash", Value{"tab\tnewline\n"}},
                    {"empty", Value{Dict{}}}};
    return p;
}

inline Payload args_only(List args) {
    Payload p;
    p.args = std::move(args);
    return p;
}

inline Payload kwargs_only(Dict kwargs) {
    Payload p;
    p.kwargs = std::move(kwargs);
    return p;
}

inline Payload passthru(Value opaque) {
    Payload p;
    p.transparent = std::move(opaque);
    return p;
}

inline std::vector<NamedMessage> sample_messages() {
    const Dict roles{{"roles", Value{Dict{{"publisher", Value{Dict{}}}, {"subscriber", Value{Dict{}}}}}}};
    const Dict cryptobox{{"enc_algo", Value{"cryptobox"}}, {"enc_serializer", Value{"msgpack"}}};
    return {
        {"HELLO", Hello{"com.example.realm", roles}},
        {"WELCOME", Welcome{max_id, Dict{{"authid", Value{"alice"}}, {"roles", roles.at("roles")}}}},
        {"ABORT", Abort{Dict{{"message", Value{"bye"}}}, "wamp.error.no_such_realm", {}}},
        {"ABORT with payload", Abort{{}, "wamp.error.protocol_violation", args_only({Value{"why"}})}},
        {"CHALLENGE", Challenge{"wampcra", Dict{{"challenge", Value{"{\"nonce\":1}"}}, {"iterations", Value{1000}}}}},
        {"AUTHENTICATE", Authenticate{"gir1mSx+deCDUV7FgLvsQNTi6n3W/Z/WcZ/OT9RwdZY=", {}}},
        {"GOODBYE", Goodbye{{}, "wamp.close.normal"}},
        {"ERROR", ErrorMessage{MessageType::call, 7, {}, "wamp.error.no_such_procedure", {}}},
        {"ERROR with payload", ErrorMessage{MessageType::invocation, 1, {}, "com.app.error", rich_payload()}},
        {"ERROR passthru", ErrorMessage{MessageType::call, 2, cryptobox, "com.app.error",
                                        passthru(Value{Bytes{"\x82\xa1k\x01"}})}},
        {"PUBLISH signal", Publish{1, {}, "com.example.signal", {}}},
        {"PUBLISH args", Publish{2, Dict{{"acknowledge", Value{true}}, {"exclude", Value{List{Value{5}, Value{6}}}}},
                                 "com.example.topic", args_only({Value{"Hello, world!"}})}},
        {"PUBLISH kwargs only", Publish{3, {}, "com.example.topic", kwargs_only({{"k", Value{1}}})}},
        {"PUBLISH rich", Publish{max_id, {}, "com.example.rich", rich_payload()}},
        {"PUBLISH passthru", Publish{4, cryptobox, "com.example.secret", passthru(Value{Bytes{"opaque"}})}},
        {"PUBLISH passthru without payload", Publish{5, cryptobox, "com.example.secret", {}}},
        {"PUBLISHED", Published{2, 4429313566}},
        {"SUBSCRIBE", Subscribe{3, Dict{{"match", Value{"wildcard"}}}, "com..update"}},
        {"SUBSCRIBED", Subscribed{3, 5512315355}},
        {"UNSUBSCRIBE", Unsubscribe{4, 5512315355}},
        {"UNSUBSCRIBED", Unsubscribed{4, {}}},
        {"UNSUBSCRIBED revocation",
         Unsubscribed{0, Dict{{"subscription", Value{5512315355}}, {"reason", Value{"wamp.close.killed"}}}}},
        {"EVENT", Event{5512315355, 112233445566, Dict{{"publisher", Value{9129137332}}},
                        args_only({Value{"Hello, event!"}})}},
        {"EVENT rich", Event{1, 2, Dict{{"topic", Value{"com.example.rich"}}}, rich_payload()}},
        {"EVENT passthru", Event{1, 2, cryptobox, passthru(Value{"opaque text, not binary"})}},
        {"CALL", Call{7, Dict{{"timeout", Value{1000}}, {"receive_progress", Value{true}}}, "com.example.add",
                      Payload{{Value{1}, Value{2}}, {{"precision", Value{0.5}}}, std::nullopt}}},
        {"CANCEL", Cancel{7, Dict{{"mode", Value{"killnowait"}}}}},
        {"RESULT", ResultMessage{7, Dict{{"progress", Value{true}}}, args_only({Value{3}})}},
        {"RESULT empty", ResultMessage{8, {}, {}}},
        {"REGISTER", Register{9, Dict{{"match", Value{"prefix"}}, {"invoke", Value{"roundrobin"}}}, "com.example."}},
        {"REGISTERED", Registered{9, 2103333224}},
        {"UNREGISTER", Unregister{10, 2103333224}},
        {"UNREGISTERED", Unregistered{10, {}}},
        {"UNREGISTERED revocation",
         Unregistered{0, Dict{{"registration", Value{2103333224}}, {"reason", Value{"wamp.error.unregistered"}}}}},
        {"INVOCATION", Invocation{11, 2103333224, Dict{{"caller", Value{42}}, {"procedure", Value{"com.example.add"}}},
                                  Payload{{Value{1}, Value{2}}, {{"precision", Value{0.5}}}, std::nullopt}}},
        {"INTERRUPT", Interrupt{11, Dict{{"mode", Value{"kill"}}, {"reason", Value{"wamp.error.canceled"}}}}},
        {"YIELD", Yield{11, {}, args_only({Value{3}})}},
        {"YIELD progress", Yield{11, Dict{{"progress", Value{true}}}, rich_payload()}},
    };
}

/// One sample by name; an unknown name is a bug in the test.
inline Message sample_message(std::string_view name) {
    for (auto& sample : sample_messages())
        if (sample.name == name) return sample.message;
    throw std::invalid_argument("no sample message named " + std::string(name));
}

}  // namespace flyover::test
