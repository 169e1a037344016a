#include <catch2/catch.hpp>

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "router/drain_aware_read.hpp"

// This test binary's own recv(): Asio's reads call ::recv, so defining it here (the executable's symbol wins over
// libc's) lets the test count the reads that found the socket empty. It forwards to the system call unchanged.
namespace {
int watched_fd = -1;
int empty_reads = 0;  // recv() calls on watched_fd that failed with EAGAIN
}  // namespace

extern "C" ssize_t recv(int fd, void* buf, size_t len, int flags) {
    const long n = ::syscall(SYS_recvfrom, fd, buf, len, flags, nullptr, nullptr);
    if (n < 0 && fd == watched_fd && (errno == EAGAIN || errno == EWOULDBLOCK)) ++empty_reads;
    return static_cast<ssize_t>(n);
}

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using flyover::router::DrainAwareBuffer;

struct LoopbackPair {
    net::io_context io;
    tcp::socket client{io}, server{io};
    LoopbackPair() {
        tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
        client.connect(acceptor.local_endpoint());
        acceptor.accept(server);
        watched_fd = server.native_handle();
    }
    ~LoopbackPair() { watched_fd = -1; }
    /// Writes `bytes` and waits until the server's kernel queue holds them and the reactor has seen the edge.
    void send_and_settle(const std::string& bytes) {
        net::write(client, net::buffer(bytes));
        for (int i = 0; i < 1000 && server.available() < bytes.size(); ++i) ::usleep(1000);
        REQUIRE(server.available() == bytes.size());
        io.restart();
        io.poll();  // the reactor takes the EPOLLIN edge now, before the read under test starts
    }
    /// Starts one read of up to `capacity` bytes; `run()` completes it.
    template <class Buffer>
    std::string read(std::size_t capacity) {
        std::string got(capacity, '\0');
        std::size_t n = 0;
        server.async_read_some(Buffer(got.data(), got.size()), [&](boost::system::error_code ec, std::size_t bytes) {
            REQUIRE_FALSE(ec);
            n = bytes;
        });
        io.restart();
        io.poll();
        got.resize(n);
        return got;
    }
};

}  // namespace

TEST_CASE("a read that empties the socket lets the next read wait without an empty recv()", "[drain_aware_read]") {
    LoopbackPair p;
    p.send_and_settle("first message");
    CHECK(p.read<DrainAwareBuffer>(1024) == "first message");  // short read: the socket is now empty
    const int before = empty_reads;

    // The next read is queued while nothing is there, then the data comes: it must still be delivered.
    std::string got(1024, '\0');
    std::size_t n = 0;
    p.server.async_read_some(DrainAwareBuffer(got.data(), got.size()),
                             [&](boost::system::error_code ec, std::size_t bytes) {
                                 REQUIRE_FALSE(ec);
                                 n = bytes;
                             });
    net::write(p.client, net::buffer(std::string("second")));
    p.io.restart();
    p.io.run_for(std::chrono::seconds(5));
    got.resize(n);
    CHECK(got == "second");
#ifdef FLYOVER_DRAIN_AWARE_READ
    CHECK(empty_reads == before);  // no speculative recv() that could only fail
#else
    WARN("Boost " << BOOST_LIB_VERSION << ": reads are not drain-aware (the specialisation is for Boost 1.74)");
#endif
}

TEST_CASE("a plain buffer read tries recv() first and finds the socket empty (what the specialisation saves)",
          "[drain_aware_read]") {
    LoopbackPair p;
    p.send_and_settle("first message");
    CHECK(p.read<net::mutable_buffer>(1024) == "first message");
    const int before = empty_reads;
    std::string got(1024, '\0');
    p.server.async_read_some(net::buffer(got), [](auto, auto) {});  // Asio tries recv() before queueing the read
    CHECK(empty_reads == before + 1);
    p.server.cancel();
    p.io.restart();
    p.io.poll();
}

TEST_CASE("a read that fills its buffer leaves the rest for the next read at once", "[drain_aware_read]") {
    LoopbackPair p;
    p.send_and_settle("0123456789");
    CHECK(p.read<DrainAwareBuffer>(4) == "0123");  // full read: more may be waiting, so keep reading speculatively
    CHECK(p.read<DrainAwareBuffer>(4) == "4567");
    CHECK(p.read<DrainAwareBuffer>(1024) == "89");
}
