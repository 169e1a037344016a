"""An Autobahn|Python (asyncio) client for Flyover's integration tests.

Usage: session_client.py URL REALM SERIALIZER MODE
  SERIALIZER  json | msgpack (offers exactly that WebSocket subprotocol)
  MODE        leave: join, then leave with GOODBYE
              wait:  join, then stay until the router ends the session

Prints one JSON object per line on stdout: {"event": "join", ...}, {"event": "leave", "reason": ...},
{"event": "disconnect"}; or {"event": "error", ...}. Exits 0 when the transport closed, 2 on a timeout,
3 when the connection failed.
"""
import asyncio
import sys

from wamp_runner import emit, run_session

from autobahn.asyncio.wamp import ApplicationSession

TIMEOUT_S = 15



class Client(ApplicationSession):
    def __init__(self, config, mode, disconnected):
        super().__init__(config)
        self.mode = mode
        self.disconnected = disconnected

    def onJoin(self, details):
        emit(event="join", session=details.session, realm=details.realm, authid=details.authid,
             authrole=details.authrole, authmethod=details.authmethod, serializer=details.serializer,
             router_roles=sorted(self._router_roles.keys()))
        if self.mode == "leave":
            self.leave()

    def onLeave(self, details):
        emit(event="leave", reason=details.reason, message=details.message)
        self.disconnect()

    def onDisconnect(self):
        emit(event="disconnect")
        if not self.disconnected.done():
            self.disconnected.set_result(None)


async def main(url, realm, serializer_name, mode):
    return await run_session(url, realm, serializer_name, lambda config, done: Client(config, mode, done), TIMEOUT_S)


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[3] not in ("json", "msgpack") or sys.argv[4] not in ("leave", "wait"):
        sys.stderr.write(__doc__)
        sys.exit(64)
    sys.exit(asyncio.run(main(*sys.argv[1:5])))
