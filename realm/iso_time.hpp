#pragma once
// Timestamps as the meta API writes and reads them (RFC 3339 / ISO 8601, UTC), converted by calendar arithmetic
// alone: the realm reads no clock, it only formats times the router handed in. Thread affinity: none (pure
// functions).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flyover::realm {

/// "2024-05-01T12:34:56.789Z" for Unix epoch milliseconds: UTC with millisecond precision, the form of the
/// spec's examples ("yyyy-MM-ddThh:mm:ss.SSSZ").
std::string format_timestamp(std::uint64_t unix_ms);

/// Unix epoch milliseconds of an RFC 3339 date-time ("2024-05-01T12:34:56Z", "2024-05-01t12:34:56.5+02:00");
/// digits beyond milliseconds are truncated. nullopt when malformed, out of range, or before 1970.
std::optional<std::uint64_t> parse_timestamp(std::string_view text);

}  // namespace flyover::realm
