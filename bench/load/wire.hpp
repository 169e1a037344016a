#pragma once
// Frames of the load generator without the cost of a full decode on the hot path.
//
// Every payload the generator sends is one string argument that starts with a 44-character *marker*
// ("FLYB" + send time + source index + sequence number, in hex) and is padded with 'x' to the payload size.
// Because the marker is plain ASCII, it can be found in the raw bytes of a JSON or MessagePack frame, and in
// the baselines' raw frames, with one search. CALL, YIELD and PUBLISH frames are built by splicing a request ID
// and a marker into bytes encoded once by the project's codec (FrameTemplate); every template is checked to
// decode back to the message it stands for before a run starts. Thread affinity: none.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "serializers/codec.hpp"

namespace flyover::bench {

/// Nanoseconds on the steady clock: the generator's one time base (sender and receiver share the process).
std::uint64_t now_ns();

struct Marker {
    std::uint64_t sent_ns = 0;
    std::uint32_t source = 0;  ///< caller or publisher index
    std::uint64_t seq = 0;     ///< per-source sequence number
};
inline constexpr std::size_t marker_size = 44;

/// A payload string of `size` bytes (at least marker_size): an all-zero marker, then 'x' padding.
std::string marker_string(std::size_t size);
/// Writes `m` over the 44 bytes at `p`.
void write_marker(char* p, const Marker& m);
/// The first marker in `frame`, or nullopt.
std::optional<Marker> find_marker(std::string_view frame);
/// The offset of the first marker in `frame`, or npos.
std::size_t marker_offset(std::string_view frame);

/// The WAMP message type of an encoded frame (the first array element), or -1 when it does not look like one.
int peek_type(std::string_view frame, bool json);
/// The second array element as an unsigned integer (the request ID of INVOCATION, RESULT, PUBLISHED, ...).
std::optional<std::uint64_t> peek_second(std::string_view frame, bool json);

/// An encoded message split around its request ID, so a frame costs one allocation and two copies.
class FrameTemplate {
public:
    /// The request ID a template message must carry: 2^32 + 0x05a5a5a5, easy to find in both codecs' bytes.
    static constexpr std::uint64_t template_id = (1ULL << 32) + 0x05a5a5a5ULL;
    /// `message` carries template_id as its request and one marker_string() in its payload.
    static FrameTemplate make(const Codec& codec, const Message& message);

    std::string build(std::uint64_t request, const Marker& marker) const;
    /// Size of the frame for a template-sized request ID.
    std::size_t size() const { return prefix_.size() + id_size_ + suffix_.size(); }

private:
    bool json_ = true;
    std::string prefix_;
    std::string suffix_;
    std::size_t id_size_ = 0;
    std::size_t marker_in_suffix_ = 0;
};

/// The raw frames spoken with the baseline servers: one kind byte, an 8-hex-digit slot the relay fills in,
/// then the marker and padding, `size` bytes in all (sized like the WAMP frame they stand in for).
namespace raw {
/// The opening request a baseline answers with one small frame (stands for HELLO, SUBSCRIBE, REGISTER).
inline constexpr std::string_view join_frame = "J";
inline constexpr std::size_t slot_offset = 1;
inline constexpr std::size_t marker_at = 9;
std::string frame(char kind, std::size_t size);
}  // namespace raw

}  // namespace flyover::bench
