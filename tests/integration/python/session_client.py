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
import json
import sys
from urllib.parse import urlparse

import txaio

txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.serializer import JsonSerializer, MsgPackSerializer  # noqa: E402
from autobahn.wamp.types import ComponentConfig  # noqa: E402

TIMEOUT_S = 15


def emit(**fields):
    print(json.dumps(fields), flush=True)


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
    loop = asyncio.get_running_loop()
    disconnected = loop.create_future()
    serializer = {"json": JsonSerializer, "msgpack": MsgPackSerializer}[serializer_name]()

    def make_session():
        return Client(ComponentConfig(realm=realm), mode, disconnected)

    factory = WampWebSocketClientFactory(make_session, url=url, serializers=[serializer], loop=loop)
    parsed = urlparse(url)
    try:
        await loop.create_connection(factory, parsed.hostname, parsed.port)
    except OSError as e:
        emit(event="error", error="connect failed: {}".format(e))
        return 3
    try:
        await asyncio.wait_for(disconnected, TIMEOUT_S)
    except asyncio.TimeoutError:
        emit(event="error", error="timed out after {} s".format(TIMEOUT_S))
        return 2
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[3] not in ("json", "msgpack") or sys.argv[4] not in ("leave", "wait"):
        sys.stderr.write(__doc__)
        sys.exit(64)
    sys.exit(asyncio.run(main(*sys.argv[1:5])))
