"""What Flyover's Autobahn|Python test clients share: JSON-line output, a JSON-printable form of payloads, and
running one ApplicationSession over asyncio until it disconnects.

Debian's autobahn 22.7 on Python 3.11 cannot use autobahn.asyncio.component.run (it uses asyncio.coroutine,
which Python 3.11 removed), so sessions are started with WampWebSocketClientFactory directly.
"""
import asyncio
import json
from urllib.parse import urlparse

import txaio

txaio.use_asyncio()

from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.serializer import JsonSerializer, MsgPackSerializer  # noqa: E402
from autobahn.wamp.types import ComponentConfig  # noqa: E402


def emit(**fields):
    """One JSON object per line on stdout: what the Node tests read."""
    print(json.dumps(fields), flush=True)


def plain(value):
    """JSON-printable form of a payload value: bytes become {"hex": ...}."""
    if isinstance(value, (bytes, bytearray)):
        return {"hex": bytes(value).hex()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


async def run_session(url, realm, serializer_name, make_session, timeout_s):
    """Connects, runs the session made by make_session(config, done) until it resolves `done` (on disconnect)
    and returns 0, or 2 after timeout_s seconds, or 3 if the connection failed."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    serializer = {"json": JsonSerializer, "msgpack": MsgPackSerializer}[serializer_name]()
    factory = WampWebSocketClientFactory(
        lambda: make_session(ComponentConfig(realm=realm), done), url=url, serializers=[serializer], loop=loop)
    parsed = urlparse(url)
    try:
        await loop.create_connection(factory, parsed.hostname, parsed.port)
    except OSError as e:
        emit(event="error", error="connect failed: {}".format(e))
        return 3
    try:
        await asyncio.wait_for(done, timeout_s)
    except asyncio.TimeoutError:
        emit(event="error", error="timed out after {} s".format(timeout_s))
        return 2
    return 0
