// flyover-codec-bench: encode and decode rates of the serializers for the messages a router handles most
// (PUBLISH in, EVENT out, CALL with kwargs, CALL with 1 KiB), in every codec: encode, decode to Values, and
// decode the way the router does (payload kept as bytes; JSON text already UTF-8-checked by the frame layer).
// Measures, never asserts (DESIGN.md: speed is measured in bench/, not asserted in tests).
//
// Usage: flyover-codec-bench [--seconds S]    (S per row and direction, default 1)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "serializers/codec.hpp"

namespace {

using flyover::Codec;
using flyover::Dict;
using flyover::List;
using flyover::Message;
using flyover::Payload;
using flyover::Value;
using Clock = std::chrono::steady_clock;

struct Case {
    const char* name;
    Message message;
};

/// 64 bytes of printable text: a chat line, the router's typical publish.
const std::string payload_64 = "The quick brown fox jumps over the lazy dog while WAMP routes it";

std::vector<Case> cases() {
    static_assert(sizeof("The quick brown fox jumps over the lazy dog while WAMP routes it") - 1 == 64);
    Payload publish_payload;
    publish_payload.args = List{Value{payload_64}};

    Payload kib_payload;
    kib_payload.args = List{Value{std::string(1024, 'x')}};

    Payload call_payload;
    call_payload.args = List{Value{1}, Value{2}};
    call_payload.kwargs = Dict{{"user", Value{"alice"}},
                               {"precision", Value{2.5}},
                               {"tags", Value{List{Value{"a"}, Value{"b"}, Value{"c"}}}},
                               {"round", Value{true}},
                               {"limit", Value{1000}}};
    return {
        {"PUBLISH 64 B", flyover::Publish{239714735, {}, "com.example.chat.room1", publish_payload}},
        {"EVENT 64 B", flyover::Event{5512315355, 4429313566,
                                      Dict{{"publisher", Value{9129137332}}, {"topic", Value{"com.example.chat.room1"}}},
                                      publish_payload}},
        {"CALL kwargs", flyover::Call{7814135, Dict{{"timeout", Value{1000}}}, "com.example.add", call_payload}},
        {"CALL 1 KiB", flyover::Call{7814136, {}, "com.example.echo", kib_payload}},
    };
}

struct Rate {
    double messages_per_second;
    double megabytes_per_second;
};

/// Runs `step` (which returns the bytes it handled) until `seconds` have passed; checks the clock every
/// 256 iterations so the clock read does not dominate small messages.
template <class Step>
Rate measure(double seconds, Step&& step) {
    std::size_t messages = 0, bytes = 0;
    auto start = Clock::now();
    auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    auto now = start;
    do {
        for (int i = 0; i < 256; ++i) bytes += step();
        messages += 256;
        now = Clock::now();
    } while (now < deadline);
    double elapsed = std::chrono::duration<double>(now - start).count();
    return {messages / elapsed, bytes / elapsed / 1e6};
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 1.0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = std::atof(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--seconds S]   (time per row and direction, default 1)\n", argv[0]);
            return 2;
        }
    }
    if (!(seconds > 0)) {
        std::fprintf(stderr, "--seconds must be positive\n");
        return 2;
    }

    std::printf("%-13s %-15s %6s %13s %9s %13s %9s %13s\n", "message", "codec", "bytes", "encode msg/s", "enc MB/s",
                "decode msg/s", "dec MB/s", "router msg/s");
    for (auto& c : cases()) {
        for (const Codec* codec : flyover::all_codecs()) {
            const std::string wire = codec->encode(c.message);
            auto check = codec->decode_message(wire);
            if (!check || !(*check == c.message)) {
                std::fprintf(stderr, "%s does not round-trip through %s\n", c.name, codec->subprotocol().data());
                return 1;
            }
            // Side effects the optimiser cannot drop: sizes and a decoded field are summed into a volatile.
            volatile std::size_t sink = 0;
            Rate enc = measure(seconds, [&] {
                auto out = codec->encode(c.message);
                sink = sink + out.size();
                return out.size();
            });
            Rate dec = measure(seconds, [&] {
                auto m = codec->decode_message(wire);
                sink = sink + m->index();
                return wire.size();
            });
            flyover::DecodeLimits router_limits;
            router_limits.keep_raw_payload = true;
            router_limits.input_is_utf8 = !codec->binary();
            Rate routed = measure(seconds, [&] {
                auto m = codec->decode_message(wire, router_limits);
                sink = sink + m->index();
                return wire.size();
            });
            std::printf("%-13s %-15.*s %6zu %13.0f %9.1f %13.0f %9.1f %13.0f\n", c.name,
                        static_cast<int>(codec->subprotocol().size()), codec->subprotocol().data(), wire.size(),
                        enc.messages_per_second, enc.megabytes_per_second, dec.messages_per_second,
                        dec.megabytes_per_second, routed.messages_per_second);
            std::fflush(stdout);
        }
    }
    return 0;
}
