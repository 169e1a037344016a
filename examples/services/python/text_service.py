"""A backend service in Python (Autobahn|Python, asyncio): text procedures on a Flyover (or any WAMP) router.

    com.example.text.reverse(text)          -> the text reversed
    com.example.text.upper(text)            -> the text in upper case
    com.example.text.stats(text)            -> kwargs {"chars": .., "words": .., "lines": ..};
                                               the application error com.example.text.empty for ""
    com.example.text.spell(word[, delay_s]) -> progressive results, one letter each, then the word

Usage: /usr/bin/python3 examples/services/python/text_service.py [URL [REALM [json|msgpack]]]
       (or FLYOVER_URL, FLYOVER_REALM, FLYOVER_SERIALIZER; defaults ws://127.0.0.1:8080/ws realm1 json)

It reconnects (with backoff) whenever the router goes away, and registers again on every join. Ctrl-C or
SIGTERM leaves cleanly.

Why not autobahn.asyncio.component.run: Debian's autobahn 22.7 on Python 3.11 uses asyncio.coroutine there,
which no longer exists; the factory + loop.create_connection below is the long-standing lower-level API.
"""
import asyncio
import os
import signal
import sys
from urllib.parse import urlparse

import txaio

txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.serializer import JsonSerializer, MsgPackSerializer  # noqa: E402
from autobahn.wamp.types import CallResult, ComponentConfig, RegisterOptions  # noqa: E402


def setting(index, env, default):
    if len(sys.argv) > index:
        return sys.argv[index]
    return os.environ.get(env) or default


def require_text(value):
    if not isinstance(value, str):
        raise ApplicationError("wamp.error.invalid_argument", "expected a string, got {}".format(type(value).__name__))
    return value


class TextService(ApplicationSession):
    def __init__(self, config, url, stopping):
        super().__init__(config)
        self.url = url
        self.stopping = stopping

    async def onJoin(self, details):
        def reverse(text):
            return require_text(text)[::-1]

        def upper(text):
            return require_text(text).upper()

        def stats(text):
            text = require_text(text)
            if not text:
                # An application error: the caller receives this URI and these arguments, as an error value.
                raise ApplicationError("com.example.text.empty", "the text is empty")
            return CallResult(chars=len(text), words=len(text.split()), lines=len(text.splitlines()))

        async def spell(word, delay_s=0.05, details=None):
            word = require_text(word)
            for letter in word:
                if details is not None and details.progress:
                    details.progress(letter)  # a progressive result (only if the caller asked for them)
                await asyncio.sleep(float(delay_s))
            return word

        await self.register(reverse, "com.example.text.reverse")
        await self.register(upper, "com.example.text.upper")
        await self.register(stats, "com.example.text.stats")
        await self.register(spell, "com.example.text.spell", options=RegisterOptions(details_arg="details"))
        print("text_service: ready (session {} on {}, realm {})".format(details.session, self.url, details.realm),
              flush=True)
        self.stopping.add_done_callback(lambda _: self.leave() if self.is_attached() else None)

    def onLeave(self, details):
        print("text_service: session ended ({})".format(details.reason), flush=True)
        self.disconnect()


async def main():
    url = setting(1, "FLYOVER_URL", "ws://127.0.0.1:8080/ws")
    realm = setting(2, "FLYOVER_REALM", "realm1")
    serializer_name = setting(3, "FLYOVER_SERIALIZER", "json")
    serializers = {"json": JsonSerializer, "msgpack": MsgPackSerializer}
    if serializer_name not in serializers:
        print(__doc__, file=sys.stderr)
        return 64
    loop = asyncio.get_running_loop()
    stopping = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: stopping.done() or stopping.set_result(None))

    parsed = urlparse(url)
    delay = 0.5
    while not stopping.done():
        factory = WampWebSocketClientFactory(lambda: TextService(ComponentConfig(realm=realm), url, stopping),
                                             url=url, serializers=[serializers[serializer_name]()], loop=loop)
        try:
            transport, protocol = await loop.create_connection(factory, parsed.hostname, parsed.port or 80)
        except OSError as e:
            print("text_service: cannot connect to {} ({}); retrying in {:.1f} s".format(url, e, delay), flush=True)
        else:
            delay = 0.5
            closed = loop.create_future()
            protocol.is_closed.add_done_callback(lambda _: closed.done() or closed.set_result(None))
            await asyncio.wait([closed, stopping], return_when=asyncio.FIRST_COMPLETED)
            if stopping.done():
                # onJoin's callback sends GOODBYE; wait (briefly) for the router's answer and the close.
                await asyncio.wait([closed], timeout=5)
                break
            print("text_service: connection lost; reconnecting in {:.1f} s".format(delay), flush=True)
        await asyncio.wait([stopping], timeout=delay)
        delay = min(delay * 2, 10.0)
    print("text_service: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
