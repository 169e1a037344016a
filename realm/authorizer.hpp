#pragma once
// The authorization hook every broker and dealer action passes through. Today a realm either allows
// everything to a role or nothing; the authorization issue fills in per-URI permissions behind this interface.
// Thread affinity: realm strand only.

#include <functional>
#include <string_view>

#include "realm/session.hpp"

namespace flyover::realm {

enum class Action { publish, subscribe, call, reg };

/// Whether `session` may perform `action` on `uri`.
using Authorizer = std::function<bool(const SessionInfo& session, Action action, std::string_view uri)>;

inline Authorizer allow_all() {
    return [](const SessionInfo&, Action, std::string_view) { return true; };
}

}  // namespace flyover::realm
