#pragma once
// Which subscriptions (or registrations) match a concrete URI, answered without scanning every pattern:
// exact URIs in a hash map, prefixes in a radix tree over characters, wildcards in a trie over URI
// components (as nats-server's sublist does). The broker asks for every match, the dealer for the best one.
// Thread affinity: none of its own; the owner (broker or dealer) uses it on the realm strand only.

#include <cassert>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "serializers/uri.hpp"

namespace flyover::realm {

/// Transparent string hash, so maps keyed by std::string can be searched with a string_view without a copy.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

/// Whether the concrete `uri` matches wildcard `pattern`: as many components, and equal in every non-empty
/// pattern component. For one pattern at hand; UriIndex answers for many patterns at once.
inline bool wildcard_matches(std::string_view pattern, std::string_view uri) {
    for (;;) {
        auto p_dot = pattern.find('.');
        auto u_dot = uri.find('.');
        auto p = pattern.substr(0, p_dot);
        if (!p.empty() && p != uri.substr(0, u_dot)) return false;
        if (p_dot == std::string_view::npos || u_dot == std::string_view::npos) return p_dot == u_dot;
        pattern.remove_prefix(p_dot + 1);
        uri.remove_prefix(u_dot + 1);
    }
}

/// Whether the single pattern (`pattern`, `policy`) matches the concrete `uri` (prefix: plain string prefix).
inline bool pattern_matches(std::string_view pattern, MatchPolicy policy, std::string_view uri) {
    switch (policy) {
    case MatchPolicy::exact: return pattern == uri;
    case MatchPolicy::prefix: return uri.substr(0, pattern.size()) == pattern;
    case MatchPolicy::wildcard: return wildcard_matches(pattern, uri);
    }
    return false;
}

/// Maps (uri, match policy) -> T and answers which entries match a concrete URI.
///
/// Matching follows the spec (advanced/pubsub_pattern_based_subscription.md) and Crossbar.io:
/// - exact: the URI equals the pattern.
/// - prefix: the URI starts with the pattern as a plain string, so "com.myapp" matches "com.myapp",
///   "com.myapp.x" and also "com.myapp2". The spec's own example has "com.myapp.topic.emergency" match
///   "com.myapp.topic.emergency-low", and Crossbar keeps prefixes in a string trie; a client that wants whole
///   components only subscribes to "com.myapp." instead.
/// - wildcard: the URI has as many components as the pattern and equals it in every non-empty pattern
///   component; an empty component ("com..update") matches any one component.
///
/// Entries live in their own heap cells: a reference returned by insert/find/matching stays valid until that
/// entry is erased, whatever else is inserted or erased. The callbacks of for_each_match and for_each must not
/// insert or erase.
template <class T>
class UriIndex {
public:
    UriIndex() : prefix_root_(std::make_unique<PrefixNode>()), wildcard_root_(std::make_unique<WildcardNode>()) {}
    UriIndex(UriIndex&&) noexcept = default;
    UriIndex& operator=(UriIndex&&) noexcept = default;

    /// The entry registered under exactly this pattern and policy, or nullptr.
    T* find(std::string_view uri, MatchPolicy policy) {
        switch (policy) {
        case MatchPolicy::exact: {
            auto it = exact_.find(uri);
            return it == exact_.end() ? nullptr : it->second.get();
        }
        case MatchPolicy::prefix: {
            auto* node = find_prefix_node(uri);
            return node ? node->value.get() : nullptr;
        }
        case MatchPolicy::wildcard: {
            auto* node = find_wildcard_node(uri);
            return node ? node->value.get() : nullptr;
        }
        }
        return nullptr;
    }

    /// Adds an entry. Precondition: no entry is registered under (uri, policy).
    T& insert(std::string_view uri, MatchPolicy policy, T value) {
        assert(find(uri, policy) == nullptr);
        auto cell = std::make_unique<T>(std::move(value));
        T& ref = *cell;
        switch (policy) {
        case MatchPolicy::exact: exact_.insert_or_assign(std::string(uri), std::move(cell)); break;
        case MatchPolicy::prefix: prefix_insert(uri)->value = std::move(cell); break;
        case MatchPolicy::wildcard: wildcard_insert(uri)->value = std::move(cell); break;
        }
        ++size_;
        return ref;
    }

    /// Removes the entry registered under (uri, policy); false if there was none.
    bool erase(std::string_view uri, MatchPolicy policy) {
        bool erased = false;
        switch (policy) {
        case MatchPolicy::exact: {
            auto it = exact_.find(uri);
            if (it != exact_.end()) {
                exact_.erase(it);
                erased = true;
            }
            break;
        }
        case MatchPolicy::prefix: erased = prefix_erase(uri); break;
        case MatchPolicy::wildcard: erased = wildcard_erase(uri); break;
        }
        if (erased) --size_;
        return erased;
    }

    /// Calls f(T&) for every entry matching the concrete `uri`: the exact one, then prefixes from shortest to
    /// longest, then wildcards. Cost: one hash lookup, one walk down the radix tree along `uri`, and a walk of
    /// the component trie that branches only where a literal and a wildcard child both fit.
    template <class F>
    void for_each_match(std::string_view uri, F&& f) {
        if (auto it = exact_.find(uri); it != exact_.end()) f(*it->second);
        prefix_walk(uri, [&](PrefixNode& n) { f(*n.value); });
        wildcard_match(*wildcard_root_, uri, 0, [&](WildcardNode& n) {
            f(*n.value);
            return false;
        });
    }

    /// The one entry a call to `uri` is routed to (spec, advanced/rpc_pattern_based_registration.md): the exact
    /// entry; else the longest matching prefix; else the wildcard pattern whose first wildcard comes latest,
    /// ties broken by the next wildcard and so on (the spec's "longest portion of URI components matched
    /// before each wildcard": for "a1.b2.c88.d4.e5.f6.g7", "a1.b2..d4.e5..g7" beats "a1.b2..d4..f6.g7").
    /// Among patterns of equal length that means: at the first component where two patterns differ, the one
    /// with a literal there wins, which is the order a literal-first depth-first walk finds them in.
    T* best_match(std::string_view uri) {
        if (auto it = exact_.find(uri); it != exact_.end()) return it->second.get();
        PrefixNode* longest = nullptr;
        prefix_walk(uri, [&](PrefixNode& n) { longest = &n; });
        if (longest) return longest->value.get();
        T* best = nullptr;
        wildcard_match(*wildcard_root_, uri, 0, [&](WildcardNode& n) {
            best = n.value.get();
            return true;
        });
        return best;
    }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    /// Calls f(T&) for every entry, in no particular order.
    template <class F>
    void for_each(F&& f) {
        for (auto& [uri, cell] : exact_) f(*cell);
        prefix_visit_all(*prefix_root_, f);
        wildcard_visit_all(*wildcard_root_, f);
    }

private:
    // Radix tree over characters: each edge carries a label; the children of a node start with distinct
    // characters. A node holds an entry when the labels from the root to it spell a registered prefix.
    struct PrefixNode {
        std::string label;
        std::unique_ptr<T> value;
        std::vector<std::unique_ptr<PrefixNode>> children;

        std::unique_ptr<PrefixNode>* child(char c) {
            for (auto& ch : children)
                if (ch->label[0] == c) return &ch;
            return nullptr;
        }
    };

    // Trie over URI components: literal children by component, one child for the empty (wildcard) component.
    // A node holds an entry when the path from the root to it spells a registered pattern.
    struct WildcardNode {
        std::unordered_map<std::string, std::unique_ptr<WildcardNode>, StringHash, std::equal_to<>> literal;
        std::unique_ptr<WildcardNode> any;
        std::unique_ptr<T> value;

        bool unused() const { return !value && !any && literal.empty(); }
    };

    static std::size_t common_prefix_length(std::string_view a, std::string_view b) {
        std::size_t n = 0;
        while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
        return n;
    }

    PrefixNode* find_prefix_node(std::string_view key) {
        PrefixNode* node = prefix_root_.get();
        while (!key.empty()) {
            auto* slot = node->child(key[0]);
            if (!slot || key.substr(0, (*slot)->label.size()) != (*slot)->label) return nullptr;
            key.remove_prefix((*slot)->label.size());
            node = slot->get();
        }
        return node;
    }

    /// The node for `key`, created (splitting an edge if needed) when missing.
    PrefixNode* prefix_insert(std::string_view key) {
        PrefixNode* node = prefix_root_.get();
        while (!key.empty()) {
            auto* slot = node->child(key[0]);
            if (!slot) {
                auto leaf = std::make_unique<PrefixNode>();
                leaf->label = std::string(key);
                node->children.push_back(std::move(leaf));
                return node->children.back().get();
            }
            auto common = common_prefix_length((*slot)->label, key);
            if (common < (*slot)->label.size()) {
                // Split the edge; the existing node moves down unchanged, so references to its entry stay valid.
                auto middle = std::make_unique<PrefixNode>();
                middle->label = (*slot)->label.substr(0, common);
                (*slot)->label.erase(0, common);
                middle->children.push_back(std::move(*slot));
                *slot = std::move(middle);
            }
            key.remove_prefix(common);
            node = slot->get();
        }
        return node;
    }

    bool prefix_erase(std::string_view key) {
        // The path as (parent, child index) pairs, to prune and merge on the way back up.
        std::vector<std::pair<PrefixNode*, std::size_t>> path;
        PrefixNode* node = prefix_root_.get();
        while (!key.empty()) {
            auto* slot = node->child(key[0]);
            if (!slot || key.substr(0, (*slot)->label.size()) != (*slot)->label) return false;
            path.emplace_back(node, static_cast<std::size_t>(slot - node->children.data()));
            key.remove_prefix((*slot)->label.size());
            node = slot->get();
        }
        if (!node->value) return false;
        // The entry dies last: `key` may point into it (an entry that stores its own URI).
        auto doomed = std::move(node->value);
        // Keep the tree compact: drop nodes left without entry and children, merge an entry-less node into its
        // only child (the child node moves up, so its entry's address does not change).
        for (auto i = path.size(); i-- > 0;) {
            auto [parent, index] = path[i];
            auto& slot = parent->children[index];
            if (slot->value) break;
            if (slot->children.empty()) {
                parent->children.erase(parent->children.begin() + static_cast<std::ptrdiff_t>(index));
                continue;
            }
            if (slot->children.size() == 1) {
                auto only = std::move(slot->children.front());
                only->label.insert(0, slot->label);
                slot = std::move(only);
            }
            break;
        }
        return true;
    }

    /// Calls f(node) for every node holding an entry whose prefix `uri` starts with, shortest first.
    template <class F>
    void prefix_walk(std::string_view uri, F&& f) {
        PrefixNode* node = prefix_root_.get();
        if (node->value) f(*node);
        while (!uri.empty()) {
            auto* slot = node->child(uri[0]);
            if (!slot || uri.substr(0, (*slot)->label.size()) != (*slot)->label) return;
            uri.remove_prefix((*slot)->label.size());
            node = slot->get();
            if (node->value) f(*node);
        }
    }

    template <class F>
    static void prefix_visit_all(PrefixNode& node, F& f) {
        if (node.value) f(*node.value);
        for (auto& child : node.children) prefix_visit_all(*child, f);
    }

    /// Splits "a..b" into "a", "", "b": calls f(component) for each.
    template <class F>
    static void for_each_component(std::string_view uri, F&& f) {
        for (;;) {
            auto dot = uri.find('.');
            f(uri.substr(0, dot));
            if (dot == std::string_view::npos) return;
            uri.remove_prefix(dot + 1);
        }
    }

    WildcardNode* find_wildcard_node(std::string_view pattern) {
        WildcardNode* node = wildcard_root_.get();
        for_each_component(pattern, [&](std::string_view c) {
            if (!node) return;
            if (c.empty()) {
                node = node->any.get();
            } else {
                auto it = node->literal.find(c);
                node = it == node->literal.end() ? nullptr : it->second.get();
            }
        });
        return node;
    }

    WildcardNode* wildcard_insert(std::string_view pattern) {
        WildcardNode* node = wildcard_root_.get();
        for_each_component(pattern, [&](std::string_view c) {
            auto& slot = c.empty() ? node->any : node->literal[std::string(c)];
            if (!slot) slot = std::make_unique<WildcardNode>();
            node = slot.get();
        });
        return node;
    }

    bool wildcard_erase(std::string_view pattern) {
        // The path as (parent, component), to prune unused nodes on the way back up.
        std::vector<std::pair<WildcardNode*, std::string_view>> path;
        WildcardNode* node = wildcard_root_.get();
        for_each_component(pattern, [&](std::string_view c) {
            if (!node) return;
            path.emplace_back(node, c);
            if (c.empty()) {
                node = node->any.get();
            } else {
                auto it = node->literal.find(c);
                node = it == node->literal.end() ? nullptr : it->second.get();
            }
        });
        if (!node || !node->value) return false;
        // The entry dies last: the components in `path` may point into it.
        auto doomed = std::move(node->value);
        for (auto i = path.size(); i-- > 0;) {
            auto [parent, c] = path[i];
            WildcardNode* child = c.empty() ? parent->any.get() : parent->literal.find(c)->second.get();
            if (!child->unused()) break;
            if (c.empty()) parent->any.reset();
            else parent->literal.erase(parent->literal.find(c));
        }
        return true;
    }

    /// Depth-first over the components of `uri` from `pos` (pos > uri.size() means all are consumed), literal
    /// child before wildcard child; f(node) for each node holding an entry at the end. Stops when f returns true.
    template <class F>
    static bool wildcard_match(WildcardNode& node, std::string_view uri, std::size_t pos, F&& f) {
        if (pos > uri.size()) return node.value && f(node);
        auto dot = uri.find('.', pos);
        auto end = dot == std::string_view::npos ? uri.size() : dot;
        auto component = uri.substr(pos, end - pos);
        auto next = end + 1;
        if (!component.empty()) {
            if (auto it = node.literal.find(component); it != node.literal.end())
                if (wildcard_match(*it->second, uri, next, f)) return true;
        }
        if (node.any && wildcard_match(*node.any, uri, next, f)) return true;
        return false;
    }

    template <class F>
    static void wildcard_visit_all(WildcardNode& node, F& f) {
        if (node.value) f(*node.value);
        for (auto& [c, child] : node.literal) wildcard_visit_all(*child, f);
        if (node.any) wildcard_visit_all(*node.any, f);
    }

    std::unordered_map<std::string, std::unique_ptr<T>, StringHash, std::equal_to<>> exact_;
    std::unique_ptr<PrefixNode> prefix_root_;
    std::unique_ptr<WildcardNode> wildcard_root_;
    std::size_t size_ = 0;
};

}  // namespace flyover::realm
