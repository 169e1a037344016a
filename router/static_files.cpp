#include "router/static_files.hpp"

#include <algorithm>
#include <cctype>

namespace flyover::router {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return std::nullopt;
        int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

}  // namespace

std::optional<std::filesystem::path> resolve_static_file(const std::filesystem::path& root, std::string_view target) {
    if (target.empty() || target[0] != '/') return std::nullopt;
    target = target.substr(0, target.find_first_of("?#"));
    auto decoded = percent_decode(target);
    if (!decoded || decoded->find('\0') != std::string::npos || decoded->find('\\') != std::string::npos)
        return std::nullopt;
    // Walk the components: no "..", no ".", no hidden files; this is what keeps requests inside root.
    std::filesystem::path relative;
    std::size_t start = 1;
    while (start <= decoded->size()) {
        auto end = decoded->find('/', start);
        if (end == std::string::npos) end = decoded->size();
        std::string_view part(decoded->data() + start, end - start);
        if (!part.empty()) {
            if (part[0] == '.') return std::nullopt;
            relative /= std::string(part);
        }
        start = end + 1;
    }
    std::error_code ec;
    auto path = root / relative;
    if (std::filesystem::is_directory(path, ec)) path /= "index.html";
    if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
    return path;
}

std::string_view mime_type(std::string_view filename) {
    auto dot = filename.rfind('.');
    if (dot == std::string_view::npos) return "application/octet-stream";
    std::string ext(filename.substr(dot + 1));
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
    if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
    if (ext == "css") return "text/css; charset=utf-8";
    if (ext == "json" || ext == "map") return "application/json";
    if (ext == "txt") return "text/plain; charset=utf-8";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "png") return "image/png";
    if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
    if (ext == "gif") return "image/gif";
    if (ext == "ico") return "image/x-icon";
    if (ext == "webp") return "image/webp";
    if (ext == "woff2") return "font/woff2";
    if (ext == "wasm") return "application/wasm";
    return "application/octet-stream";
}

}  // namespace flyover::router
