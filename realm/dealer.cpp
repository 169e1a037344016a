// Placeholder until the dealer lands (issue 5): every request is refused with an error, nothing is routed.
#include "realm/dealer.hpp"

#include "serializers/error_uris.hpp"

namespace flyover::realm {

struct Dealer::State {};

Dealer::Dealer(RealmContext& ctx) : ctx_(ctx), state_(std::make_unique<State>()) {}
Dealer::~Dealer() = default;
Dict Dealer::features() { return Dict{}; }
void Dealer::register_procedure(RealmSession& s, Register&& m) {
    s.send(ErrorMessage{MessageType::reg, m.request, {}, std::string(uris::feature_not_supported), {}});
}
void Dealer::unregister(RealmSession& s, Unregister&& m) {
    s.send(ErrorMessage{MessageType::unregister, m.request, {}, std::string(uris::no_such_registration), {}});
}
void Dealer::call(RealmSession& s, Call&& m) {
    s.send(ErrorMessage{MessageType::call, m.request, {}, std::string(uris::no_such_procedure), {}});
}
void Dealer::cancel(RealmSession&, Cancel&&) {}
void Dealer::yield(RealmSession&, Yield&&) {}
void Dealer::invocation_error(RealmSession&, ErrorMessage&&) {}
void Dealer::leave(RealmSession&) {}
void Dealer::expire(std::uint64_t) {}
std::size_t Dealer::registration_count() const { return 0; }
std::size_t Dealer::pending_call_count() const { return 0; }

}  // namespace flyover::realm
