#pragma once
// UTF-8 validation for codecs whose library does not check it (msgpack-c), so every string inside the
// router is valid UTF-8 whichever serializer it came from. Thread affinity: none.

#include <string_view>

namespace flyover {

/// Whether `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

}  // namespace flyover
