#include "realm/meta_api.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <vector>

#include "realm/iso_time.hpp"
#include "realm/realm.hpp"
#include "serializers/error_uris.hpp"
#include "serializers/message_mapper.hpp"
#include "serializers/uri.hpp"

namespace flyover::realm {
namespace {

using Outcome = MetaApi::Outcome;

Outcome ok(List args = {}) { return Outcome{{}, {}, std::move(args)}; }

Outcome fail(std::string_view uri, std::string explanation) {
    return Outcome{std::string(uri), std::move(explanation), {}};
}

/// Positional argument `index`, else the keyword argument `name` (the parameter names of Crossbar's meta
/// procedures); nullptr when absent or null.
const Value* arg(const Call& m, std::size_t index, std::string_view name) {
    const Value* v = index < m.payload.args.size() ? &m.payload.args[index] : find(m.payload.kwargs, name);
    return v && !v->is_null() ? v : nullptr;
}

/// A keyword-only argument (get_events filters); nullptr when absent or null.
const Value* kwarg(const Call& m, std::string_view name) {
    const Value* v = find(m.payload.kwargs, name);
    return v && !v->is_null() ? v : nullptr;
}

std::string_view match_name(MatchPolicy p) {
    switch (p) {
    case MatchPolicy::exact: return "exact";
    case MatchPolicy::prefix: return "prefix";
    case MatchPolicy::wildcard: return "wildcard";
    }
    return "exact";
}

/// The `match` of a SUBSCRIBE/REGISTER-like options dict (absent: exact); nullopt when it is not one of the three.
std::optional<MatchPolicy> match_option(const Value* options) {
    if (!options) return MatchPolicy::exact;
    auto* d = options->as_dict();
    if (!d) return std::nullopt;
    auto* v = find(*d, "match");
    if (!v) return MatchPolicy::exact;
    auto* s = v->as_string();
    if (!s) return std::nullopt;
    if (*s == "exact") return MatchPolicy::exact;
    if (*s == "prefix") return MatchPolicy::prefix;
    if (*s == "wildcard") return MatchPolicy::wildcard;
    return std::nullopt;
}

List id_list(std::vector<Id> ids) {
    std::sort(ids.begin(), ids.end());
    List out;
    out.reserve(ids.size());
    for (Id id : ids) out.emplace_back(id);
    return out;
}

Dict session_details(const SessionInfo& i) {
    return Dict{{"session", i.id},           {"authid", i.authid},       {"authrole", i.authrole},
                {"authmethod", i.authmethod}, {"authprovider", i.authprovider}, {"transport", i.transport}};
}

Dict subscription_details(const SubscriptionInfo& s) {
    return Dict{{"id", s.id},
                {"created", format_timestamp(s.created_ms)},
                {"uri", s.uri},
                {"match", Value(match_name(s.match))}};
}

Dict registration_details(const RegistrationInfo& r) {
    return Dict{{"id", r.id},
                {"created", format_timestamp(r.created_ms)},
                {"uri", r.uri},
                {"match", Value(match_name(r.match))},
                {"invoke", Value(to_string(r.invoke))}};
}

/// PUBLISH.Options a testament may not carry: forward_for is for router-to-router links, and the payload of a
/// testament comes from the CALL's arguments, so it cannot be in passthru mode.
constexpr std::string_view refused_testament_options[] = {
    "forward_for", "enc_algo", "enc_serializer", "enc_key", "ppt_scheme", "ppt_serializer", "ppt_cipher", "ppt_keyid"};

}  // namespace

MetaApi::MetaApi(Realm& realm, RealmContext& ctx, Broker& broker, Dealer& dealer, Testaments& testaments,
                 EventHistory& history)
    : realm_(realm), ctx_(ctx), broker_(broker), dealer_(dealer), testaments_(testaments), history_(history) {}

const MetaApi::Handler* MetaApi::find_handler(std::string_view procedure) {
    static const std::unordered_map<std::string_view, Handler> table{
        {"wamp.session.count", &MetaApi::session_count},
        {"wamp.session.list", &MetaApi::session_list},
        {"wamp.session.get", &MetaApi::session_get},
        {"wamp.session.kill", &MetaApi::session_kill},
        {"wamp.session.kill_by_authid", &MetaApi::session_kill_by_authid},
        {"wamp.session.kill_by_authrole", &MetaApi::session_kill_by_authrole},
        {"wamp.session.kill_all", &MetaApi::session_kill_all},
        {"wamp.session.add_testament", &MetaApi::session_add_testament},
        {"wamp.session.flush_testaments", &MetaApi::session_flush_testaments},
        {"wamp.subscription.list", &MetaApi::subscription_list},
        {"wamp.subscription.lookup", &MetaApi::subscription_lookup},
        {"wamp.subscription.match", &MetaApi::subscription_match},
        {"wamp.subscription.get", &MetaApi::subscription_get},
        {"wamp.subscription.list_subscribers", &MetaApi::subscription_list_subscribers},
        {"wamp.subscription.count_subscribers", &MetaApi::subscription_count_subscribers},
        {"wamp.subscription.get_events", &MetaApi::subscription_get_events},
        {"wamp.registration.list", &MetaApi::registration_list},
        {"wamp.registration.lookup", &MetaApi::registration_lookup},
        {"wamp.registration.match", &MetaApi::registration_match},
        {"wamp.registration.get", &MetaApi::registration_get},
        {"wamp.registration.list_callees", &MetaApi::registration_list_callees},
        {"wamp.registration.count_callees", &MetaApi::registration_count_callees},
    };
    auto it = table.find(procedure);
    return it == table.end() ? nullptr : &it->second;
}

bool MetaApi::is_meta_procedure(std::string_view procedure) {
    // Most calls are application calls: one comparison settles them.
    return procedure.size() > 5 && procedure.compare(0, 5, "wamp.") == 0 && find_handler(procedure);
}

void MetaApi::call(RealmSession& caller, Call&& m) {
    materialize_payload(m.payload);  // the router reads these arguments itself
    Outcome o;
    if (!ctx_.authorize(caller.info(), Action::call, m.procedure)) {
        o = fail(uris::not_authorized, "session is not authorized to call procedure '" + m.procedure + "'");
    } else if (m.payload.transparent) {
        o = fail(uris::invalid_argument, "meta procedures read their arguments: payload passthru mode is not accepted");
    } else {
        o = (this->*(*find_handler(m.procedure)))(caller, m);
    }
    if (o.error.empty()) {
        caller.send(ResultMessage{m.request, {}, Payload{std::move(o.args), {}, {}}});
    } else {
        caller.send(ErrorMessage{MessageType::call, m.request, {}, std::move(o.error),
                                 Payload{List{Value(std::move(o.explanation))}, {}, {}}});
    }
}

// ---- meta events ----

void MetaApi::publish(std::string_view topic, List args) {
    if (muted_) return;
    broker_.publish_from_router(topic, Payload{std::move(args), {}, {}});
}

void MetaApi::session_joined(const SessionInfo& info) { publish("wamp.session.on_join", List{session_details(info)}); }

void MetaApi::session_left(const SessionInfo& info) {
    publish("wamp.session.on_leave", List{info.id, info.authid, info.authrole});
}

void MetaApi::publish_testaments(RealmSession& session) {
    for (auto& t : testaments_.take(session.id()))
        broker_.publish(session, Publish{0, std::move(t.options), std::move(t.topic), std::move(t.payload)});
}

void MetaApi::subscribed(Id session, Id subscription, std::string_view topic, bool created) {
    if (muted_ || is_reserved_uri(topic)) return;  // no meta events about meta event subscriptions (Crossbar)
    if (created) {
        if (auto info = broker_.subscription(subscription))
            publish("wamp.subscription.on_create", List{session, subscription_details(*info)});
    }
    publish("wamp.subscription.on_subscribe", List{session, subscription});
}

void MetaApi::unsubscribed(Id session, Id subscription, std::string_view topic, bool deleted) {
    if (muted_ || is_reserved_uri(topic)) return;
    publish("wamp.subscription.on_unsubscribe", List{session, subscription});
    if (deleted) publish("wamp.subscription.on_delete", List{session, subscription});
}

void MetaApi::published(std::string_view topic, Id publication, const Dict& options, const Dict& details,
                        const Payload& payload) {
    if (history_.enabled())
        history_.record(topic, publication, options, details, payload, ctx_.now_ms, ctx_.wall_ms());
}

void MetaApi::registered(Id session, Id registration, std::string_view procedure, bool created) {
    if (muted_ || is_reserved_uri(procedure)) return;
    if (created) {
        if (auto info = dealer_.registration(registration))
            publish("wamp.registration.on_create", List{session, registration_details(*info)});
    }
    publish("wamp.registration.on_register", List{session, registration});
}

void MetaApi::unregistered(Id session, Id registration, std::string_view procedure, bool deleted) {
    if (muted_ || is_reserved_uri(procedure)) return;
    publish("wamp.registration.on_unregister", List{session, registration});
    if (deleted) publish("wamp.registration.on_delete", List{session, registration});
}

// ---- wamp.session.* ----

namespace {

/// The optional filter_authroles argument of count/list: nullopt = no filter; an error when it is not a list of
/// strings.
bool read_authroles(const Call& m, std::optional<std::vector<std::string>>& out, Outcome& error) {
    const Value* v = arg(m, 0, "filter_authroles");
    if (!v) return true;
    auto* l = v->as_list();
    if (!l) {
        error = fail(uris::invalid_argument, "filter_authroles must be a list of strings");
        return false;
    }
    out.emplace();
    for (auto& item : *l) {
        auto* s = item.as_string();
        if (!s) {
            error = fail(uris::invalid_argument, "filter_authroles must be a list of strings");
            return false;
        }
        out->push_back(*s);
    }
    return true;
}

bool admitted(const std::optional<std::vector<std::string>>& roles, const SessionInfo& s) {
    return !roles || std::find(roles->begin(), roles->end(), s.authrole) != roles->end();
}

}  // namespace

MetaApi::Outcome MetaApi::session_count(RealmSession&, const Call& m) {
    std::optional<std::vector<std::string>> roles;
    Outcome error;
    if (!read_authroles(m, roles, error)) return error;
    std::size_t n = 0;
    for (auto& [id, s] : ctx_.sessions)
        if (admitted(roles, s.info())) ++n;
    return ok({n});
}

MetaApi::Outcome MetaApi::session_list(RealmSession&, const Call& m) {
    std::optional<std::vector<std::string>> roles;
    Outcome error;
    if (!read_authroles(m, roles, error)) return error;
    std::vector<Id> ids;
    for (auto& [id, s] : ctx_.sessions)
        if (admitted(roles, s.info())) ids.push_back(id);
    return ok({id_list(std::move(ids))});
}

MetaApi::Outcome MetaApi::session_get(RealmSession&, const Call& m) {
    const Value* v = arg(m, 0, "session_id");
    auto id = v ? v->as_uint() : std::nullopt;
    if (!id) return fail(uris::invalid_argument, "wamp.session.get needs a session ID");
    const RealmSession* s = ctx_.find_session(*id);
    if (!s) return fail(uris::no_such_session, "no session with ID " + std::to_string(*id) + " exists in this realm");
    return ok({session_details(s->info())});
}

template <class Pick>
MetaApi::Outcome MetaApi::kill_where(RealmSession& caller, const Call& m, std::size_t first_option, bool announce,
                                     Pick pick, std::vector<Id>& killed) {
    std::string reason(uris::killed);
    if (const Value* r = arg(m, first_option, "reason")) {
        auto* s = r->as_string();
        if (!s || !is_valid_uri(*s, ctx_.uri_rule))
            return fail(uris::invalid_uri, "reason must be a valid, non-empty URI");
        reason = *s;
    }
    std::string message;
    if (const Value* v = arg(m, first_option + 1, "message")) {
        auto* s = v->as_string();
        if (!s) return fail(uris::invalid_argument, "message must be a string");
        message = *s;
    }
    // Spec: never the caller. Chosen first, killed after: leaving changes ctx_.sessions.
    for (auto& [id, s] : ctx_.sessions)
        if (id != caller.id() && pick(s.info())) killed.push_back(id);
    std::sort(killed.begin(), killed.end());
    for (Id id : killed) {
        // Its GOODBYE goes out before anything its departure causes, and each victim leaves before the next is
        // told: nothing reaches a session after its GOODBYE.
        if (const RealmSession* s = ctx_.find_session(id)) s->close(reason, message);
        realm_.depart(id, announce);
    }
    return ok();
}

MetaApi::Outcome MetaApi::session_kill(RealmSession& caller, const Call& m) {
    const Value* v = arg(m, 0, "session_id");
    auto id = v ? v->as_uint() : std::nullopt;
    if (!id) return fail(uris::invalid_argument, "wamp.session.kill needs a session ID");
    // Spec: the caller's own ID is "no other session with that ID".
    if (*id == caller.id() || !ctx_.find_session(*id))
        return fail(uris::no_such_session, "no other session with ID " + std::to_string(*id) + " exists in this realm");
    std::vector<Id> killed;
    return kill_where(caller, m, 1, true, [&](const SessionInfo& s) { return s.id == *id; }, killed);
}

MetaApi::Outcome MetaApi::session_kill_by_authid(RealmSession& caller, const Call& m) {
    const Value* v = arg(m, 0, "authid");
    auto* authid = v ? v->as_string() : nullptr;
    if (!authid) return fail(uris::invalid_argument, "wamp.session.kill_by_authid needs an authid");
    std::vector<Id> killed;
    auto o = kill_where(caller, m, 1, true, [&](const SessionInfo& s) { return s.authid == *authid; }, killed);
    if (!o.error.empty()) return o;
    return ok({id_list(std::move(killed))});
}

MetaApi::Outcome MetaApi::session_kill_by_authrole(RealmSession& caller, const Call& m) {
    const Value* v = arg(m, 0, "authrole");
    auto* authrole = v ? v->as_string() : nullptr;
    if (!authrole) return fail(uris::invalid_argument, "wamp.session.kill_by_authrole needs an authrole");
    std::vector<Id> killed;
    auto o = kill_where(caller, m, 1, true, [&](const SessionInfo& s) { return s.authrole == *authrole; }, killed);
    if (!o.error.empty()) return o;
    return ok({killed.size()});
}

MetaApi::Outcome MetaApi::session_kill_all(RealmSession& caller, const Call& m) {
    std::vector<Id> killed;
    auto o = kill_where(caller, m, 0, false, [](const SessionInfo&) { return true; }, killed);
    if (!o.error.empty()) return o;
    return ok({killed.size()});
}

MetaApi::Outcome MetaApi::session_add_testament(RealmSession& caller, const Call& m) {
    const Value* t = arg(m, 0, "topic");
    auto* topic = t ? t->as_string() : nullptr;
    if (!topic) return fail(uris::invalid_argument, "wamp.session.add_testament needs a topic");
    if (!is_valid_uri(*topic, ctx_.uri_rule)) return fail(uris::invalid_uri, "invalid topic URI '" + *topic + "'");
    if (is_reserved_uri(*topic)) return fail(uris::invalid_uri, "restricted topic URI '" + *topic + "'");

    Testaments::Testament testament;
    testament.topic = *topic;
    if (const Value* a = arg(m, 1, "args")) {
        auto* l = a->as_list();
        if (!l) return fail(uris::invalid_argument, "args must be a list");
        testament.payload.args = *l;
    }
    if (const Value* k = arg(m, 2, "kwargs")) {
        auto* d = k->as_dict();
        if (!d) return fail(uris::invalid_argument, "kwargs must be a dict");
        testament.payload.kwargs = *d;
    }
    if (const Value* o = arg(m, 3, "publish_options")) {
        auto* d = o->as_dict();
        if (!d) return fail(uris::invalid_argument, "publish_options must be a dict");
        testament.options = *d;
        for (auto key : refused_testament_options)
            if (find(testament.options, key))
                return fail(uris::invalid_argument,
                            "publish_options." + std::string(key) + " is not allowed in a testament");
        // As Crossbar: nobody waits for an acknowledgement, and the publisher is gone anyway.
        testament.options.erase("acknowledge");
        testament.options.erase("exclude_me");
    }
    auto scope = Testaments::Scope::destroyed;  // spec default
    if (const Value* s = arg(m, 4, "scope")) {
        auto* name = s->as_string();
        auto parsed = name ? Testaments::parse_scope(*name) : std::nullopt;
        if (!parsed) return fail(uris::invalid_argument, "scope must be \"destroyed\" or \"detached\"");
        scope = *parsed;
    }
    // Checked now, so the caller learns of it; the publication at departure is authorized again like any other.
    if (!ctx_.authorize(caller.info(), Action::publish, *topic))
        return fail(uris::not_authorized, "session is not authorized to publish to topic '" + *topic + "'");
    if (!testaments_.add(caller.id(), scope, std::move(testament)))
        return fail(uris::too_many_testaments,
                    "a session may hold at most " + std::to_string(Testaments::max_per_session) + " testaments");
    return ok();
}

MetaApi::Outcome MetaApi::session_flush_testaments(RealmSession& caller, const Call& m) {
    auto scope = Testaments::Scope::destroyed;
    if (const Value* s = arg(m, 0, "scope")) {
        auto* name = s->as_string();
        auto parsed = name ? Testaments::parse_scope(*name) : std::nullopt;
        if (!parsed) return fail(uris::invalid_argument, "scope must be \"destroyed\" or \"detached\"");
        scope = *parsed;
    }
    testaments_.flush(caller.id(), scope);
    return ok();
}

// ---- wamp.subscription.* ----

const SubscriptionInfo* MetaApi::subscription_argument(const Call& m, std::optional<SubscriptionInfo>& holder,
                                                       Outcome& error) {
    const Value* v = arg(m, 0, "subscription_id");
    auto id = v ? v->as_uint() : std::nullopt;
    if (!id) {
        error = fail(uris::invalid_argument, m.procedure + " needs a subscription ID");
        return nullptr;
    }
    holder = broker_.subscription(*id);
    if (!holder) {
        error = fail(uris::no_such_subscription,
                     "no subscription with ID " + std::to_string(*id) + " exists in this realm");
        return nullptr;
    }
    if (is_reserved_uri(holder->uri)) {
        error = fail(uris::not_authorized, "subscription " + std::to_string(*id) + " is on a protected topic");
        return nullptr;
    }
    return &*holder;
}

MetaApi::Outcome MetaApi::subscription_list(RealmSession&, const Call&) {
    std::vector<Id> exact, prefix, wildcard;
    broker_.for_each_subscription([&](Id id, std::string_view uri, MatchPolicy match) {
        if (is_reserved_uri(uri)) return;
        (match == MatchPolicy::exact ? exact : match == MatchPolicy::prefix ? prefix : wildcard).push_back(id);
    });
    return ok({Dict{{"exact", id_list(std::move(exact))},
                    {"prefix", id_list(std::move(prefix))},
                    {"wildcard", id_list(std::move(wildcard))}}});
}

MetaApi::Outcome MetaApi::subscription_lookup(RealmSession&, const Call& m) {
    const Value* t = arg(m, 0, "topic");
    auto* topic = t ? t->as_string() : nullptr;
    if (!topic) return fail(uris::invalid_argument, "wamp.subscription.lookup needs a topic");
    auto match = match_option(arg(m, 1, "options"));
    if (!match) return fail(uris::invalid_argument, "options.match must be one of exact, prefix, wildcard");
    Id id = is_reserved_uri(*topic) ? 0 : broker_.lookup_subscription(*topic, *match);
    return ok({id ? Value(id) : Value()});
}

MetaApi::Outcome MetaApi::subscription_match(RealmSession&, const Call& m) {
    const Value* t = arg(m, 0, "topic");
    auto* topic = t ? t->as_string() : nullptr;
    if (!topic) return fail(uris::invalid_argument, "wamp.subscription.match needs a topic");
    List ids;
    broker_.for_each_matching_subscription(*topic, [&](Id id, std::string_view uri, MatchPolicy) {
        if (!is_reserved_uri(uri)) ids.emplace_back(id);
    });
    return ok({ids.empty() ? Value() : Value(std::move(ids))});
}

MetaApi::Outcome MetaApi::subscription_get(RealmSession&, const Call& m) {
    std::optional<SubscriptionInfo> holder;
    Outcome error;
    auto* sub = subscription_argument(m, holder, error);
    if (!sub) return error;
    return ok({subscription_details(*sub)});
}

MetaApi::Outcome MetaApi::subscription_list_subscribers(RealmSession&, const Call& m) {
    std::optional<SubscriptionInfo> holder;
    Outcome error;
    auto* sub = subscription_argument(m, holder, error);
    if (!sub) return error;
    return ok({id_list(sub->subscribers)});
}

MetaApi::Outcome MetaApi::subscription_count_subscribers(RealmSession&, const Call& m) {
    std::optional<SubscriptionInfo> holder;
    Outcome error;
    auto* sub = subscription_argument(m, holder, error);
    if (!sub) return error;
    return ok({sub->subscribers.size()});
}

MetaApi::Outcome MetaApi::subscription_get_events(RealmSession& caller, const Call& m) {
    std::optional<SubscriptionInfo> holder;
    Outcome error;
    auto* sub = subscription_argument(m, holder, error);
    if (!sub) return error;
    // Spec: whoever may not subscribe to the topic may not read its history either.
    if (!ctx_.authorize(caller.info(), Action::subscribe, sub->uri))
        return fail(uris::not_authorized, "session is not authorized to subscribe to topic '" + sub->uri + "'");
    if (!history_.covers(sub->uri, sub->match))
        return fail(uris::history_unavailable, "no event history is kept for the topics of subscription " +
                                                   std::to_string(sub->id));

    EventHistory::Query q;
    if (const Value* v = arg(m, 1, "limit")) {
        auto n = v->as_uint();
        if (!n || *n == 0) return fail(uris::invalid_argument, "limit must be a positive integer");
        q.limit = static_cast<std::size_t>(*n);
    }
    if (const Value* v = kwarg(m, "reverse")) {
        if (!v->as_bool()) return fail(uris::invalid_argument, "reverse must be true or false");
        q.reverse = *v->as_bool();
    }
    if (const Value* v = kwarg(m, "topic")) {
        if (!v->as_string()) return fail(uris::invalid_argument, "topic must be a URI");
        q.topic = *v->as_string();
    }
    struct TimeFilter {
        std::string_view name;
        std::optional<std::uint64_t>& out;
    };
    for (auto [name, out] : {TimeFilter{"from_time", q.from_time}, TimeFilter{"after_time", q.after_time},
                             TimeFilter{"before_time", q.before_time}, TimeFilter{"until_time", q.until_time}}) {
        if (const Value* v = kwarg(m, name)) {
            auto* s = v->as_string();
            auto t = s ? parse_timestamp(*s) : std::nullopt;
            if (!t) return fail(uris::invalid_argument, std::string(name) + " must be an RFC 3339 timestamp");
            out = *t;
        }
    }
    struct PublicationFilter {
        std::string_view name;
        std::optional<Id>& out;
    };
    for (auto [name, out] :
         {PublicationFilter{"from_publication", q.from_publication},
          PublicationFilter{"after_publication", q.after_publication},
          PublicationFilter{"before_publication", q.before_publication},
          PublicationFilter{"until_publication", q.until_publication}}) {
        if (const Value* v = kwarg(m, name)) {
            auto id = v->as_uint();
            if (!id) return fail(uris::invalid_argument, std::string(name) + " must be a publication ID");
            out = *id;
        }
    }

    List events;
    for (auto& found : history_.query(sub->uri, sub->match, caller.info(), ctx_.now_ms, q)) {
        const auto& e = *found.event;
        Payload payload = e.payload;  // kept as received: decoded here, where the router reads it
        materialize_payload(payload);
        Dict details = e.details;
        // As the live EVENT of a pattern subscription: the concrete topic.
        if (sub->match != MatchPolicy::exact) details.insert_or_assign("topic", std::string(found.topic));
        events.emplace_back(Dict{{"timestamp", format_timestamp(e.wall_ms)},
                                 {"subscription", sub->id},
                                 {"publication", e.publication},
                                 {"details", std::move(details)},
                                 {"args", std::move(payload.args)},
                                 {"kwargs", std::move(payload.kwargs)}});
    }
    // One positional result, the list (what Crossbar's Python procedure returns), so Autobahn hands the caller
    // the list itself.
    return ok({std::move(events)});
}

// ---- wamp.registration.* ----

const RegistrationInfo* MetaApi::registration_argument(const Call& m, std::optional<RegistrationInfo>& holder,
                                                       Outcome& error) {
    const Value* v = arg(m, 0, "registration_id");
    auto id = v ? v->as_uint() : std::nullopt;
    if (!id) {
        error = fail(uris::invalid_argument, m.procedure + " needs a registration ID");
        return nullptr;
    }
    holder = dealer_.registration(*id);
    if (!holder) {
        error = fail(uris::no_such_registration,
                     "no registration with ID " + std::to_string(*id) + " exists in this realm");
        return nullptr;
    }
    return &*holder;
}

MetaApi::Outcome MetaApi::registration_list(RealmSession&, const Call&) {
    std::vector<Id> exact, prefix, wildcard;
    dealer_.for_each_registration([&](Id id, std::string_view, MatchPolicy match) {
        (match == MatchPolicy::exact ? exact : match == MatchPolicy::prefix ? prefix : wildcard).push_back(id);
    });
    return ok({Dict{{"exact", id_list(std::move(exact))},
                    {"prefix", id_list(std::move(prefix))},
                    {"wildcard", id_list(std::move(wildcard))}}});
}

MetaApi::Outcome MetaApi::registration_lookup(RealmSession&, const Call& m) {
    const Value* p = arg(m, 0, "procedure");
    auto* procedure = p ? p->as_string() : nullptr;
    if (!procedure) return fail(uris::invalid_argument, "wamp.registration.lookup needs a procedure");
    auto match = match_option(arg(m, 1, "options"));
    if (!match) return fail(uris::invalid_argument, "options.match must be one of exact, prefix, wildcard");
    Id id = dealer_.lookup_registration(*procedure, *match);
    return ok({id ? Value(id) : Value()});
}

MetaApi::Outcome MetaApi::registration_match(RealmSession&, const Call& m) {
    const Value* p = arg(m, 0, "procedure");
    auto* procedure = p ? p->as_string() : nullptr;
    if (!procedure) return fail(uris::invalid_argument, "wamp.registration.match needs a procedure");
    Id id = dealer_.match_registration(*procedure);
    return ok({id ? Value(id) : Value()});
}

MetaApi::Outcome MetaApi::registration_get(RealmSession&, const Call& m) {
    std::optional<RegistrationInfo> holder;
    Outcome error;
    auto* reg = registration_argument(m, holder, error);
    if (!reg) return error;
    return ok({registration_details(*reg)});
}

MetaApi::Outcome MetaApi::registration_list_callees(RealmSession&, const Call& m) {
    std::optional<RegistrationInfo> holder;
    Outcome error;
    auto* reg = registration_argument(m, holder, error);
    if (!reg) return error;
    return ok({id_list(reg->callees)});
}

MetaApi::Outcome MetaApi::registration_count_callees(RealmSession&, const Call& m) {
    std::optional<RegistrationInfo> holder;
    Outcome error;
    auto* reg = registration_argument(m, holder, error);
    if (!reg) return error;
    return ok({reg->callees.size()});
}

}  // namespace flyover::realm
