#pragma once
// Every WAMP message of the Basic and Advanced profiles as a typed struct. The wire layout of each is in its
// comment; message_mapper.hpp is the one place that turns the wire array into these structs and back.
// Thread affinity: none (plain value types).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "serializers/ids.hpp"
#include "serializers/serializer_id.hpp"
#include "serializers/value.hpp"

namespace flyover {

enum class MessageType : std::uint16_t {
    hello = 1,
    welcome = 2,
    abort = 3,
    challenge = 4,
    authenticate = 5,
    goodbye = 6,
    error = 8,
    publish = 16,
    published = 17,
    subscribe = 32,
    subscribed = 33,
    unsubscribe = 34,
    unsubscribed = 35,
    event = 36,
    call = 48,
    cancel = 49,
    result = 50,
    reg = 64,  // REGISTER ("register" is a C++ keyword)
    registered = 65,
    unregister = 66,
    unregistered = 67,
    invocation = 68,
    interrupt = 69,
    yield = 70,
};

/// The upper-case spec name of a message type ("PUBLISH"), or "UNKNOWN".
std::string_view message_type_name(MessageType type);

/// The application payload of PUBLISH, EVENT, CALL, RESULT, INVOCATION, YIELD and ERROR:
/// positional and keyword arguments, or, in payload passthru mode (the options/details carry `enc_algo`),
/// one opaque payload that the router forwards untouched.
/// Arguments and ArgumentsKw as received, in their serializer's encoding (see DecodeLimits::keep_raw_payload).
/// Made by make_raw_payload, which puts the bytes in the same allocation as the reference count and this struct
/// (every CALL, YIELD and PUBLISH has one: two allocations per message were measurable).
struct RawPayload {
    Serializer codec;
    /// The Arguments element, then the ArgumentsKw element when there is one; owned with this struct.
    std::string_view bytes;
    std::size_t args_size = 0;
    bool operator==(const RawPayload& o) const {
        return codec == o.codec && args_size == o.args_size && bytes == o.bytes;
    }
};

/// A RawPayload holding a copy of `args` followed by `kwargs` (empty when there is none), in one allocation.
std::shared_ptr<const RawPayload> make_raw_payload(Serializer codec, std::string_view args, std::string_view kwargs);

struct Payload {
    List args;
    Dict kwargs;
    /// Set only in payload passthru mode; then args and kwargs are empty.
    std::optional<Value> transparent;
    /// Set when the decoder kept the payload as bytes; then args and kwargs are empty. Encoding for the same
    /// serializer copies the bytes; for another, or to read the values, see materialize_payload.
    std::shared_ptr<const RawPayload> raw = nullptr;
    bool operator==(const Payload& o) const {
        return args == o.args && kwargs == o.kwargs && transparent == o.transparent &&
               (raw == o.raw || (raw && o.raw && *raw == *o.raw));
    }
};

/// [HELLO, Realm|uri, Details|dict]
struct Hello {
    std::string realm;
    Dict details;
    bool operator==(const Hello&) const = default;
};
/// [WELCOME, Session|id, Details|dict]
struct Welcome {
    Id session = 0;
    Dict details;
    bool operator==(const Welcome&) const = default;
};
/// [ABORT, Details|dict, Reason|uri] or [ABORT, Details|dict, Reason|uri, Arguments|list, ArgumentsKw|dict]
struct Abort {
    Dict details;
    std::string reason;
    Payload payload;
    bool operator==(const Abort&) const = default;
};
/// [CHALLENGE, AuthMethod|string, Extra|dict]
struct Challenge {
    std::string authmethod;
    Dict extra;
    bool operator==(const Challenge&) const = default;
};
/// [AUTHENTICATE, Signature|string, Extra|dict]
struct Authenticate {
    std::string signature;
    Dict extra;
    bool operator==(const Authenticate&) const = default;
};
/// [GOODBYE, Details|dict, Reason|uri]
struct Goodbye {
    Dict details;
    std::string reason;
    bool operator==(const Goodbye&) const = default;
};
/// [ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Arguments|list, ArgumentsKw|dict]
struct ErrorMessage {
    MessageType request_type = MessageType::call;
    Id request = 0;
    Dict details;
    std::string error;
    Payload payload;
    bool operator==(const ErrorMessage&) const = default;
};
/// [PUBLISH, Request|id, Options|dict, Topic|uri, Arguments|list, ArgumentsKw|dict]
struct Publish {
    Id request = 0;
    Dict options;
    std::string topic;
    Payload payload;
    bool operator==(const Publish&) const = default;
};
/// [PUBLISHED, PUBLISH.Request|id, Publication|id]
struct Published {
    Id request = 0;
    Id publication = 0;
    bool operator==(const Published&) const = default;
};
/// [SUBSCRIBE, Request|id, Options|dict, Topic|uri]
struct Subscribe {
    Id request = 0;
    Dict options;
    std::string topic;
    bool operator==(const Subscribe&) const = default;
};
/// [SUBSCRIBED, SUBSCRIBE.Request|id, Subscription|id]
struct Subscribed {
    Id request = 0;
    Id subscription = 0;
    bool operator==(const Subscribed&) const = default;
};
/// [UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id]
struct Unsubscribe {
    Id request = 0;
    Id subscription = 0;
    bool operator==(const Unsubscribe&) const = default;
};
/// [UNSUBSCRIBED, UNSUBSCRIBE.Request|id] or, for a revocation, [UNSUBSCRIBED, 0, Details|dict]
struct Unsubscribed {
    Id request = 0;
    Dict details;
    bool operator==(const Unsubscribed&) const = default;
};
/// [EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, PUBLISH.Arguments|list,
///  PUBLISH.ArgumentsKw|dict]
struct Event {
    Id subscription = 0;
    Id publication = 0;
    Dict details;
    Payload payload;
    bool operator==(const Event&) const = default;
};
/// [CALL, Request|id, Options|dict, Procedure|uri, Arguments|list, ArgumentsKw|dict]
struct Call {
    Id request = 0;
    Dict options;
    std::string procedure;
    Payload payload;
    bool operator==(const Call&) const = default;
};
/// [CANCEL, CALL.Request|id, Options|dict]
struct Cancel {
    Id request = 0;
    Dict options;
    bool operator==(const Cancel&) const = default;
};
/// [RESULT, CALL.Request|id, Details|dict, YIELD.Arguments|list, YIELD.ArgumentsKw|dict]
struct ResultMessage {
    Id request = 0;
    Dict details;
    Payload payload;
    bool operator==(const ResultMessage&) const = default;
};
/// [REGISTER, Request|id, Options|dict, Procedure|uri]
struct Register {
    Id request = 0;
    Dict options;
    std::string procedure;
    bool operator==(const Register&) const = default;
};
/// [REGISTERED, REGISTER.Request|id, Registration|id]
struct Registered {
    Id request = 0;
    Id registration = 0;
    bool operator==(const Registered&) const = default;
};
/// [UNREGISTER, Request|id, REGISTERED.Registration|id]
struct Unregister {
    Id request = 0;
    Id registration = 0;
    bool operator==(const Unregister&) const = default;
};
/// [UNREGISTERED, UNREGISTER.Request|id] or, for a revocation, [UNREGISTERED, 0, Details|dict]
struct Unregistered {
    Id request = 0;
    Dict details;
    bool operator==(const Unregistered&) const = default;
};
/// [INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, CALL.Arguments|list,
///  CALL.ArgumentsKw|dict]
struct Invocation {
    Id request = 0;
    Id registration = 0;
    Dict details;
    Payload payload;
    bool operator==(const Invocation&) const = default;
};
/// [INTERRUPT, INVOCATION.Request|id, Options|dict]
struct Interrupt {
    Id request = 0;
    Dict options;
    bool operator==(const Interrupt&) const = default;
};
/// [YIELD, INVOCATION.Request|id, Options|dict, Arguments|list, ArgumentsKw|dict]
struct Yield {
    Id request = 0;
    Dict options;
    Payload payload;
    bool operator==(const Yield&) const = default;
};

using Message = std::variant<Hello, Welcome, Abort, Challenge, Authenticate, Goodbye, ErrorMessage, Publish,
                             Published, Subscribe, Subscribed, Unsubscribe, Unsubscribed, Event, Call, Cancel,
                             ResultMessage, Register, Registered, Unregister, Unregistered, Invocation, Interrupt,
                             Yield>;

/// The wire type code of a message.
MessageType type_of(const Message& m);

}  // namespace flyover
