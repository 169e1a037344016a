// Baseline: fan-out. A frame from a publisher (path /pub) is copied once into a shared buffer and written to
// every subscriber connection (path /sub); a frame starting with 'A' is also acknowledged to its publisher.
// The floor of delivering one event to N WebSocket connections.
#include <vector>

#include "bench/baselines/baseline.hpp"

int main(int argc, char** argv) {
    using namespace baseline;
    std::vector<std::shared_ptr<Conn>> subscribers;
    auto ack = std::make_shared<const std::string>("K");
    return serve(argc, argv, [&](std::shared_ptr<Conn> c) {
        if (c->path == "/sub") {
            c->slot = subscribers.size();
            subscribers.push_back(c);
            c->on_frame = [](Conn&, std::string_view) {};
            c->on_close = [&](Conn& self) {
                auto last = subscribers.back();
                last->slot = self.slot;
                subscribers[self.slot] = last;
                subscribers.pop_back();
            };
        } else {
            c->on_frame = [&, ack](Conn& self, std::string_view f) {
                auto b = std::make_shared<const std::string>(f);
                for (auto& s : subscribers) s->send(b);
                if (!f.empty() && f[0] == 'A') self.send(ack);
            };
        }
        c->read();
    });
}
