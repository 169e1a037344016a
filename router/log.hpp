#pragma once
// Leveled logging to stderr, one line per event, safe from any thread. Secrets are never passed here.

#include <string_view>

namespace flyover::router {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

/// Parses "debug" | "info" | "warn" | "error".
bool parse_log_level(std::string_view text, LogLevel& out);
void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);
/// Writes "2026-11-20T22:43:30.123Z warn  <message>" to stderr if `level` is enabled.
void log(LogLevel level, std::string_view message);

inline void log_debug(std::string_view m) { log(LogLevel::debug, m); }
inline void log_info(std::string_view m) { log(LogLevel::info, m); }
inline void log_warn(std::string_view m) { log(LogLevel::warn, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }

}  // namespace flyover::router
