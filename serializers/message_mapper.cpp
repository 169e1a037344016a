#include "serializers/message_mapper.hpp"

#include <array>
#include <cstring>
#include <initializer_list>
#include <new>
#include <type_traits>

#include "serializers/uri.hpp"

namespace flyover {

// ---------------------------------------------------------------------------------------------------------
// Decoding: wire array -> struct
// ---------------------------------------------------------------------------------------------------------

namespace {

/// What a known option/detail key must hold.
enum class Kind { boolean, string, uri, id, uint, id_list, string_list, dict_list, match, invoke, cancel_mode, enc_algo };

struct KeyRule {
    std::string_view key;
    Kind kind;
};

// The option and detail keys the spec defines, per message; unknown keys pass (WAMP is extensible).
constexpr KeyRule forward_for{"forward_for", Kind::dict_list};
constexpr KeyRule enc_algo{"enc_algo", Kind::enc_algo};
constexpr KeyRule enc_serializer{"enc_serializer", Kind::string};
constexpr KeyRule enc_key{"enc_key", Kind::string};

const std::initializer_list<KeyRule> publish_options{
    {"acknowledge", Kind::boolean},   {"exclude_me", Kind::boolean},        {"exclude", Kind::id_list},
    {"eligible", Kind::id_list},      {"exclude_authid", Kind::string_list}, {"exclude_authrole", Kind::string_list},
    {"eligible_authid", Kind::string_list}, {"eligible_authrole", Kind::string_list}, {"retain", Kind::boolean},
    {"disclose_me", Kind::boolean},   {"transaction_hash", Kind::string},    forward_for, enc_algo, enc_serializer,
    enc_key};
const std::initializer_list<KeyRule> subscribe_options{
    {"match", Kind::match}, {"get_retained", Kind::boolean}, forward_for};
const std::initializer_list<KeyRule> event_details{
    {"publisher", Kind::id},    {"publisher_authid", Kind::string}, {"publisher_authrole", Kind::string},
    {"topic", Kind::uri},       {"retained", Kind::boolean},         {"transaction_hash", Kind::string},
    {"x_acknowledged_delivery", Kind::boolean}, forward_for, enc_algo, enc_serializer, enc_key};
const std::initializer_list<KeyRule> call_options{
    {"receive_progress", Kind::boolean}, {"progress", Kind::boolean}, {"timeout", Kind::uint},
    {"disclose_me", Kind::boolean}, forward_for, enc_algo, enc_serializer, enc_key};
const std::initializer_list<KeyRule> register_options{
    {"match", Kind::match}, {"invoke", Kind::invoke}, {"disclose_caller", Kind::boolean},
    {"force_reregister", Kind::boolean}, {"concurrency", Kind::uint}, forward_for};
const std::initializer_list<KeyRule> invocation_details{
    {"caller", Kind::id},     {"caller_authid", Kind::string}, {"caller_authrole", Kind::string},
    {"procedure", Kind::uri}, {"receive_progress", Kind::boolean}, {"progress", Kind::boolean},
    {"timeout", Kind::uint},  forward_for, enc_algo, enc_serializer, enc_key};
const std::initializer_list<KeyRule> yield_options{{"progress", Kind::boolean}, forward_for, enc_algo,
                                                   enc_serializer, enc_key};
const std::initializer_list<KeyRule> result_details{{"progress", Kind::boolean}, forward_for, enc_algo,
                                                    enc_serializer, enc_key};
const std::initializer_list<KeyRule> cancel_options{{"mode", Kind::cancel_mode}, forward_for};
const std::initializer_list<KeyRule> interrupt_options{{"mode", Kind::cancel_mode}, {"reason", Kind::uri},
                                                       forward_for};
const std::initializer_list<KeyRule> error_details{forward_for, enc_algo, enc_serializer, enc_key};
const std::initializer_list<KeyRule> no_rules{};

bool one_of(const std::string& s, std::initializer_list<std::string_view> allowed) {
    for (auto a : allowed)
        if (s == a) return true;
    return false;
}

bool list_of(const Value& v, bool (*pred)(const Value&)) {
    auto l = v.as_list();
    if (!l) return false;
    for (auto& item : *l)
        if (!pred(item)) return false;
    return true;
}

/// Whether `v` fits `kind`; on failure `expected` says what was wanted.
bool fits(const Value& v, Kind kind, std::string_view& expected) {
    auto str = v.as_string();
    switch (kind) {
    case Kind::boolean: expected = "a bool"; return v.as_bool() != nullptr;
    case Kind::string: expected = "a string"; return str != nullptr;
    case Kind::uri: expected = "a URI string"; return str && is_valid_uri(*str, UriRule::loose, true);
    case Kind::id: expected = "an id in [1, 2^53]"; return v.as_uint() && is_valid_id(*v.as_uint());
    case Kind::uint: expected = "a non-negative integer"; return v.as_uint().has_value();
    case Kind::id_list:
        expected = "a list of ids";
        return list_of(v, [](const Value& i) { return i.as_uint() && is_valid_id(*i.as_uint()); });
    case Kind::string_list:
        expected = "a list of strings";
        return list_of(v, [](const Value& i) { return i.as_string() != nullptr; });
    case Kind::dict_list:
        expected = "a list of dicts";
        return list_of(v, [](const Value& i) { return i.as_dict() != nullptr; });
    case Kind::match: expected = "one of exact, prefix, wildcard"; return str && one_of(*str, {"exact", "prefix", "wildcard"});
    case Kind::invoke:
        expected = "one of single, roundrobin, random, first, last";
        return str && one_of(*str, {"single", "roundrobin", "random", "first", "last"});
    case Kind::cancel_mode: expected = "one of skip, kill, killnowait"; return str && one_of(*str, {"skip", "kill", "killnowait"});
    case Kind::enc_algo:
        // The spec's payload passthru algorithms, plus the "x_" prefix it reserves for custom ones.
        expected = "one of cryptobox, mqtt, xbr or x_*";
        return str && (one_of(*str, {"cryptobox", "mqtt", "xbr"}) || str->rfind("x_", 0) == 0);
    }
    return false;
}

class Decoder {
public:
    Decoder(List& items, std::string_view name, const RawInput* raw) : items_(items), name_(name), raw_(raw) {}

    bool arity(std::size_t min, std::size_t max) {
        if (items_.size() < min || items_.size() > max) {
            fail(std::string(name_) + " must have " + std::to_string(min) +
                 (min == max ? "" : " to " + std::to_string(max)) + " elements, got " + std::to_string(items_.size()));
            return false;
        }
        return true;
    }

    bool id(std::size_t i, std::string_view field, Id& out, bool allow_zero = false) {
        auto u = items_[i].as_uint();
        if (!u || (!is_valid_id(*u) && !(allow_zero && *u == 0))) {
            fail(std::string(name_) + "." + std::string(field) + " must be an id in [1, 2^53], got " +
                 to_debug_string(items_[i]));
            return false;
        }
        out = *u;
        return true;
    }

    /// A URI-typed element. Only its type is checked here: whether it is a valid URI (and for which match
    /// policy, and under the realm's strict or loose rule) is the broker's, dealer's or router's call, because
    /// the spec answers a bad topic or procedure with ERROR wamp.error.invalid_uri, not with ABORT.
    bool uri(std::size_t i, std::string_view field, std::string& out) {
        auto s = items_[i].as_string();
        if (!s) return type_error(i, field, "a URI string");
        out = std::move(*s);
        return true;
    }

    bool string(std::size_t i, std::string_view field, std::string& out) {
        auto s = items_[i].as_string();
        if (!s) return type_error(i, field, "a string");
        out = std::move(*s);
        return true;
    }

    bool dict(std::size_t i, std::string_view field, Dict& out, std::initializer_list<KeyRule> rules) {
        auto d = items_[i].as_dict();
        if (!d) return type_error(i, field, "a dict");
        for (auto& rule : rules) {
            auto v = find(*d, rule.key);
            std::string_view expected;
            if (v && !fits(*v, rule.kind, expected)) {
                fail(std::string(name_) + "." + std::string(field) + "." + std::string(rule.key) + " must be " +
                     std::string(expected) + ", got " + to_debug_string(*v));
                return false;
            }
        }
        out = std::move(*d);
        return true;
    }

    /// Arguments|list and ArgumentsKw|dict from element `first` on, or in payload passthru mode (the
    /// options/details dict holds enc_algo) one opaque payload element.
    bool payload(std::size_t first, const Dict& options, Payload& out) {
        if (raw_ && !raw_->tail.spans.empty() && raw_->tail.first == first) {
            auto& spans = raw_->tail.spans;
            bool passthru = find(options, "enc_algo") != nullptr;
            if (!passthru && spans[0].kind == 'l' && (spans.size() == 1 || spans[1].kind == 'd')) {
                std::string_view args = raw_->bytes.substr(spans[0].offset, spans[0].size), kwargs;
                if (spans.size() > 1) kwargs = raw_->bytes.substr(spans[1].offset, spans[1].size);
                out.raw = make_raw_payload(raw_->codec.id(), args, kwargs);
                return true;
            }
            // Not plain Arguments/ArgumentsKw: decode the kept elements and let the checks below speak.
            for (std::size_t i = 0; i < spans.size(); ++i) {
                if (spans[i].kind == 'o') continue;  // built already
                auto v = raw_->codec.decode(raw_->bytes.substr(spans[i].offset, spans[i].size), raw_->limits);
                if (!v) {
                    fail(v.error().message);
                    return false;
                }
                items_[first + i] = std::move(v).value();
            }
        }
        if (find(options, "enc_algo")) {
            if (items_.size() > first + 1) {
                fail(std::string(name_) + " in payload passthru mode must carry one payload element");
                return false;
            }
            if (items_.size() == first + 1) {
                auto& p = items_[first];
                if (!p.as_bytes() && !p.as_string()) return type_error(first, "Payload", "binary or a string");
                out.transparent = std::move(p);
            }
            return true;
        }
        if (items_.size() > first) {
            auto l = items_[first].as_list();
            if (!l) return type_error(first, "Arguments", "a list");
            out.args = std::move(*l);
        }
        if (items_.size() > first + 1) {
            auto d = items_[first + 1].as_dict();
            if (!d) return type_error(first + 1, "ArgumentsKw", "a dict");
            out.kwargs = std::move(*d);
        }
        return true;
    }

    Error error() const { return Error{error_}; }

private:
    bool type_error(std::size_t i, std::string_view field, std::string_view expected) {
        fail(std::string(name_) + "." + std::string(field) + " must be " + std::string(expected) + ", got " +
             std::string(items_[i].type_name()));
        return false;
    }
    void fail(std::string message) { error_ = std::move(message); }

    List& items_;
    std::string_view name_;
    const RawInput* raw_;
    std::string error_;
};

template <class M>
Result<Message> done(Decoder& d, bool ok, M&& m) {
    if (!ok) return d.error();
    return Message{std::forward<M>(m)};
}

Result<Message> decode_items(MessageType type, List& items, const RawInput* raw) {
    Decoder d(items, message_type_name(type), raw);
    switch (type) {
    case MessageType::hello: {
        Hello m;
        bool ok = d.arity(3, 3) && d.uri(1, "Realm", m.realm) && d.dict(2, "Details", m.details, no_rules);
        return done(d, ok, std::move(m));
    }
    case MessageType::welcome: {
        Welcome m;
        bool ok = d.arity(3, 3) && d.id(1, "Session", m.session) && d.dict(2, "Details", m.details, no_rules);
        return done(d, ok, std::move(m));
    }
    case MessageType::abort: {
        Abort m;
        bool ok = d.arity(3, 5) && d.dict(1, "Details", m.details, no_rules) && d.uri(2, "Reason", m.reason) &&
                  d.payload(3, {}, m.payload);
        return done(d, ok, std::move(m));
    }
    case MessageType::challenge: {
        Challenge m;
        bool ok = d.arity(3, 3) && d.string(1, "AuthMethod", m.authmethod) && d.dict(2, "Extra", m.extra, no_rules);
        return done(d, ok, std::move(m));
    }
    case MessageType::authenticate: {
        Authenticate m;
        bool ok = d.arity(3, 3) && d.string(1, "Signature", m.signature) && d.dict(2, "Extra", m.extra, no_rules);
        return done(d, ok, std::move(m));
    }
    case MessageType::goodbye: {
        Goodbye m;
        bool ok = d.arity(3, 3) && d.dict(1, "Details", m.details, no_rules) && d.uri(2, "Reason", m.reason);
        return done(d, ok, std::move(m));
    }
    case MessageType::error: {
        ErrorMessage m;
        Id request_type = 0;
        bool ok = d.arity(5, 7) && d.id(1, "REQUEST.Type", request_type) && d.id(2, "REQUEST.Request", m.request) &&
                  d.dict(3, "Details", m.details, error_details) && d.uri(4, "Error", m.error) &&
                  d.payload(5, m.details, m.payload);
        m.request_type = static_cast<MessageType>(request_type);
        // The cast keeps only the low 16 bits, so 65584 would otherwise pass as 48 (CALL).
        if (ok && (request_type > 0xffff || message_type_name(m.request_type) == "UNKNOWN")) {
            return Error{"ERROR.REQUEST.Type " + std::to_string(request_type) + " is not a message type"};
        }
        return done(d, ok, std::move(m));
    }
    case MessageType::publish: {
        Publish m;
        bool ok = d.arity(4, 6) && d.id(1, "Request", m.request) && d.dict(2, "Options", m.options, publish_options) &&
                  d.uri(3, "Topic", m.topic) && d.payload(4, m.options, m.payload);
        return done(d, ok, std::move(m));
    }
    case MessageType::published: {
        Published m;
        bool ok = d.arity(3, 3) && d.id(1, "PUBLISH.Request", m.request) && d.id(2, "Publication", m.publication);
        return done(d, ok, std::move(m));
    }
    case MessageType::subscribe: {
        Subscribe m;
        bool ok = d.arity(4, 4) && d.id(1, "Request", m.request) &&
                  d.dict(2, "Options", m.options, subscribe_options) && d.uri(3, "Topic", m.topic);
        return done(d, ok, std::move(m));
    }
    case MessageType::subscribed: {
        Subscribed m;
        bool ok = d.arity(3, 3) && d.id(1, "SUBSCRIBE.Request", m.request) && d.id(2, "Subscription", m.subscription);
        return done(d, ok, std::move(m));
    }
    case MessageType::unsubscribe: {
        Unsubscribe m;
        bool ok = d.arity(3, 3) && d.id(1, "Request", m.request) && d.id(2, "SUBSCRIBED.Subscription", m.subscription);
        return done(d, ok, std::move(m));
    }
    case MessageType::unsubscribed: {
        Unsubscribed m;
        bool ok = d.arity(2, 3) && d.id(1, "UNSUBSCRIBE.Request", m.request, items.size() == 3) &&
                  (items.size() == 2 || d.dict(2, "Details", m.details, no_rules));
        return done(d, ok, std::move(m));
    }
    case MessageType::event: {
        Event m;
        bool ok = d.arity(4, 6) && d.id(1, "SUBSCRIBED.Subscription", m.subscription) &&
                  d.id(2, "PUBLISHED.Publication", m.publication) && d.dict(3, "Details", m.details, event_details) &&
                  d.payload(4, m.details, m.payload);
        return done(d, ok, std::move(m));
    }
    case MessageType::call: {
        Call m;
        bool ok = d.arity(4, 6) && d.id(1, "Request", m.request) && d.dict(2, "Options", m.options, call_options) &&
                  d.uri(3, "Procedure", m.procedure) && d.payload(4, m.options, m.payload);
        return done(d, ok, std::move(m));
    }
    case MessageType::cancel: {
        Cancel m;
        bool ok = d.arity(3, 3) && d.id(1, "CALL.Request", m.request) && d.dict(2, "Options", m.options, cancel_options);
        return done(d, ok, std::move(m));
    }
    case MessageType::result: {
        ResultMessage m;
        bool ok = d.arity(3, 5) && d.id(1, "CALL.Request", m.request) &&
                  d.dict(2, "Details", m.details, result_details) && d.payload(3, m.details, m.payload);
        return done(d, ok, std::move(m));
    }
    case MessageType::reg: {
        Register m;
        bool ok = d.arity(4, 4) && d.id(1, "Request", m.request) &&
                  d.dict(2, "Options", m.options, register_options) && d.uri(3, "Procedure", m.procedure);
        return done(d, ok, std::move(m));
    }
    case MessageType::registered: {
        Registered m;
        bool ok = d.arity(3, 3) && d.id(1, "REGISTER.Request", m.request) && d.id(2, "Registration", m.registration);
        return done(d, ok, std::move(m));
    }
    case MessageType::unregister: {
        Unregister m;
        bool ok = d.arity(3, 3) && d.id(1, "Request", m.request) && d.id(2, "REGISTERED.Registration", m.registration);
        return done(d, ok, std::move(m));
    }
    case MessageType::unregistered: {
        Unregistered m;
        bool ok = d.arity(2, 3) && d.id(1, "UNREGISTER.Request", m.request, items.size() == 3) &&
                  (items.size() == 2 || d.dict(2, "Details", m.details, no_rules));
        return done(d, ok, std::move(m));
    }
    case MessageType::invocation: {
        Invocation m;
        bool ok = d.arity(4, 6) && d.id(1, "Request", m.request) && d.id(2, "REGISTERED.Registration", m.registration) &&
                  d.dict(3, "Details", m.details, invocation_details) && d.payload(4, m.details, m.payload);
        return done(d, ok, std::move(m));
    }
    case MessageType::interrupt: {
        Interrupt m;
        bool ok = d.arity(3, 3) && d.id(1, "INVOCATION.Request", m.request) &&
                  d.dict(2, "Options", m.options, interrupt_options);
        return done(d, ok, std::move(m));
    }
    case MessageType::yield: {
        Yield m;
        bool ok = d.arity(3, 5) && d.id(1, "INVOCATION.Request", m.request) &&
                  d.dict(2, "Options", m.options, yield_options) && d.payload(3, m.options, m.payload);
        return done(d, ok, std::move(m));
    }
    }
    return Error{"unknown message type " + std::to_string(static_cast<int>(type))};
}

}  // namespace

std::size_t payload_index(std::uint64_t type) {
    switch (static_cast<MessageType>(type)) {
    case MessageType::error: return 5;
    case MessageType::publish:
    case MessageType::event:
    case MessageType::call:
    case MessageType::invocation: return 4;
    case MessageType::result:
    case MessageType::yield: return 3;
    default: return 0;
    }
}

Result<Message> message_from_value(Value&& wire, const RawInput* raw) {
    auto items = wire.as_list();
    if (!items) return Error{std::string("a WAMP message must be a list, got ") + std::string(wire.type_name())};
    if (items->empty()) return Error{"a WAMP message must not be an empty list"};
    auto code = (*items)[0].as_uint();
    if (!code) return Error{"the message type must be a non-negative integer, got " + to_debug_string((*items)[0])};
    auto type = static_cast<MessageType>(*code);
    if (*code > 0xffff || message_type_name(type) == "UNKNOWN")
        return Error{"unknown message type " + std::to_string(*code)};
    return decode_items(type, *items, raw);
}

// ---------------------------------------------------------------------------------------------------------
// Encoding: struct -> wire array
// ---------------------------------------------------------------------------------------------------------

namespace {

std::size_t payload_elements(const Payload& p) {
    if (p.transparent) return 1;
    if (p.raw) return p.raw->args_size < p.raw->bytes.size() ? 2 : 1;
    if (!p.kwargs.empty()) return 2;
    return p.args.empty() ? 0 : 1;
}

void write_payload(Writer& w, const Payload& p) {
    if (p.transparent) {
        write_value(w, *p.transparent);
        return;
    }
    if (p.raw) {
        std::string_view bytes = p.raw->bytes;
        std::string_view args = bytes.substr(0, p.raw->args_size), kwargs = bytes.substr(p.raw->args_size);
        // The same serializer: the bytes as received. Another: decoded for it (once per serializer, since
        // OutboundMessage encodes once per serializer).
        if (w.raw(p.raw->codec, args)) {
            if (!kwargs.empty()) w.raw(p.raw->codec, kwargs);
            return;
        }
        Payload decoded = p;
        materialize_payload(decoded);
        write_list(w, decoded.args);
        if (!kwargs.empty()) write_dict(w, decoded.kwargs);
        return;
    }
    auto n = payload_elements(p);
    if (n >= 1) write_list(w, p.args);
    if (n == 2) write_dict(w, p.kwargs);
}

struct EncodeVisitor {
    Writer& w;
    void code(MessageType t, std::size_t count) {
        w.begin_list(count);
        w.uinteger(static_cast<std::uint64_t>(t));
    }
    void operator()(const Hello& m) {
        code(MessageType::hello, 3);
        w.string(m.realm);
        write_dict(w, m.details);
    }
    void operator()(const Welcome& m) {
        code(MessageType::welcome, 3);
        w.uinteger(m.session);
        write_dict(w, m.details);
    }
    void operator()(const Abort& m) {
        code(MessageType::abort, 3 + payload_elements(m.payload));
        write_dict(w, m.details);
        w.string(m.reason);
        write_payload(w, m.payload);
    }
    void operator()(const Challenge& m) {
        code(MessageType::challenge, 3);
        w.string(m.authmethod);
        write_dict(w, m.extra);
    }
    void operator()(const Authenticate& m) {
        code(MessageType::authenticate, 3);
        w.string(m.signature);
        write_dict(w, m.extra);
    }
    void operator()(const Goodbye& m) {
        code(MessageType::goodbye, 3);
        write_dict(w, m.details);
        w.string(m.reason);
    }
    void operator()(const ErrorMessage& m) {
        code(MessageType::error, 5 + payload_elements(m.payload));
        w.uinteger(static_cast<std::uint64_t>(m.request_type));
        w.uinteger(m.request);
        write_dict(w, m.details);
        w.string(m.error);
        write_payload(w, m.payload);
    }
    void operator()(const Publish& m) {
        code(MessageType::publish, 4 + payload_elements(m.payload));
        w.uinteger(m.request);
        write_dict(w, m.options);
        w.string(m.topic);
        write_payload(w, m.payload);
    }
    void operator()(const Published& m) { ids(MessageType::published, m.request, m.publication); }
    void operator()(const Subscribe& m) {
        code(MessageType::subscribe, 4);
        w.uinteger(m.request);
        write_dict(w, m.options);
        w.string(m.topic);
    }
    void operator()(const Subscribed& m) { ids(MessageType::subscribed, m.request, m.subscription); }
    void operator()(const Unsubscribe& m) { ids(MessageType::unsubscribe, m.request, m.subscription); }
    void operator()(const Unsubscribed& m) { revocable(MessageType::unsubscribed, m.request, m.details); }
    void operator()(const Event& m) {
        code(MessageType::event, 4 + payload_elements(m.payload));
        w.uinteger(m.subscription);
        w.uinteger(m.publication);
        write_dict(w, m.details);
        write_payload(w, m.payload);
    }
    void operator()(const Call& m) {
        code(MessageType::call, 4 + payload_elements(m.payload));
        w.uinteger(m.request);
        write_dict(w, m.options);
        w.string(m.procedure);
        write_payload(w, m.payload);
    }
    void operator()(const Cancel& m) { with_dict(MessageType::cancel, m.request, m.options); }
    void operator()(const ResultMessage& m) {
        code(MessageType::result, 3 + payload_elements(m.payload));
        w.uinteger(m.request);
        write_dict(w, m.details);
        write_payload(w, m.payload);
    }
    void operator()(const Register& m) {
        code(MessageType::reg, 4);
        w.uinteger(m.request);
        write_dict(w, m.options);
        w.string(m.procedure);
    }
    void operator()(const Registered& m) { ids(MessageType::registered, m.request, m.registration); }
    void operator()(const Unregister& m) { ids(MessageType::unregister, m.request, m.registration); }
    void operator()(const Unregistered& m) { revocable(MessageType::unregistered, m.request, m.details); }
    void operator()(const Invocation& m) {
        code(MessageType::invocation, 4 + payload_elements(m.payload));
        w.uinteger(m.request);
        w.uinteger(m.registration);
        write_dict(w, m.details);
        write_payload(w, m.payload);
    }
    void operator()(const Interrupt& m) { with_dict(MessageType::interrupt, m.request, m.options); }
    void operator()(const Yield& m) {
        code(MessageType::yield, 3 + payload_elements(m.payload));
        w.uinteger(m.request);
        write_dict(w, m.options);
        write_payload(w, m.payload);
    }

    void ids(MessageType t, Id a, Id b) {
        code(t, 3);
        w.uinteger(a);
        w.uinteger(b);
    }
    void with_dict(MessageType t, Id request, const Dict& d) {
        code(t, 3);
        w.uinteger(request);
        write_dict(w, d);
    }
    void revocable(MessageType t, Id request, const Dict& details) {
        // Request 0 is the router's revocation form, which must carry Details: [.., 0] alone is not decodable.
        bool with_details = request == 0 || !details.empty();
        code(t, with_details ? 3 : 2);
        w.uinteger(request);
        if (with_details) write_dict(w, details);
    }
};

}  // namespace

void write_message(Writer& w, const Message& m) {
    // Each overload opens the list with code() and writes the elements; the list is closed here.
    std::visit([&w](const auto& msg) { EncodeVisitor{w}(msg); }, m);
    w.end_list();
}

Value message_to_value(const Message& m) {
    ValueWriter w;
    write_message(w, m);
    return w.take();
}

MessageType type_of(const Message& m) {
    static constexpr std::array<MessageType, std::variant_size_v<Message>> codes{
        MessageType::hello,       MessageType::welcome,    MessageType::abort,        MessageType::challenge,
        MessageType::authenticate, MessageType::goodbye,   MessageType::error,        MessageType::publish,
        MessageType::published,   MessageType::subscribe,  MessageType::subscribed,   MessageType::unsubscribe,
        MessageType::unsubscribed, MessageType::event,     MessageType::call,         MessageType::cancel,
        MessageType::result,      MessageType::reg,        MessageType::registered,   MessageType::unregister,
        MessageType::unregistered, MessageType::invocation, MessageType::interrupt,   MessageType::yield};
    return codes[m.index()];
}

std::string_view message_type_name(MessageType type) {
    switch (type) {
    case MessageType::hello: return "HELLO";
    case MessageType::welcome: return "WELCOME";
    case MessageType::abort: return "ABORT";
    case MessageType::challenge: return "CHALLENGE";
    case MessageType::authenticate: return "AUTHENTICATE";
    case MessageType::goodbye: return "GOODBYE";
    case MessageType::error: return "ERROR";
    case MessageType::publish: return "PUBLISH";
    case MessageType::published: return "PUBLISHED";
    case MessageType::subscribe: return "SUBSCRIBE";
    case MessageType::subscribed: return "SUBSCRIBED";
    case MessageType::unsubscribe: return "UNSUBSCRIBE";
    case MessageType::unsubscribed: return "UNSUBSCRIBED";
    case MessageType::event: return "EVENT";
    case MessageType::call: return "CALL";
    case MessageType::cancel: return "CANCEL";
    case MessageType::result: return "RESULT";
    case MessageType::reg: return "REGISTER";
    case MessageType::registered: return "REGISTERED";
    case MessageType::unregister: return "UNREGISTER";
    case MessageType::unregistered: return "UNREGISTERED";
    case MessageType::invocation: return "INVOCATION";
    case MessageType::interrupt: return "INTERRUPT";
    case MessageType::yield: return "YIELD";
    }
    return "UNKNOWN";
}

std::shared_ptr<const RawPayload> make_raw_payload(Serializer codec, std::string_view args, std::string_view kwargs) {
    // Storage: RawPayload, then the bytes, in chunks aligned for any type (RawPayload is trivially
    // destructible, so the block's own destruction is all the cleanup there is).
    static_assert(std::is_trivially_destructible_v<RawPayload>);
    struct alignas(std::max_align_t) Chunk {
        unsigned char storage[alignof(std::max_align_t)];
    };
    std::size_t header = (sizeof(RawPayload) + sizeof(Chunk) - 1) / sizeof(Chunk) * sizeof(Chunk);
    std::size_t total = header + args.size() + kwargs.size();
    auto block = std::make_shared_for_overwrite<Chunk[]>((total + sizeof(Chunk) - 1) / sizeof(Chunk));
    auto* base = reinterpret_cast<unsigned char*>(block.get());
    char* bytes = reinterpret_cast<char*>(base + header);
    if (!args.empty()) std::memcpy(bytes, args.data(), args.size());
    if (!kwargs.empty()) std::memcpy(bytes + args.size(), kwargs.data(), kwargs.size());
    auto* raw = new (base) RawPayload{codec, std::string_view(bytes, args.size() + kwargs.size()), args.size()};
    return std::shared_ptr<const RawPayload>(std::move(block), raw);
}

void materialize_payload(Payload& p) {
    if (!p.raw) return;
    auto raw = std::move(p.raw);
    const Codec& codec = *all_codecs()[static_cast<std::size_t>(raw->codec)];
    std::string_view bytes = raw->bytes;
    // The bytes were validated when they arrived, so decoding cannot fail; an empty value is the fallback.
    if (auto args = codec.decode(bytes.substr(0, raw->args_size), DecodeLimits{bytes.size(), 64}); args && args.value().as_list())
        p.args = std::move(*args.value().as_list());
    if (raw->args_size < bytes.size()) {
        if (auto kwargs = codec.decode(bytes.substr(raw->args_size), DecodeLimits{bytes.size(), 64}); kwargs && kwargs.value().as_dict())
            p.kwargs = std::move(*kwargs.value().as_dict());
    }
}

}  // namespace flyover
