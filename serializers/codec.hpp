#pragma once
// One interface for every WAMP serializer. Codecs are stateless singletons; decoding returns a Result and
// never throws, however hostile the input. Thread affinity: none (every method is const and reentrant).

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "serializers/message.hpp"
#include "serializers/shared_bytes.hpp"
#include "serializers/result.hpp"
#include "serializers/serializer_id.hpp"
#include "serializers/value.hpp"

namespace flyover {

/// Bounds that keep hostile input from costing more than a bounded amount of memory and stack.
struct DecodeLimits {
    /// Input larger than this is refused before parsing.
    std::size_t max_bytes = 16 * 1024 * 1024;
    /// Lists and dicts nested deeper than this are refused.
    std::size_t max_depth = 64;
    /// decode_message only: keep Arguments and ArgumentsKw as the received bytes (Payload::raw) instead of
    /// building values, so a router forwarding them to a client of the same serializer copies bytes. They are
    /// still validated as fully as when decoded.
    bool keep_raw_payload = false;
    /// The caller has checked that the bytes are valid UTF-8 (a WebSocket text frame): JSON skips its own check.
    bool input_is_utf8 = false;
};

/// Where a message's payload elements sit in the input when the decoder kept them as bytes.
struct RawTail {
    /// Index of the first kept element; the decoded list holds null placeholders from there on.
    std::size_t first = 0;
    /// kind: 'l' a list, 'd' a dict, 'o' anything else.
    struct Span {
        std::size_t offset, size;
        char kind;
    };
    /// Empty when nothing was kept.
    std::vector<Span> spans;
    void clear() {
        first = 0;
        spans.clear();
    }
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
    Result<Value> decode(std::string_view bytes, const DecodeLimits& limits = {}) const {
        return decode_keeping_tail(bytes, limits, nullptr);
    }
    /// decode, but when `tail` is given, the top-level elements from payload_index(message type) on are
    /// validated without building values, and `tail` says where they are.
    virtual Result<Value> decode_keeping_tail(std::string_view bytes, const DecodeLimits& limits, RawTail* tail) const = 0;
    /// Message -> bytes (written straight from the struct, no intermediate Value).
    std::string encode(const Message& m) const { return std::string(encode_scratch(m)); }
    /// Message -> bytes that write queues share: encoded in this thread's scratch buffer, then copied into one
    /// allocation (a fresh std::string grew two or three times per message).
    SharedBytes encode_shared(const Message& m) const { return SharedBytes::copy_of(encode_scratch(m)); }
    /// Message -> bytes in a buffer of this thread's, valid until the thread's next encode_scratch with this
    /// codec. The buffer keeps its capacity between messages, up to scratch_keep_bytes.
    virtual std::string_view encode_scratch(const Message& m) const = 0;
    static constexpr std::size_t scratch_keep_bytes = 64 * 1024;
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
