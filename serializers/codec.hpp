#pragma once
// One interface for every WAMP serializer. Codecs are stateless singletons; decoding returns a Result and
// never throws, however hostile the input. Thread affinity: none (every method is const and reentrant).

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "serializers/message.hpp"
#include "serializers/result.hpp"
#include "serializers/value.hpp"

namespace flyover {

/// The serializers Flyover speaks; the value indexes per-codec caches (see OutboundMessage).
enum class Serializer : std::size_t { json = 0, msgpack = 1 };
inline constexpr std::size_t serializer_count = 2;

/// Bounds that keep hostile input from costing more than a bounded amount of memory and stack.
struct DecodeLimits {
    /// Input larger than this is refused before parsing.
    std::size_t max_bytes = 16 * 1024 * 1024;
    /// Lists and dicts nested deeper than this are refused.
    std::size_t max_depth = 64;
};

class Codec {
public:
    virtual ~Codec() = default;
    virtual Serializer id() const = 0;
    /// The WebSocket subprotocol name, e.g. "wamp.2.json".
    virtual std::string_view subprotocol() const = 0;
    /// Whether frames are binary (msgpack, cbor) or text (json).
    virtual bool binary() const = 0;
    /// Bytes -> Value; an Error says what was wrong and where.
    virtual Result<Value> decode(std::string_view bytes, const DecodeLimits& limits = {}) const = 0;
    /// Message -> bytes (written straight from the struct, no intermediate Value).
    virtual std::string encode(const Message& m) const = 0;
    /// Value -> bytes (tests, config tooling).
    virtual std::string encode_value(const Value& v) const = 0;

    /// Bytes -> Value -> Message with the shared mapper's validation.
    Result<Message> decode_message(std::string_view bytes, const DecodeLimits& limits = {}) const;
};

const Codec& json_codec();
const Codec& msgpack_codec();
/// All codecs, in Serializer order.
const std::array<const Codec*, serializer_count>& all_codecs();
/// The codec for a WebSocket subprotocol name, or nullptr.
const Codec* codec_for_subprotocol(std::string_view subprotocol);

}  // namespace flyover
