#include "serializers/writer.hpp"

namespace flyover {

void write_list(Writer& w, const List& l) {
    w.begin_list(l.size());
    for (auto& item : l) write_value(w, item);
    w.end_list();
}

void write_dict(Writer& w, const Dict& d) {
    w.begin_dict(d.size());
    for (auto& [k, v] : d) {
        w.key(k);
        write_value(w, v);
    }
    w.end_dict();
}

void write_value(Writer& w, const Value& v) {
    struct Visitor {
        Writer& w;
        void operator()(std::monostate) { w.null(); }
        void operator()(bool b) { w.boolean(b); }
        void operator()(std::int64_t i) { w.integer(i); }
        void operator()(std::uint64_t u) { w.uinteger(u); }
        void operator()(double d) { w.real(d); }
        void operator()(const std::string& s) { w.string(s); }
        void operator()(const Bytes& b) { w.bytes(b.data); }
        void operator()(const List& l) { write_list(w, l); }
        void operator()(const Dict& d) { write_dict(w, d); }
    };
    std::visit(Visitor{w}, v.storage());
}

void ValueWriter::put(Value v) {
    if (stack_.empty()) {
        root_ = std::move(v);
    } else if (auto list = stack_.back().as_list()) {
        list->push_back(std::move(v));
    } else {
        stack_.back().as_dict()->insert_or_assign(std::move(keys_.back()), std::move(v));
        keys_.pop_back();
    }
}

namespace {

// A WAMP message has at most 7 elements; a larger recycled list is not kept.
constexpr std::size_t max_spare_list = 16;

List& spare_list() {
    thread_local List spare;
    return spare;
}

}  // namespace

void ValueWriter::recycle_list(List&& list) {
    if (list.capacity() > max_spare_list || list.capacity() <= spare_list().capacity()) return;
    list.clear();
    spare_list() = std::move(list);
}

void ValueWriter::begin_list(std::size_t size) {
    List l;
    if (stack_.empty() && size <= spare_list().capacity()) l = std::move(spare_list());  // leaves the spare empty
    l.reserve(size);
    stack_.emplace_back(std::move(l));
}

void ValueWriter::end_list() {
    Value done = std::move(stack_.back());
    stack_.pop_back();
    put(std::move(done));
}

void ValueWriter::begin_dict(std::size_t) { stack_.emplace_back(Dict{}); }

void ValueWriter::end_dict() { end_list(); }

}  // namespace flyover
