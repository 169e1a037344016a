#pragma once
// The dynamic value every WAMP payload, option and detail is made of.
// Thread affinity: none (a plain value type; const access is safe from any thread).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace flyover {

/// Binary data (msgpack bin, CBOR byte string, JSON "\u0000"+base64 string). Kept in a std::string for cheap moves.
struct Bytes {
    std::string data;
    bool operator==(const Bytes&) const = default;
};

class Value;
using List = std::vector<Value>;
/// Dict keys are strings only (the WAMP data model); std::less<> allows lookups by string_view.
using Dict = std::map<std::string, Value, std::less<>>;

/// A WAMP value: null, bool, integer (int64 or uint64), double, string, bytes, list or dict.
/// Integers are normalised: non-negative values are stored as uint64, negative ones as int64, so a value
/// decoded from JSON compares equal to the same value decoded from MessagePack.
/// Accessors never throw: they return nullptr / std::nullopt when the type does not match.
class Value {
public:
    enum class Type { null, boolean, integer, real, string, bytes, list, dict };

    Value() = default;
    Value(std::nullptr_t) {}
    Value(bool b) : v_(b) {}
    template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
    Value(I i) {
        if constexpr (std::is_signed_v<I>) {
            if (i < 0) {
                v_ = static_cast<std::int64_t>(i);
                return;
            }
        }
        v_ = static_cast<std::uint64_t>(i);
    }
    Value(double d) : v_(d) {}
    Value(std::string s) : v_(std::move(s)) {}
    Value(std::string_view s) : v_(std::string(s)) {}
    Value(const char* s) : v_(std::string(s)) {}
    Value(Bytes b) : v_(std::move(b)) {}
    Value(List l) : v_(std::move(l)) {}
    Value(Dict d) : v_(std::move(d)) {}

    Type type() const;
    /// Human-readable type name for error messages ("string", "dict", ...).
    std::string_view type_name() const;

    bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
    bool is_integer() const {
        return std::holds_alternative<std::uint64_t>(v_) || std::holds_alternative<std::int64_t>(v_);
    }

    const bool* as_bool() const { return std::get_if<bool>(&v_); }
    /// The integer as uint64 if it is a non-negative integer.
    std::optional<std::uint64_t> as_uint() const;
    /// The integer as int64 if it fits.
    std::optional<std::int64_t> as_int() const;
    /// Any number (integer or double) as a double.
    std::optional<double> as_number() const;
    const double* as_double() const { return std::get_if<double>(&v_); }
    const std::string* as_string() const { return std::get_if<std::string>(&v_); }
    std::string* as_string() { return std::get_if<std::string>(&v_); }
    const Bytes* as_bytes() const { return std::get_if<Bytes>(&v_); }
    const List* as_list() const { return std::get_if<List>(&v_); }
    List* as_list() { return std::get_if<List>(&v_); }
    const Dict* as_dict() const { return std::get_if<Dict>(&v_); }
    Dict* as_dict() { return std::get_if<Dict>(&v_); }

    /// Dict member lookup; nullptr if this is not a dict or the key is absent.
    const Value* find(std::string_view key) const;

    bool operator==(const Value& other) const = default;

    using Storage = std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, Bytes, List, Dict>;
    const Storage& storage() const { return v_; }

private:
    Storage v_;
};

/// Dict helpers used for options and details.
const Value* find(const Dict& d, std::string_view key);
/// A bool member, or `fallback` when absent or not a bool.
bool get_bool(const Dict& d, std::string_view key, bool fallback);
/// A string member, or nullptr when absent or not a string.
const std::string* get_string(const Dict& d, std::string_view key);
/// A non-negative integer member, or nullopt.
std::optional<std::uint64_t> get_uint(const Dict& d, std::string_view key);

/// Compact JSON-like text of a value for logs and test messages (bytes as hex). Not a codec.
std::string to_debug_string(const Value& v);

}  // namespace flyover
