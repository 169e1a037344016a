// The official WAMP test vectors (tests/vectors/wamp-testsuite, see its README): every JSON and MessagePack
// sample must decode to its expected attributes and survive a re-encode, and every validation sample must be
// accepted or rejected as the vector says.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "serializers/codec.hpp"
#include "serializers/message_mapper.hpp"
#include "test_support.hpp"

using namespace flyover;
using Catch::Matchers::Contains;

namespace {

struct VectorFile {
    std::string name;  // e.g. "basic/publish.json"
    Value doc;
};

std::vector<VectorFile> load_vector_files() {
    auto root = test::vectors_dir() / "wamp-testsuite" / "singlemessage";
    std::vector<std::filesystem::path> paths;
    for (auto& entry : std::filesystem::recursive_directory_iterator(root))
        if (entry.is_regular_file() && entry.path().extension() == ".json") paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    // The files nest 7 levels at most and are under 64 KB; the limits leave room for future vectors.
    const DecodeLimits file_limits{16 * 1024 * 1024, 256};
    std::vector<VectorFile> files;
    for (auto& path : paths) {
        auto doc = json_codec().decode(test::read_file(path), file_limits);
        INFO(path.string());
        if (!doc) FAIL("cannot parse vector file: " << doc.error().message);
        files.push_back({std::filesystem::relative(path, root).string(), std::move(doc).value()});
    }
    return files;
}

const List& list_member(const Value& v, std::string_view key) {
    static const List none;
    auto m = v.find(key);
    return m && m->as_list() ? *m->as_list() : none;
}

Value or_null(const List& l) { return l.empty() ? Value{} : Value{l}; }
Value or_null(const Dict& d) { return d.empty() ? Value{} : Value{d}; }

Value member_or_null(const Dict& d, std::string_view key) {
    auto v = find(d, key);
    return v ? *v : Value{};
}

/// args, kwargs (null when absent or empty) and payload (hex of the passthru payload, or null).
void add_payload(Dict& a, const Payload& p) {
    a["args"] = or_null(p.args);
    a["kwargs"] = or_null(p.kwargs);
    a["payload"] = Value{};
    if (p.transparent) {
        if (auto b = p.transparent->as_bytes()) a["payload"] = test::to_hex(b->data);
        else if (auto s = p.transparent->as_string()) a["payload"] = test::to_hex(*s);
    }
}

/// A decoded message as the vectors' attribute names see it (autobahn-python's message attributes).
Dict attributes(const Message& message) {
    struct Visitor {
        Dict& a;
        void operator()(const Hello& m) {
            a["realm"] = m.realm;
            a["details"] = m.details;
            a["roles"] = member_or_null(m.details, "roles");
        }
        void operator()(const Welcome& m) {
            a["session_id"] = Value{m.session};
            a["details"] = m.details;
            a["roles"] = member_or_null(m.details, "roles");
        }
        void operator()(const Abort& m) {
            a["details"] = m.details;
            a["reason"] = m.reason;
            add_payload(a, m.payload);
        }
        void operator()(const Challenge& m) {
            a["method"] = m.authmethod;
            a["extra"] = m.extra;
        }
        void operator()(const Authenticate& m) {
            a["signature"] = m.signature;
            a["extra"] = m.extra;
        }
        void operator()(const Goodbye& m) {
            a["details"] = m.details;
            a["reason"] = m.reason;
        }
        void operator()(const ErrorMessage& m) {
            a["request_type"] = static_cast<std::uint64_t>(m.request_type);
            a["request_id"] = Value{m.request};
            a["details"] = m.details;
            a["error"] = m.error;
            add_payload(a, m.payload);
        }
        void operator()(const Publish& m) {
            a["request_id"] = Value{m.request};
            a["options"] = m.options;
            a["topic"] = m.topic;
            add_payload(a, m.payload);
        }
        void operator()(const Published& m) {
            a["request_id"] = Value{m.request};
            a["publication_id"] = a["publication"] = Value{m.publication};
        }
        void operator()(const Subscribe& m) {
            a["request_id"] = Value{m.request};
            a["options"] = m.options;
            a["topic"] = m.topic;
        }
        void operator()(const Subscribed& m) {
            a["request_id"] = Value{m.request};
            a["subscription_id"] = a["subscription"] = Value{m.subscription};
        }
        void operator()(const Unsubscribe& m) {
            a["request_id"] = Value{m.request};
            a["subscription_id"] = a["subscription"] = Value{m.subscription};
        }
        void operator()(const Unsubscribed& m) {
            a["request_id"] = Value{m.request};
            a["details"] = m.details;
        }
        void operator()(const Event& m) {
            a["subscription_id"] = a["subscription"] = Value{m.subscription};
            a["publication_id"] = a["publication"] = Value{m.publication};
            a["details"] = m.details;
            add_payload(a, m.payload);
        }
        void operator()(const Call& m) {
            a["request_id"] = Value{m.request};
            a["options"] = m.options;
            a["procedure"] = m.procedure;
            add_payload(a, m.payload);
        }
        void operator()(const Cancel& m) {
            a["request_id"] = Value{m.request};
            a["options"] = m.options;
        }
        void operator()(const ResultMessage& m) {
            a["request_id"] = Value{m.request};
            a["details"] = m.details;
            add_payload(a, m.payload);
        }
        void operator()(const Register& m) {
            a["request_id"] = Value{m.request};
            a["options"] = m.options;
            a["procedure"] = m.procedure;
        }
        void operator()(const Registered& m) {
            a["request_id"] = Value{m.request};
            a["registration_id"] = a["registration"] = Value{m.registration};
        }
        void operator()(const Unregister& m) {
            a["request_id"] = Value{m.request};
            a["registration_id"] = a["registration"] = Value{m.registration};
        }
        void operator()(const Unregistered& m) {
            a["request_id"] = Value{m.request};
            a["details"] = m.details;
        }
        void operator()(const Invocation& m) {
            a["request_id"] = Value{m.request};
            a["registration_id"] = a["registration"] = Value{m.registration};
            a["details"] = m.details;
            add_payload(a, m.payload);
        }
        void operator()(const Interrupt& m) {
            a["request_id"] = Value{m.request};
            a["options"] = m.options;
        }
        void operator()(const Yield& m) {
            a["request_id"] = Value{m.request};
            a["options"] = m.options;
            add_payload(a, m.payload);
        }
    };
    Dict a;
    std::visit(Visitor{a}, message);
    return a;
}

/// The vectors write "no args" as null; an empty list or dict means the same after decoding.
Value normalise_expected(std::string_view key, const Value& v) {
    if (key == "args" && v.as_list() && v.as_list()->empty()) return Value{};
    if (key == "kwargs" && v.as_dict() && v.as_dict()->empty()) return Value{};
    return v;
}

/// Whether every dict in `v` has at most one key, so that key order cannot make two encodings differ.
bool key_order_free(const Value& v) {
    if (auto d = v.as_dict()) {
        if (d->size() > 1) return false;
        for (auto& [k, item] : *d)
            if (!key_order_free(item)) return false;
    }
    if (auto l = v.as_list())
        for (auto& item : *l)
            if (!key_order_free(item)) return false;
    return true;
}

struct Tally {
    int decoded = 0;
    int byte_identical = 0;
    int skipped_serializer = 0;
    int skipped_type = 0;
    int validations = 0;
};

void check_serialization_sample(const Value& sample, Tally& tally) {
    const Value* expected = sample.find("expected_attributes");
    const Value* serializers = sample.find("serializers");
    REQUIRE(expected);
    REQUIRE(serializers);
    REQUIRE(serializers->as_dict());
    auto code = expected->find("message_type")->as_uint();
    REQUIRE(code);
    bool modelled = message_type_name(static_cast<MessageType>(*code)) != "UNKNOWN";

    for (auto& [serializer, representations] : *serializers->as_dict()) {
        const Codec* codec = serializer == "json" ? &json_codec() : serializer == "msgpack" ? &msgpack_codec() : nullptr;
        REQUIRE(representations.as_list());
        if (!codec) {
            tally.skipped_serializer += static_cast<int>(representations.as_list()->size());
            continue;
        }
        if (!modelled) {
            tally.skipped_type += static_cast<int>(representations.as_list()->size());
            // A type the router does not model must at least be refused cleanly.
            for (auto& r : *representations.as_list()) {
                auto bytes = codec == &json_codec() ? *r.find("bytes")->as_string()
                                                    : test::from_hex(*r.find("bytes_hex")->as_string());
                auto refused = codec->decode_message(bytes);
                REQUIRE_FALSE(refused.ok());
                CHECK_THAT(refused.error().message, Contains("unknown message type"));
            }
            continue;
        }
        std::vector<std::string> canonical;
        for (auto& r : *representations.as_list()) {
            auto note = r.find("note");
            INFO(serializer << " representation" << (note ? ": " + *note->as_string() : std::string()));
            std::string bytes = codec == &json_codec() ? *r.find("bytes")->as_string()
                                                       : test::from_hex(*r.find("bytes_hex")->as_string());
            canonical.push_back(bytes);
            auto message = codec->decode_message(bytes);
            if (!message) FAIL("decode failed: " << message.error().message);
            ++tally.decoded;

            CHECK(static_cast<std::uint64_t>(type_of(*message)) == *code);
            auto actual = attributes(*message);
            for (auto& [key, want] : *expected->as_dict()) {
                if (key == "message_type") continue;
                INFO("attribute " << key);
                auto have = find(actual, key);
                if (!have) FAIL("the test has no mapping for attribute '" << key << "'");
                CHECK(to_debug_string(*have) == to_debug_string(normalise_expected(key, want)));
                CHECK(*have == normalise_expected(key, want));
            }

            // Round trip: our encoding decodes to the same message.
            auto again = codec->encode(*message);
            auto back = codec->decode_message(again);
            if (!back) FAIL("re-decode failed: " << back.error().message);
            CHECK(*back == *message);
        }
        // Byte-exact against the canonical bytes where key order cannot differ (we write keys sorted).
        auto first = codec->decode(canonical.front());
        REQUIRE(first.ok());
        if (key_order_free(first.value())) {
            auto ours = codec->encode(codec->decode_message(canonical.front()).value());
            INFO(serializer << " encoding: " << (codec->binary() ? test::to_hex(ours) : ours));
            CHECK(std::find(canonical.begin(), canonical.end(), ours) != canonical.end());
            ++tally.byte_identical;
        }
    }
}

void check_validation_sample(const Value& sample, Tally& tally) {
    const Value* wmsg = sample.find("wmsg");
    REQUIRE(wmsg);
    const Value* expected_error = sample.find("expected_error");
    for (auto codec : all_codecs()) {
        INFO(codec->subprotocol());
        auto result = codec->decode_message(codec->encode_value(*wmsg));
        if (expected_error) {
            auto contains = expected_error->find("contains");
            REQUIRE(contains);
            REQUIRE_FALSE(result.ok());
            CHECK_THAT(result.error().message, Contains(*contains->as_string()));
        } else {
            if (!result) FAIL("a valid message was refused: " << result.error().message);
        }
        ++tally.validations;
    }
}

}  // namespace

TEST_CASE("the official WAMP single-message vectors decode, match and round-trip", "[serializers][vectors]") {
    auto files = load_vector_files();
    REQUIRE(files.size() >= 26);
    Tally tally;
    for (auto& file : files) {
        INFO(file.name);
        auto samples = list_member(file.doc, "samples");
        REQUIRE_FALSE(samples.empty());
        for (auto& sample : samples) {
            auto description = sample.find("description");
            INFO("sample: " << (description && description->as_string() ? *description->as_string() : "?"));
            if (sample.find("expected_attributes")) check_serialization_sample(sample, tally);
            else check_validation_sample(sample, tally);
        }
    }
    // Floors, so that a vector folder copied incompletely cannot pass by testing nothing.
    CHECK(tally.decoded >= 60);
    CHECK(tally.validations >= 2 * 50);
    CHECK(tally.byte_identical >= 20);
    WARN("WAMP vectors: " << tally.decoded << " JSON/MessagePack samples decoded and round-tripped ("
                          << tally.byte_identical << " serializer groups checked byte for byte), "
                          << tally.validations << " validation checks; skipped " << tally.skipped_serializer
                          << " samples of serializers without a codec (cbor, ubjson, flatbuffers) and "
                          << tally.skipped_type << " of message types not modelled (EVENT_RECEIVED)");
}
