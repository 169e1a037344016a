#include "client/ws_url.hpp"

#include <algorithm>
#include <cctype>

namespace flyover::client {

Result<WsUrl> parse_ws_url(std::string_view url) {
    constexpr std::string_view scheme = "ws://";
    if (url.substr(0, 6) == "wss://")
        return make_error("\"" + std::string(url) + "\": wss:// is not supported yet; use ws:// (or a TLS proxy)");
    if (url.substr(0, scheme.size()) != scheme)
        return make_error("\"" + std::string(url) + "\": expected a ws:// URL");
    std::string_view rest = url.substr(scheme.size());
    auto path_at = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, path_at);
    WsUrl out;
    out.target = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
    if (!out.target.empty() && out.target.front() == '?') out.target.insert(0, "/");
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return make_error("\"" + std::string(url) + "\": unclosed '[' in the host");
        out.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return make_error("\"" + std::string(url) + "\": junk after the IPv6 host");
            port = after.substr(1);
        }
    } else {
        auto colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (out.host.empty()) return make_error("\"" + std::string(url) + "\": no host");
    if (authority.find('@') != std::string_view::npos)
        return make_error("\"" + std::string(url) + "\": user info in WebSocket URLs is not supported");
    if (port.empty()) {
        out.port = "80";
    } else {
        bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); });
        if (!digits || std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535)
            return make_error("\"" + std::string(url) + "\": bad port \"" + std::string(port) + "\"");
        out.port = std::string(port);
    }
    return out;
}

}  // namespace flyover::client
