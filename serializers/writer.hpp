#pragma once
// The streaming interface codecs implement for encoding, so a message is written straight into the
// codec's output without first being copied into a Value tree. Thread affinity: one writer per thread.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "serializers/scratch.hpp"
#include "serializers/serializer_id.hpp"
#include "serializers/value.hpp"

namespace flyover {

class Writer {
public:
    virtual ~Writer() = default;
    virtual void null() = 0;
    virtual void boolean(bool b) = 0;
    virtual void integer(std::int64_t i) = 0;
    virtual void uinteger(std::uint64_t u) = 0;
    virtual void real(double d) = 0;
    virtual void string(std::string_view s) = 0;
    virtual void bytes(std::string_view b) = 0;
    virtual void begin_list(std::size_t size) = 0;
    virtual void end_list() = 0;
    virtual void begin_dict(std::size_t size) = 0;
    /// A dict key; the key's value follows as the next write.
    virtual void key(std::string_view k) = 0;
    virtual void end_dict() = 0;
    /// Appends one element already encoded by `codec`; false when this writer cannot take that encoding
    /// (another serializer), and then the caller writes the decoded value instead.
    virtual bool raw(Serializer /*codec*/, std::string_view /*element*/) { return false; }
};

/// Writes a whole value (recursively) into a writer.
void write_value(Writer& w, const Value& v);
void write_list(Writer& w, const List& l);
void write_dict(Writer& w, const Dict& d);

/// A Writer that builds a Value: used by message_to_value, by both decoders (their parse events drive it) and by tests.
class ValueWriter final : public Writer {
public:
    void null() override { put(Value{}); }
    void boolean(bool b) override { put(Value{b}); }
    void integer(std::int64_t i) override { put(Value{i}); }
    void uinteger(std::uint64_t u) override { put(Value{u}); }
    void real(double d) override { put(Value{d}); }
    void string(std::string_view s) override { put(Value{std::string(s)}); }
    void bytes(std::string_view b) override { put(Value{Bytes{std::string(b)}}); }
    void begin_list(std::size_t size) override;
    void end_list() override;
    void begin_dict(std::size_t size) override;
    void key(std::string_view k) override { keys_.emplace_back(k); }
    void end_dict() override;
    /// How many lists/dicts are open: the decoders bound it so hostile nesting cannot exhaust memory or stack.
    std::size_t depth() const { return stack_.size(); }
    /// The finished value.
    Value take() { return std::move(root_); }
    /// Gives a decoded message's envelope back to this thread once its elements have been taken: the next
    /// top-level list reuses its capacity (the envelope was an allocation per message). Only a small one is kept.
    static void recycle_list(List&& list);

private:
    void put(Value v);
    // Borrowed from the thread (scratch.hpp): a decoded message does not grow stacks of its own. Both are
    // bounded by the decoders' nesting limit.
    Scratch<std::vector<Value>> stack_scratch_;
    Scratch<std::vector<std::string>> keys_scratch_;
    std::vector<Value>& stack_ = stack_scratch_.get();
    std::vector<std::string>& keys_ = keys_scratch_.get();
    Value root_;
};

}  // namespace flyover
