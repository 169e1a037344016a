#pragma once
// URI validation as the spec's "URIs" section gives it (basic/building_blocks.md).
// Thread affinity: none (pure functions).

#include <string_view>

namespace flyover {

/// Loose: components must not contain '.', '#' or whitespace. Strict: components are [0-9a-z_] only.
enum class UriRule { loose, strict };

/// Whether `uri` is valid. Empty components (as in "a..b", ".b" or "a.") are allowed only when `allow_empty` is
/// set, which is the case for wildcard-pattern subscriptions and registrations. The empty string is never
/// valid, whatever `allow_empty` says (an empty prefix is not a URI either); callers that accept an empty
/// pattern check for it themselves.
bool is_valid_uri(std::string_view uri, UriRule rule = UriRule::loose, bool allow_empty = false);

/// Match policies of pattern-based subscriptions and registrations.
enum class MatchPolicy { exact, prefix, wildcard };

/// Whether a URI is valid for the given match policy: exact URIs need every component, a prefix may end in
/// '.', and wildcard URIs may leave components empty ("com..update").
bool is_valid_pattern(std::string_view uri, MatchPolicy policy, UriRule rule = UriRule::loose);

/// Whether `uri` starts with the reserved first component "wamp".
bool is_reserved_uri(std::string_view uri);

}  // namespace flyover
