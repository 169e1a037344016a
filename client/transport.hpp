#pragma once
// What ClientSession needs from a connection: send a message, close. The session never waits on the
// network; its owner feeds received messages and the end of the connection back into it. This seam is what
// lets the protocol logic be tested against a scripted fake instead of a socket.
// Thread affinity: called on the thread (strand) that drives the ClientSession.

#include "serializers/message.hpp"

namespace flyover::client {

class Transport {
public:
    virtual ~Transport() = default;
    /// Queues `m` for sending. False when it cannot be queued: no connection, or a request (not a reply such
    /// as YIELD or GOODBYE, which are always queued) over the transport's bounded write queue.
    virtual bool send(const Message& m) = 0;
    /// Closes the connection once the queued messages are written. The owner then calls
    /// ClientSession::transport_closed (a second call there is harmless).
    virtual void close() = 0;
};

}  // namespace flyover::client
