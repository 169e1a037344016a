#pragma once
// The one mapping between the wire array and the message structs, shared by every codec so that JSON,
// MessagePack and CBOR can never drift apart. Strict: element counts and types, IDs in [1, 2^53], URIs,
// and the types of the option/detail keys the spec defines are all checked; failures return an Error that
// names the message, the element and what was expected. Nothing here throws.
// Thread affinity: none (pure functions).

#include "serializers/message.hpp"
#include "serializers/result.hpp"
#include "serializers/value.hpp"
#include "serializers/writer.hpp"

namespace flyover {

/// Turns a decoded wire array into a message, moving the payload out of `wire`.
Result<Message> message_from_value(Value&& wire);

/// Writes the wire array of a message into a codec's writer.
void write_message(Writer& w, const Message& m);

/// The wire array of a message as a Value (tests, logs; codecs use write_message directly).
Value message_to_value(const Message& m);

}  // namespace flyover
