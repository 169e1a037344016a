"""An Autobahn|Python (asyncio) client for Flyover's meta API integration tests (issue 6).

Usage: meta_client.py URL REALM SERIALIZER MODE [ARG]
  MODE watch:     subscribe to wamp.session.on_join and wamp.session.on_leave, print {"event":"ready","session":id},
                  then {"event":"on_join","details":{...}} / {"event":"on_leave","args":[...]} for each meta event
                  until ARG events arrived (then leave).
       victim:    print {"event":"ready","session":id}, then wait to be closed by the router and print
                  {"event":"left","reason":uri,"message":text}.
       testament: file a testament (ARG: a JSON object {"topic": ..., "args": [...], "kwargs": {...}, "scope": ...}),
                  print {"event":"ready","session":id}, then wait forever: the test kills the process.
       history:   subscribe to the topic ARG (a prefix subscription if it ends in "."), call
                  wamp.subscription.get_events for that subscription, print
                  {"event":"history","subscription":id,"events":[...]}, then leave.
"""
import asyncio
import json
import sys

from wamp_runner import emit, run_session

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import SubscribeOptions

TIMEOUT_S = 30
MODES = ("watch", "victim", "testament", "history")



class Client(ApplicationSession):
    def __init__(self, config, mode, arg, done):
        super().__init__(config)
        self.mode, self.arg, self.done = mode, arg, done

    async def onJoin(self, details):
        try:
            await getattr(self, "run_" + self.mode)()
        except ApplicationError as e:
            emit(event="call_error", error=e.error, args=list(e.args))
            self.leave()

    async def run_watch(self):
        wanted = int(self.arg)
        seen = 0

        def count():
            nonlocal seen
            seen += 1
            if seen >= wanted:
                self.leave()

        def on_join(details):
            emit(event="on_join", details=details)
            count()

        def on_leave(*args):
            emit(event="on_leave", args=list(args))
            count()

        await self.subscribe(on_join, "wamp.session.on_join")
        await self.subscribe(on_leave, "wamp.session.on_leave")
        emit(event="ready", session=self._session_id)

    async def run_victim(self):
        emit(event="ready", session=self._session_id)

    async def run_testament(self):
        spec = json.loads(self.arg)
        await self.call("wamp.session.add_testament", spec["topic"], spec.get("args", []), spec.get("kwargs", {}),
                        scope=spec.get("scope", "destroyed"))
        emit(event="ready", session=self._session_id)

    async def run_history(self):
        # A topic ending in "." is a prefix subscription (every room of a chat, say).
        options = SubscribeOptions(match="prefix") if self.arg.endswith(".") else None
        sub = await self.subscribe(lambda *a, **kw: None, self.arg, options=options)
        events = await self.call("wamp.subscription.get_events", sub.id)
        emit(event="history", subscription=sub.id, events=events)
        self.leave()

    def onLeave(self, details):
        if self.mode == "victim":
            emit(event="left", reason=details.reason, message=details.message)
        self.disconnect()

    def onDisconnect(self):
        if not self.done.done():
            self.done.set_result(None)


async def main(url, realm, serializer_name, mode, arg=None):
    return await run_session(url, realm, serializer_name, lambda config, done: Client(config, mode, arg, done), TIMEOUT_S)


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6) or sys.argv[4] not in MODES:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    sys.exit(asyncio.run(main(*sys.argv[1:])))
