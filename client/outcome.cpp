#include "client/outcome.hpp"

namespace flyover::client {

std::string WampError::message() const {
    if (auto* m = get_string(details, "message")) return *m;
    if (!args.empty())
        if (auto* s = args.front().as_string()) return *s;
    return {};
}

WampError make_wamp_error(std::string uri, std::string message) {
    WampError e;
    e.uri = std::move(uri);
    if (!message.empty()) e.args.emplace_back(std::move(message));
    return e;
}

}  // namespace flyover::client
