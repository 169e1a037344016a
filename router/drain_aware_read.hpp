#pragma once
// A socket read that tells Asio's epoll reactor when it emptied the socket, so the next read waits for data
// instead of first trying recv() and getting EAGAIN.
//
// Why: Asio 1.74 starts every async_read_some with a "speculative" recv(), unless the previous read on that
// socket was marked "done_and_exhausted", which its own reads do only at end of file. After a short read that
// speculative recv() always fails with EAGAIN: one wasted system call per message received under load, 1.0 per
// routed call at 64 B (bench/RESULTS.md, session 7 item 4). A read that got fewer bytes than it asked for has
// emptied the kernel's receive queue, so it is "exhausted" in exactly the reactor's sense: the reactor then queues
// the next read without a system call (no speculative recv, no epoll_ctl), and any data that arrives later raises
// a new edge-triggered EPOLLIN, which re-enables speculation (epoll_reactor::descriptor_state::perform_io), all
// under the descriptor's lock, so this holds with several I/O threads too.
//
// How: Asio picks the operation's perform function by the buffer sequence type, so reads given a
// DrainAwareBuffer use the specialisation below. It replaces a class in boost::asio::detail and is tied to
// Boost 1.74's reactor (Debian 12); with any other Boost version DrainAwareBuffer is read like a plain buffer.

#include <cstddef>

#include <boost/version.hpp>

#include "router/asio.hpp"

namespace flyover::router {

// One contiguous buffer to read into (a MutableBufferSequence, convertible to net::mutable_buffer).
struct DrainAwareBuffer : boost::asio::mutable_buffer {
    DrainAwareBuffer(void* data, std::size_t size) : boost::asio::mutable_buffer(data, size) {}
};

}  // namespace flyover::router

#if BOOST_VERSION == 107400 && !defined(BOOST_ASIO_WINDOWS) && !defined(BOOST_ASIO_HAS_IOCP)
#define FLYOVER_DRAIN_AWARE_READ 1
namespace boost::asio::detail {

template <>
class reactive_socket_recv_op_base<flyover::router::DrainAwareBuffer> : public reactor_op {
public:
    reactive_socket_recv_op_base(const boost::system::error_code& success_ec, socket_type socket,
                                 socket_ops::state_type state, const flyover::router::DrainAwareBuffer& buffer,
                                 socket_base::message_flags flags, func_type complete_func)
        : reactor_op(success_ec, &reactive_socket_recv_op_base::do_perform, complete_func),
          socket_(socket), state_(state), buffer_(buffer), flags_(flags) {}

    static status do_perform(reactor_op* base) {
        auto* o = static_cast<reactive_socket_recv_op_base*>(base);
        const bool stream = (o->state_ & socket_ops::stream_oriented) != 0;
        if (!socket_ops::non_blocking_recv1(o->socket_, o->buffer_.data(), o->buffer_.size(), o->flags_, stream,
                                            o->ec_, o->bytes_transferred_))
            return not_done;  // EAGAIN: the reactor queues the read until EPOLLIN
        // Asio's own rule is "exhausted at end of file" (0 bytes); a short read is exhausted too (see above).
        return stream && o->bytes_transferred_ < o->buffer_.size() ? done_and_exhausted : done;
    }

private:
    socket_type socket_;
    socket_ops::state_type state_;
    boost::asio::mutable_buffer buffer_;
    socket_base::message_flags flags_;
};

}  // namespace boost::asio::detail
#endif
