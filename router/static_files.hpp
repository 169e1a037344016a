#pragma once
// Mapping an HTTP request target to a file under the static folder, safely. Pure functions, no I/O besides
// what std::filesystem::status does. Thread affinity: none.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace flyover::router {

/// The file for `target` ("/", "/app.js?v=2", "/img/a%20b.png") under `root`, or nullopt when the target is
/// malformed, escapes the root (".." or encoded dots, NUL), or names no regular file. "/" and folders map to
/// their index.html.
std::optional<std::filesystem::path> resolve_static_file(const std::filesystem::path& root, std::string_view target);

/// The Content-Type for a file name by its extension ("application/octet-stream" when unknown).
std::string_view mime_type(std::string_view filename);

}  // namespace flyover::router
