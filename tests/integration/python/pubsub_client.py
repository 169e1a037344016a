"""An Autobahn|Python (asyncio) publisher/subscriber for Flyover's Pub/Sub integration tests.

Usage: pubsub_client.py URL REALM SERIALIZER MODE TOPIC [ARG]
  MODE subscribe: subscribe to TOPIC, print {"event":"ready"}, then print every event as
                  {"event":"event","args":...,"kwargs":...,"publisher":...,"topic":...} (bytes as {"hex": ...})
                  until ARG events arrived (then leave).
       publish:   publish ARG (a JSON object {"args": [...], "kwargs": {...}, "options": {...}, "binary_hex": "..."})
                  to TOPIC with acknowledge, print {"event":"published","publication":id} or
                  {"event":"publish_error","error":uri}, then leave.
"""
import asyncio
import json
import sys

from wamp_runner import emit, plain, run_session

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import PublishOptions, SubscribeOptions

TIMEOUT_S = 30




class Client(ApplicationSession):
    def __init__(self, config, mode, topic, arg, done):
        super().__init__(config)
        self.mode, self.topic, self.arg, self.done = mode, topic, arg, done

    async def onJoin(self, details):
        if self.mode == "subscribe":
            await self.subscribe_and_collect(int(self.arg))
        else:
            await self.publish_once(json.loads(self.arg))

    async def subscribe_and_collect(self, wanted):
        received = 0

        def on_event(*args, **kwargs):
            nonlocal received
            details = kwargs.pop("details")
            received += 1
            emit(event="event", args=plain(list(args)), kwargs=plain(kwargs), publisher=details.publisher,
                 topic=details.topic)
            if received >= wanted:
                self.leave()

        await self.subscribe(on_event, self.topic, options=SubscribeOptions(details_arg="details"))
        emit(event="ready", session=self._session_id)

    async def publish_once(self, spec):
        args = list(spec.get("args", []))
        if "binary_hex" in spec:
            args.append(bytes.fromhex(spec["binary_hex"]))
        options = PublishOptions(acknowledge=True, **spec.get("options", {}))
        try:
            pub = await self.publish(self.topic, *args, options=options, **spec.get("kwargs", {}))
            emit(event="published", publication=pub.id)
        except ApplicationError as e:
            emit(event="publish_error", error=e.error)
        self.leave()

    def onLeave(self, details):
        self.disconnect()

    def onDisconnect(self):
        if not self.done.done():
            self.done.set_result(None)


async def main(url, realm, serializer_name, mode, topic, arg):
    return await run_session(url, realm, serializer_name, lambda config, done: Client(config, mode, topic, arg, done), TIMEOUT_S)


if __name__ == "__main__":
    if len(sys.argv) != 7 or sys.argv[4] not in ("subscribe", "publish"):
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    sys.exit(asyncio.run(main(*sys.argv[1:7])))
