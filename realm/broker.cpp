// Placeholder until the broker lands (issue 4): every request is refused with an error, nothing is routed.
#include "realm/broker.hpp"

#include "serializers/error_uris.hpp"

namespace flyover::realm {

struct Broker::State {};

Broker::Broker(RealmContext& ctx) : ctx_(ctx), state_(std::make_unique<State>()) {}
Broker::~Broker() = default;
Dict Broker::features() { return Dict{}; }
void Broker::subscribe(RealmSession& s, Subscribe&& m) {
    s.send(ErrorMessage{MessageType::subscribe, m.request, {}, std::string(uris::feature_not_supported), {}});
}
void Broker::unsubscribe(RealmSession& s, Unsubscribe&& m) {
    s.send(ErrorMessage{MessageType::unsubscribe, m.request, {}, std::string(uris::no_such_subscription), {}});
}
void Broker::publish(RealmSession&, Publish&&) {}
void Broker::leave(RealmSession&) {}
std::size_t Broker::subscription_count() const { return 0; }

}  // namespace flyover::realm
