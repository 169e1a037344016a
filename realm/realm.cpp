#include "realm/realm.hpp"

#include "serializers/error_uris.hpp"

namespace flyover::realm {

Realm::Realm(RealmOptions options) : broker_(ctx_), dealer_(ctx_) {
    ctx_.name = std::move(options.name);
    ctx_.uri_rule = options.uri_rule;
    ctx_.authorize = std::move(options.authorize);
}

Dict Realm::router_roles() {
    return Dict{{"broker", Dict{{"features", Broker::features()}}}, {"dealer", Dict{{"features", Dealer::features()}}}};
}

void Realm::join(SessionInfo info, std::weak_ptr<Peer> peer) {
    auto id = info.id;
    ctx_.sessions.try_emplace(id, std::move(info), std::move(peer));
}

void Realm::leave(Id session) {
    auto it = ctx_.sessions.find(session);
    if (it == ctx_.sessions.end()) return;
    broker_.leave(it->second);
    dealer_.leave(it->second);
    ctx_.sessions.erase(it);
}

void Realm::tick(std::uint64_t now_ms) {
    ctx_.now_ms = now_ms;
    dealer_.expire(now_ms);
}

void Realm::handle(Id session, Message&& message) {
    auto it = ctx_.sessions.find(session);
    if (it == ctx_.sessions.end()) return;  // already left: its messages die with it
    RealmSession& s = it->second;
    std::visit(
        [&](auto&& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, Publish>) broker_.publish(s, std::move(m));
            else if constexpr (std::is_same_v<T, Subscribe>) broker_.subscribe(s, std::move(m));
            else if constexpr (std::is_same_v<T, Unsubscribe>) broker_.unsubscribe(s, std::move(m));
            else if constexpr (std::is_same_v<T, Call>) dealer_.call(s, std::move(m));
            else if constexpr (std::is_same_v<T, Cancel>) dealer_.cancel(s, std::move(m));
            else if constexpr (std::is_same_v<T, Register>) dealer_.register_procedure(s, std::move(m));
            else if constexpr (std::is_same_v<T, Unregister>) dealer_.unregister(s, std::move(m));
            else if constexpr (std::is_same_v<T, Yield>) dealer_.yield(s, std::move(m));
            else if constexpr (std::is_same_v<T, ErrorMessage>) {
                if (m.request_type == MessageType::invocation) dealer_.invocation_error(s, std::move(m));
                else s.abort(uris::protocol_violation, "ERROR is only valid in reply to INVOCATION");
            } else {
                s.abort(uris::protocol_violation,
                        std::string(message_type_name(type_of(Message{m}))) + " is not valid in an established session");
            }
        },
        std::move(message));
}

}  // namespace flyover::realm
