#include "serializers/uri.hpp"

namespace flyover {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool component_char_ok(char c, UriRule rule) {
    if (rule == UriRule::strict) return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    return c != '#' && !is_space(c);
}

}  // namespace

bool is_valid_uri(std::string_view uri, UriRule rule, bool allow_empty) {
    if (uri.empty()) return false;
    std::size_t component_length = 0;
    for (char c : uri) {
        if (c == '.') {
            if (component_length == 0 && !allow_empty) return false;
            component_length = 0;
            continue;
        }
        if (!component_char_ok(c, rule)) return false;
        ++component_length;
    }
    return component_length > 0 || allow_empty;
}

bool is_valid_pattern(std::string_view uri, MatchPolicy policy, UriRule rule) {
    // A prefix may end in '.' ("com.myapp." matches "com.myapp.x" but not "com.myapp2"), as Autobahn allows.
    if (policy == MatchPolicy::prefix && uri.size() > 1 && uri.back() == '.') uri.remove_suffix(1);
    return is_valid_uri(uri, rule, policy == MatchPolicy::wildcard);
}

bool is_reserved_uri(std::string_view uri) { return uri == "wamp" || uri.substr(0, 5) == "wamp."; }

}  // namespace flyover
