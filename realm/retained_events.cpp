#include "realm/retained_events.hpp"

namespace flyover::realm {

void RetainedEvents::retain(std::string_view topic, Event event) {
    auto it = topics_.find(topic);
    if (it == topics_.end()) it = topics_.emplace(std::string(topic), std::vector<Event>{}).first;
    auto& events = it->second;
    if (!event.audience.has_lists()) {
        events.clear();
    } else {
        std::erase_if(events, [&](const Event& e) { return e.audience == event.audience; });
        if (events.size() >= max_per_topic) events.erase(events.begin());
    }
    events.push_back(std::move(event));
}

std::string_view RetainedEvents::wildcard_lead(std::string_view pattern) {
    if (pattern.empty() || pattern[0] == '.') return {};
    auto empty_component = pattern.find("..");
    if (empty_component != std::string_view::npos) return pattern.substr(0, empty_component + 1);
    // A last empty component ("com.a.") leaves "com.a." as the lead; none at all, the whole pattern.
    return pattern;
}

}  // namespace flyover::realm
