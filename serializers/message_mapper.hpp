#pragma once
// The one mapping between the wire array and the message structs, shared by every codec so that JSON,
// MessagePack and CBOR can never drift apart. Strict: element counts and types, IDs in [1, 2^53], URIs,
// and the types of the option/detail keys the spec defines are all checked; failures return an Error that
// names the message, the element and what was expected. Nothing here throws.
// Thread affinity: none (pure functions).

#include "serializers/codec.hpp"
#include "serializers/message.hpp"
#include "serializers/result.hpp"
#include "serializers/value.hpp"
#include "serializers/writer.hpp"

namespace flyover {

/// What a decoder kept as bytes (see DecodeLimits::keep_raw_payload), for message_from_value.
struct RawInput {
    const RawTail& tail;
    std::string_view bytes;
    const Codec& codec;
    DecodeLimits limits;
};

/// Turns a decoded wire array into a message, moving the payload out of `wire`. With `raw`, payload elements
/// the decoder kept as bytes become Payload::raw (unless passthru mode or wrong types need them decoded).
Result<Message> message_from_value(Value&& wire, const RawInput* raw = nullptr);

/// The index of the Arguments element in messages of wire type `type`; 0 for types the router never keeps raw.
std::size_t payload_index(std::uint64_t type);

/// Decodes a payload kept as bytes into args and kwargs (no-op for others): for code that reads the values.
void materialize_payload(Payload& p);

/// Writes the wire array of a message into a codec's writer.
void write_message(Writer& w, const Message& m);

/// The wire array of a message as a Value (tests, logs; codecs use write_message directly).
Value message_to_value(const Message& m);

}  // namespace flyover
