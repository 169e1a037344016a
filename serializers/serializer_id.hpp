#pragma once
// Which serializer: shared by the codecs and by payloads kept in their received encoding. Thread affinity: none.

#include <cstddef>

namespace flyover {

/// The serializers Flyover speaks; the value indexes per-codec caches (see OutboundMessage).
enum class Serializer : std::size_t { json = 0, msgpack = 1 };
inline constexpr std::size_t serializer_count = 2;

}  // namespace flyover
