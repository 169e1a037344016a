// Baseline: an RPC-shaped relay. A caller's frame goes to a callee (round robin), the callee's reply goes back
// to that caller: the four frames of CALL / INVOCATION / YIELD / RESULT, with no WAMP in between. The caller's
// slot travels in the frame (8 hex digits at offset 1, written here) so the reply finds its way back.
#include <vector>

#include "bench/baselines/baseline.hpp"

int main(int argc, char** argv) {
    using namespace baseline;
    std::vector<std::shared_ptr<Conn>> callers, callees;
    std::size_t next_callee = 0;
    return serve(argc, argv, [&](std::shared_ptr<Conn> c) {
        if (c->path == "/callee") {
            callees.push_back(c);
            c->on_frame = [&](Conn&, std::string_view f) {
                if (f.size() < 9) return;
                std::size_t slot = std::strtoul(std::string(f.substr(1, 8)).c_str(), nullptr, 16);
                if (slot < callers.size() && callers[slot]) callers[slot]->send(std::make_shared<const std::string>(f));
            };
        } else {
            c->slot = callers.size();
            callers.push_back(c);
            c->on_frame = [&](Conn& self, std::string_view f) {
                if (callees.empty() || f.size() < 9) return;
                auto b = std::make_shared<std::string>(f);
                char hex[9];
                std::snprintf(hex, sizeof hex, "%08zx", self.slot);
                std::memcpy(b->data() + 1, hex, 8);
                callees[next_callee++ % callees.size()]->send(std::move(b));
            };
            c->on_close = [&](Conn& self) { callers[self.slot] = nullptr; };
        }
        c->read();
    });
}
