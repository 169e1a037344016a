#pragma once
// A thread's spare container for a hot path: each decoded message borrowed fresh vectors that grew (and
// allocated) from empty; a borrowed spare keeps its capacity from the last message. A nested borrower on the
// same thread gets an object of its own, so reentrancy is safe. T needs clear(); what it holds must stay small
// (the decoders' stacks are bounded by the nesting limit).
// Thread affinity: one thread (the spare is thread_local).

namespace flyover {

template <class T>
class Scratch {
public:
    Scratch() : borrowed_(!busy()) {
        if (borrowed_) busy() = true;
    }
    ~Scratch() {
        if (!borrowed_) return;
        spare().clear();
        busy() = false;
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    T& get() { return borrowed_ ? spare() : own_; }

private:
    static T& spare() {
        thread_local T t;
        return t;
    }
    static bool& busy() {
        thread_local bool b = false;
        return b;
    }
    bool borrowed_;
    T own_;
};

}  // namespace flyover
