// Baseline: a WebSocket echo server. Every frame goes straight back to its sender (one copy, one write):
// the floor of any request/response over WebSocket, and of what an idle WebSocket connection costs.
#include "bench/baselines/baseline.hpp"

int main(int argc, char** argv) {
    using namespace baseline;
    return serve(argc, argv, [](std::shared_ptr<Conn> c) {
        c->on_frame = [](Conn& self, std::string_view f) { self.send(std::make_shared<const std::string>(f)); };
        c->read();
    });
}
