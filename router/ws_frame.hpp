#pragma once
// Server-side WebSocket framing (RFC 6455 section 5) after the handshake: parsing the client's frames and
// writing the headers of ours. The router frames its own messages instead of using Beast's stream so that it
// can write many queued messages with one gather write, keep no per-operation timers, and hold only a small
// buffer per idle connection (bench/RESULTS.md has the measurements behind this). No extensions are ever
// negotiated, so the RSV bits must be zero. Pure: no sockets, testable on byte strings. Thread affinity: none.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace flyover::router::ws {

enum class Opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

/// Close status codes the router sends (RFC 6455 section 7.4.1).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t bad_payload = 1007;  // text that is not UTF-8
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;
}  // namespace close_code

/// The largest header a server frame needs: 2 bytes + 8 bytes of extended length (servers do not mask).
inline constexpr std::size_t max_header_size = 10;

/// Writes the header of an unfragmented, unmasked server frame into `out`; returns its size (2, 4 or 10).
std::size_t write_frame_header(std::uint8_t* out, Opcode opcode, std::size_t payload_size);

/// A whole close frame payload: the code in network order, then the reason (cut to fit 125 bytes).
std::string close_payload(std::uint16_t code, std::string_view reason);

/// What FrameParser::next found.
struct FrameEvent {
    enum class Kind {
        /// No complete frame yet: read more bytes (at least `FrameParser::bytes_wanted()` in total).
        need_more,
        /// A whole data message: `opcode` is text or binary, `payload` its bytes.
        message,
        ping,
        pong,
        /// The peer's close frame: `close_code` (1005 when it sent none) and `payload` = the reason.
        close,
        /// The peer broke the protocol: close with `close_code`; `payload` says why (for the log and the reason).
        error,
    };
    Kind kind = Kind::need_more;
    Opcode opcode = Opcode::binary;
    /// Valid until the next call to `next` or until the caller's buffer changes.
    std::string_view payload;
    std::uint16_t close_code = 0;
};

/// Incremental parser of the frames a client sends. The caller owns the bytes: `next` unmasks payloads in
/// place and returns views into the caller's buffer (or into the parser's own buffer for fragmented messages).
class FrameParser {
public:
    explicit FrameParser(std::size_t max_message_size) : max_message_size_(max_message_size) {}

    /// Looks at `data[0..size)`; on return `consumed` bytes of it are used up (the caller drops them before the
    /// next call). Returns need_more when no further complete frame is in the bytes.
    FrameEvent next(char* data, std::size_t size, std::size_t& consumed);

    /// The number of contiguous bytes the frame at the front of the buffer needs (header + payload), once its
    /// header has been seen; before that, the largest possible header. The caller's buffer must hold this many.
    std::size_t bytes_wanted() const { return wanted_; }

    /// After an error nothing more can be parsed: the caller discards what arrives.
    bool failed() const { return failed_; }

    /// Drops the memory a large fragmented message left behind (for idle connections).
    void shrink() {
        if (fragments_.empty()) std::string().swap(fragments_);
    }

private:
    FrameEvent fail(std::uint16_t code, std::string_view why);

    std::size_t max_message_size_;
    std::size_t wanted_ = 14;
    /// A fragmented data message being assembled, and its opcode; in_message_ while one is open.
    std::string fragments_;
    Opcode fragmented_opcode_ = Opcode::binary;
    bool in_message_ = false;
    bool failed_ = false;
    std::string error_;
};

}  // namespace flyover::router::ws
