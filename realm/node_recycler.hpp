#pragma once
// An allocator for node-based containers whose nodes come and go at the message rate (the dealer's two
// pending-call maps: a node into each per CALL, both erased per RESULT). A freed node goes on a free list of
// its size and the next insert takes it back, without malloc. libstdc++'s std::pmr::unsynchronized_pool_resource
// did the same at three times the instructions (callgrind, rpc 100 callers). Arrays (bucket arrays) go straight
// to the heap. Each free list keeps at most max_free_nodes nodes; more are freed, so what a burst of pending
// calls leaves behind is bounded.
// Thread affinity: one thread at a time (the realm's strand); copies of an allocator share its NodeFreeLists,
// which must outlive the containers using it.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace flyover::realm {

class NodeFreeLists {
public:
    static constexpr std::size_t max_free_nodes = 4096;

    NodeFreeLists() = default;
    NodeFreeLists(const NodeFreeLists&) = delete;
    NodeFreeLists& operator=(const NodeFreeLists&) = delete;
    ~NodeFreeLists() {
        for (auto& list : lists_)
            while (list.head) ::operator delete(pop(list));
    }

    void* take(std::size_t bytes) {
        List& list = list_for(bytes);
        if (list.head) return pop(list);
        return ::operator new(std::max(bytes, sizeof(FreeNode)));
    }

    void give(void* p, std::size_t bytes) {
        List& list = list_for(bytes);
        if (list.count >= max_free_nodes) return ::operator delete(p);
        list.head = new (p) FreeNode{list.head};
        ++list.count;
    }

    /// Nodes of `bytes` bytes waiting to be reused (for tests).
    std::size_t free_count(std::size_t bytes) {
        return list_for(bytes).count;
    }

private:
    struct FreeNode {
        FreeNode* next;
    };
    struct List {
        std::size_t bytes;
        FreeNode* head = nullptr;
        std::size_t count = 0;
    };

    static void* pop(List& list) {
        FreeNode* n = list.head;
        list.head = n->next;
        --list.count;
        return n;
    }

    // A container's nodes come in one or two sizes: a linear search is the fastest lookup.
    List& list_for(std::size_t bytes) {
        for (auto& list : lists_)
            if (list.bytes == bytes) return list;
        return lists_.emplace_back(List{bytes});
    }

    std::vector<List> lists_;
};

template <class T>
class NodeRecycler {
public:
    using value_type = T;
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "nodes come from plain operator new");

    explicit NodeRecycler(NodeFreeLists& lists) noexcept : lists_(&lists) {}
    template <class U>
    NodeRecycler(const NodeRecycler<U>& other) noexcept : lists_(other.lists()) {}

    T* allocate(std::size_t n) {
        if (n == 1) return static_cast<T*>(lists_->take(sizeof(T)));
        return std::allocator<T>{}.allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n == 1) return lists_->give(p, sizeof(T));
        std::allocator<T>{}.deallocate(p, n);
    }

    NodeFreeLists* lists() const noexcept { return lists_; }
    template <class U>
    bool operator==(const NodeRecycler<U>& o) const noexcept {
        return lists_ == o.lists();
    }

private:
    NodeFreeLists* lists_;
};

}  // namespace flyover::realm
