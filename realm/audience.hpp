#pragma once
// Who may receive one publication: publisher exclusion (`exclude_me`) and the subscriber black- and whitelists
// (`exclude`, `eligible`, and their `_authid` / `_authrole` forms), as PUBLISH.Options give them.
// Thread affinity: none (a value type; the broker uses it on the realm strand).

#include <optional>
#include <string>
#include <vector>

#include "realm/session.hpp"
#include "serializers/ids.hpp"
#include "serializers/value.hpp"

namespace flyover::realm {

class Audience {
public:
    /// Everyone.
    Audience() = default;

    /// The audience PUBLISH.Options ask for. `publisher` (0 for the router itself) is left out unless
    /// `exclude_me` is false.
    static Audience from_options(const Dict& options, Id publisher);

    /// Whether a subscriber may receive the publication. The spec's rule (subscriber_blackwhite_listing): every
    /// whitelist present must contain the subscriber, no blacklist may. A whitelist that is present but empty
    /// admits nobody (the spec says "present"; Crossbar would read an empty list as absent).
    bool admits(const SessionInfo& subscriber) const {
        if (subscriber.id == excluded_publisher_) return false;
        return !has_lists_ || admits_by_lists(subscriber);
    }

    /// Whether any black- or whitelist restricts it (publisher exclusion aside).
    bool has_lists() const { return has_lists_; }

    bool operator==(const Audience&) const = default;

private:
    bool admits_by_lists(const SessionInfo& subscriber) const;

    Id excluded_publisher_ = 0;
    bool has_lists_ = false;
    // Sorted, so a fan-out to many subscribers costs a binary search per subscriber and list.
    std::optional<std::vector<Id>> eligible_;
    std::optional<std::vector<std::string>> eligible_authid_;
    std::optional<std::vector<std::string>> eligible_authrole_;
    std::vector<Id> exclude_;
    std::vector<std::string> exclude_authid_;
    std::vector<std::string> exclude_authrole_;
};

}  // namespace flyover::realm
