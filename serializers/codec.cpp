#include "serializers/codec.hpp"

#include "serializers/message_mapper.hpp"
#include "serializers/scratch.hpp"
#include "serializers/writer.hpp"

namespace flyover {

namespace {

// The message has taken what it needs from the envelope's elements (message_from_value moves them out).
void recycle_envelope(Value& envelope) {
    if (auto* items = envelope.as_list()) ValueWriter::recycle_list(std::move(*items));
}

}  // namespace

Result<Message> Codec::decode_message(std::string_view bytes, const DecodeLimits& limits) const {
    if (limits.keep_raw_payload) {
        Scratch<RawTail> tail_scratch;  // one allocation fewer per message: the spans keep their capacity
        RawTail& tail = tail_scratch.get();
        auto value = decode_keeping_tail(bytes, limits, &tail);
        if (!value) return value.error();
        RawInput raw{tail, bytes, *this, DecodeLimits{limits.max_bytes, limits.max_depth > 0 ? limits.max_depth - 1 : 0}};
        auto message = message_from_value(std::move(value).value(), &raw);
        recycle_envelope(value.value());
        return message;
    }
    auto value = decode(bytes, limits);
    if (!value) return value.error();
    auto message = message_from_value(std::move(value).value());
    recycle_envelope(value.value());
    return message;
}

const std::array<const Codec*, serializer_count>& all_codecs() {
    static const std::array<const Codec*, serializer_count> codecs{&json_codec(), &msgpack_codec()};
    return codecs;
}

const Codec* codec_for_subprotocol(std::string_view subprotocol) {
    for (auto c : all_codecs())
        if (c->subprotocol() == subprotocol) return c;
    return nullptr;
}

}  // namespace flyover
