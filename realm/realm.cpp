#include "realm/realm.hpp"

#include "serializers/error_uris.hpp"

namespace flyover::realm {

Realm::Realm(RealmOptions options)
    : broker_(ctx_),
      dealer_(ctx_),
      history_(std::move(options.event_history)),
      meta_(*this, ctx_, broker_, dealer_, testaments_, history_) {
    ctx_.name = std::move(options.name);
    ctx_.uri_rule = options.uri_rule;
    ctx_.authorize = std::move(options.authorize);
    ctx_.wall_clock = std::move(options.wall_clock);
    ctx_.max_pending_calls = options.max_pending_calls;
    ctx_.observer = &meta_;
}

Dict Realm::router_roles() {
    return Dict{{"broker", Dict{{"features", Broker::features()}}}, {"dealer", Dict{{"features", Dealer::features()}}}};
}

void Realm::join(SessionInfo info, std::weak_ptr<Peer> peer) {
    auto id = info.id;
    auto [it, added] = ctx_.sessions.try_emplace(id, std::move(info), std::move(peer));
    if (added) meta_.session_joined(it->second.info());
}

void Realm::leave(Id session) { depart(session, true); }

void Realm::depart(Id session, bool announce) {
    auto it = ctx_.sessions.find(session);
    if (it == ctx_.sessions.end()) return;
    RealmSession& s = it->second;
    // Testaments first, while the session still exists to publish them (Crossbar's order too).
    if (announce) meta_.publish_testaments(s);
    else testaments_.take(session);
    meta_.set_muted(!announce);
    broker_.leave(s);
    dealer_.leave(s);
    meta_.set_muted(false);
    SessionInfo info = s.info();
    ctx_.sessions.erase(it);
    if (announce) meta_.session_left(info);
}

void Realm::tick(std::uint64_t now_ms) {
    ctx_.now_ms = now_ms;
    dealer_.expire(now_ms);
    history_.expire(now_ms);
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
            else if constexpr (std::is_same_v<T, Call>) {
                if (MetaApi::is_meta_procedure(m.procedure)) meta_.call(s, std::move(m));
                else dealer_.call(s, std::move(m));
            }
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
