#pragma once
// How the client reports results: a value or a WampError, never an exception. An ERROR reply from the router,
// an ABORT, a lost connection and a request the client could not send all end up as a WampError that names a
// URI, so application code handles "the callee said no" and "the network went away" the same way.
// Thread affinity: none (plain value types).

#include <string>
#include <utility>
#include <variant>

#include "serializers/value.hpp"

namespace flyover::client {

/// A WAMP error as a value: the URI of an ERROR or ABORT (or of a failure the client detected itself, see
/// client_uris.hpp), with the arguments and details that came with it.
struct WampError {
    std::string uri;
    List args;
    Dict kwargs;
    Dict details;

    /// A human-readable text: details.message, else args[0] if it is a string, else "".
    std::string message() const;
    bool operator==(const WampError&) const = default;
};

/// Builds a WampError whose only argument is a message (the Crossbar/Autobahn convention: args[0]).
WampError make_wamp_error(std::string uri, std::string message = {});

/// The value of an operation that has nothing to return besides "it worked" (unsubscribe, unregister, leave).
struct Done {
    bool operator==(const Done&) const = default;
};

/// A T or a WampError.
template <class T>
class Outcome {
public:
    Outcome(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Outcome(WampError error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }

    const WampError& error() const { return std::get<1>(v_); }

private:
    std::variant<T, WampError> v_;
};

/// The outcome of an operation without a value.
using Status = Outcome<Done>;

}  // namespace flyover::client
