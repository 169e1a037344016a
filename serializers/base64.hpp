#pragma once
// Standard base64 (RFC 4648, with padding): the spec's binary-in-JSON convention and authentication use it.
// Thread affinity: none (pure functions).

#include <optional>
#include <string>
#include <string_view>

namespace flyover {

std::string base64_encode(std::string_view data);
/// The decoded bytes, or nullopt if `text` is not valid padded base64 (unpadded input is accepted too).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace flyover
