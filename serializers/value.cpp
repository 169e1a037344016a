#include "serializers/value.hpp"

#include <cstdio>

namespace flyover {

Value::Type Value::type() const {
    switch (v_.index()) {
    case 0: return Type::null;
    case 1: return Type::boolean;
    case 2:
    case 3: return Type::integer;
    case 4: return Type::real;
    case 5: return Type::string;
    case 6: return Type::bytes;
    case 7: return Type::list;
    default: return Type::dict;
    }
}

std::string_view Value::type_name() const {
    switch (type()) {
    case Type::null: return "null";
    case Type::boolean: return "bool";
    case Type::integer: return "integer";
    case Type::real: return "double";
    case Type::string: return "string";
    case Type::bytes: return "bytes";
    case Type::list: return "list";
    case Type::dict: return "dict";
    }
    return "?";
}

std::optional<std::uint64_t> Value::as_uint() const {
    if (auto u = std::get_if<std::uint64_t>(&v_)) return *u;
    return std::nullopt;  // negatives are stored as int64 only
}

std::optional<std::int64_t> Value::as_int() const {
    if (auto i = std::get_if<std::int64_t>(&v_)) return *i;
    if (auto u = std::get_if<std::uint64_t>(&v_); u && *u <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(*u);
    return std::nullopt;
}

std::optional<double> Value::as_number() const {
    if (auto d = std::get_if<double>(&v_)) return *d;
    if (auto i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
    if (auto u = std::get_if<std::uint64_t>(&v_)) return static_cast<double>(*u);
    return std::nullopt;
}

const Value* Value::find(std::string_view key) const {
    auto d = as_dict();
    return d ? flyover::find(*d, key) : nullptr;
}

const Value* find(const Dict& d, std::string_view key) {
    auto it = d.find(key);
    return it == d.end() ? nullptr : &it->second;
}

bool get_bool(const Dict& d, std::string_view key, bool fallback) {
    auto v = find(d, key);
    auto b = v ? v->as_bool() : nullptr;
    return b ? *b : fallback;
}

const std::string* get_string(const Dict& d, std::string_view key) {
    auto v = find(d, key);
    return v ? v->as_string() : nullptr;
}

std::optional<std::uint64_t> get_uint(const Dict& d, std::string_view key) {
    auto v = find(d, key);
    return v ? v->as_uint() : std::nullopt;
}

namespace {
void append_debug(std::string& out, const Value& v) {
    struct Visitor {
        std::string& out;
        void operator()(std::monostate) { out += "null"; }
        void operator()(bool b) { out += b ? "true" : "false"; }
        void operator()(std::int64_t i) { out += std::to_string(i); }
        void operator()(std::uint64_t u) { out += std::to_string(u); }
        void operator()(double d) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", d);
            out += buf;
        }
        void operator()(const std::string& s) {
            out += '"';
            out += s;
            out += '"';
        }
        void operator()(const Bytes& b) {
            static const char* hex = "0123456789abcdef";
            out += "h'";
            for (unsigned char c : b.data) {
                out += hex[c >> 4];
                out += hex[c & 15];
            }
            out += '\'';
        }
        void operator()(const List& l) {
            out += '[';
            for (std::size_t i = 0; i < l.size(); ++i) {
                if (i) out += ',';
                append_debug(out, l[i]);
            }
            out += ']';
        }
        void operator()(const Dict& d) {
            out += '{';
            bool first = true;
            for (auto& [k, val] : d) {
                if (!first) out += ',';
                first = false;
                out += '"';
                out += k;
                out += "\":";
                append_debug(out, val);
            }
            out += '}';
        }
    };
    std::visit(Visitor{out}, v.storage());
}
}  // namespace

std::string to_debug_string(const Value& v) {
    std::string out;
    append_debug(out, v);
    return out;
}

}  // namespace flyover
