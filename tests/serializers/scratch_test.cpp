#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "allocation_meter.hpp"
#include "serializers/codec.hpp"
#include "serializers/scratch.hpp"
#include "serializers/writer.hpp"

using namespace flyover;

TEST_CASE("a scratch object is the thread's spare, cleared, with its capacity kept", "[serializers][scratch]") {
    const int* first_data = nullptr;
    {
        Scratch<std::vector<int>> s;
        s.get().assign(100, 7);
        first_data = s.get().data();
    }
    Scratch<std::vector<int>> again;
    CHECK(again.get().empty());
    CHECK(again.get().capacity() >= 100);
    CHECK(again.get().data() == first_data);
}

TEST_CASE("a nested scratch borrower gets an object of its own", "[serializers][scratch]") {
    Scratch<std::vector<int>> outer;
    outer.get().push_back(1);
    {
        Scratch<std::vector<int>> inner;
        CHECK(&inner.get() != &outer.get());
        CHECK(inner.get().empty());
        inner.get().push_back(2);
    }
    REQUIRE(outer.get().size() == 1);
    CHECK(outer.get()[0] == 1);
}

TEST_CASE("decoding a routed message reuses the thread's decoder stacks", "[serializers][scratch]") {
    // CALL with an options dict and a kept payload of Arguments and ArgumentsKw. Once warmed up, the decoder's
    // value and key stacks and the kept-payload spans come from the thread. While the test itself holds the
    // thread's spares, the decoder must grow its own: stack 0->1->2 (list, dict), keys 0->1, spans 0->1->2.
    Message call = Call{1, Dict{{"disclose_me", Value{true}}}, "com.example.procedure.with.a.long.name",
                        Payload{List{Value{1}, Value{"two"}}, Dict{{"k", Value{3}}}, std::nullopt, nullptr}};
    for (const Codec* codec : all_codecs()) {
        INFO(codec->subprotocol());
        auto bytes = codec->encode(call);
        DecodeLimits limits{1 << 20, 64, true};
        REQUIRE(codec->decode_message(bytes, limits));  // warm up this thread's spares
        std::size_t with_spares, without_spares;
        {
            test::AllocationMeter meter;
            auto m = codec->decode_message(bytes, limits);
            with_spares = meter.count();
            REQUIRE(m);
        }
        {
            Scratch<std::vector<Value>> held_stack;
            Scratch<std::vector<std::string>> held_keys;
            Scratch<RawTail> held_tail;
            test::AllocationMeter meter;
            auto m = codec->decode_message(bytes, limits);
            without_spares = meter.count();
            REQUIRE(m);
        }
        CHECK(with_spares + 5 <= without_spares);
    }
}

TEST_CASE("a recycled envelope list is reused by the next top-level list only", "[serializers][scratch]") {
    auto decode_list = [](std::size_t n, bool nested) {
        ValueWriter w;
        if (nested) w.begin_list(1);
        w.begin_list(n);
        for (std::size_t i = 0; i < n; ++i) w.integer(static_cast<std::int64_t>(i));
        w.end_list();
        if (nested) w.end_list();
        return w.take();
    };
    decode_list(1, false);  // takes whatever spare earlier decodes on this thread left
    List envelope;
    envelope.reserve(8);
    envelope.emplace_back(std::int64_t{48});
    const Value* storage = envelope.data();
    ValueWriter::recycle_list(std::move(envelope));
    // A nested list does not take the spare; the top-level one does, cleared and with its capacity.
    auto nested = decode_list(5, true);
    CHECK(nested.as_list()->front().as_list()->data() != storage);
    CHECK(nested.as_list()->data() == storage);
    REQUIRE(nested.as_list()->front().as_list()->size() == 5);
    // Taken: the next list allocates its own.
    auto next = decode_list(5, false);
    CHECK(next.as_list()->data() != storage);
    CHECK(next.as_list()->size() == 5);
    // A big list is not kept (a message envelope has at most 7 elements).
    List big(100);
    const Value* big_storage = big.data();
    ValueWriter::recycle_list(std::move(big));
    CHECK(decode_list(3, false).as_list()->data() != big_storage);
}

TEST_CASE("decode_message gives the envelope back: a warmed-up CALL decode does not allocate one", "[serializers][scratch]") {
    Message call = Call{7, Dict{}, "com.example.procedure.with.a.long.name",
                        Payload{List{Value{1}}, Dict{}, std::nullopt, nullptr}};
    for (const Codec* codec : all_codecs()) {
        INFO(codec->subprotocol());
        auto bytes = codec->encode(call);
        DecodeLimits limits{1 << 20, 64, true};
        REQUIRE(codec->decode_message(bytes, limits));  // the spare envelope is now this thread's
        std::size_t warm, cold;
        {
            test::AllocationMeter meter;
            REQUIRE(codec->decode_message(bytes, limits));
            warm = meter.count();
        }
        {
            auto held = codec->decode(bytes, limits);  // holds the spare: the next decode builds its own envelope
            REQUIRE(held);
            test::AllocationMeter meter;
            REQUIRE(codec->decode_message(bytes, limits));
            cold = meter.count();
        }
        // msgpack announces the length: one allocation saved. JSON's envelope grows as elements arrive, so
        // reusing a spare saves each growth step.
        if (codec->id() == Serializer::msgpack) CHECK(warm + 1 == cold);
        else CHECK(warm + 1 <= cold);
    }
}
