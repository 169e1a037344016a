"""An Autobahn|Python (asyncio) callee/caller for Flyover's RPC integration tests.

Usage: rpc_client.py URL REALM SERIALIZER MODE PREFIX [ARG]
  MODE callee: register under PREFIX: .add2 (a+b), .slow (sleeps ARG seconds; prints {"event":"interrupted"}
               when the router cancels it), .countdown (progressive results n..1, then "done"), .fail (raises
               com.example.error.oops with args [1, 2] and kwargs {"detail": "x"}), .whoami (returns the caller
               details it was given), .echo (returns args/kwargs; bytes survive). Prints {"event":"ready"} and
               stays until the router ends the session (or ARG=... seconds pass for .slow).
       call:   call PREFIX (a procedure URI) with ARG (JSON {"args": [...], "kwargs": {...}, "options": {...}})
               and print {"event":"result","args":...,"kwargs":...,"progress":[...]} or
               {"event":"call_error","error":uri,"args":...,"kwargs":...}, then leave.
"""
import asyncio
import json
import sys

from wamp_runner import emit, plain, run_session

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import CallOptions, CallResult, RegisterOptions

TIMEOUT_S = 40




class Client(ApplicationSession):
    def __init__(self, config, mode, prefix, arg, done):
        super().__init__(config)
        self.mode, self.prefix, self.arg, self.done = mode, prefix, arg, done

    async def onJoin(self, details):
        if self.mode == "callee":
            await self.serve()
        else:
            await self.call_once(json.loads(self.arg or "{}"))

    async def serve(self):
        p = self.prefix

        def add2(a, b):
            return a + b

        async def slow(seconds=None):
            try:
                await asyncio.sleep(float(seconds if seconds is not None else self.arg or 30))
                return "finished"
            except asyncio.CancelledError:
                emit(event="interrupted")
                raise

        async def countdown(n, details=None):
            for i in range(n, 0, -1):
                if details and details.progress:
                    details.progress(i)
                await asyncio.sleep(0.01)
            return "done"

        def fail():
            raise ApplicationError("com.example.error.oops", 1, 2, detail="x")

        def whoami(details=None):
            return {"caller": details.caller, "caller_authid": details.caller_authid,
                    "caller_authrole": details.caller_authrole, "procedure": details.procedure}

        def echo(*args, **kwargs):
            return CallResult(*args, **kwargs)

        opts = RegisterOptions(details_arg="details")
        await self.register(add2, p + ".add2")
        await self.register(slow, p + ".slow")
        await self.register(countdown, p + ".countdown", options=opts)
        await self.register(fail, p + ".fail")
        await self.register(whoami, p + ".whoami", options=opts)
        await self.register(echo, p + ".echo")
        emit(event="ready", session=self._session_id)

    async def call_once(self, spec):
        progress = []
        options = CallOptions(on_progress=lambda *a, **kw: progress.append(plain(list(a))),
                              **spec.get("options", {})) if spec.get("progress") else CallOptions(**spec.get("options", {}))
        args = list(spec.get("args", []))
        if "binary_hex" in spec:
            args.append(bytes.fromhex(spec["binary_hex"]))
        try:
            res = await self.call(self.prefix, *args, options=options, **spec.get("kwargs", {}))
            if isinstance(res, CallResult):
                emit(event="result", args=plain(list(res.results)), kwargs=plain(res.kwresults), progress=progress)
            else:
                emit(event="result", args=plain([res]), kwargs={}, progress=progress)
        except ApplicationError as e:
            emit(event="call_error", error=e.error, args=plain(list(e.args)), kwargs=plain(e.kwargs))
        self.leave()

    def onLeave(self, details):
        self.disconnect()

    def onDisconnect(self):
        if not self.done.done():
            self.done.set_result(None)


async def main(url, realm, serializer_name, mode, prefix, arg=None):
    return await run_session(url, realm, serializer_name, lambda config, done: Client(config, mode, prefix, arg, done), TIMEOUT_S)


if __name__ == "__main__":
    if len(sys.argv) not in (6, 7) or sys.argv[4] not in ("callee", "call"):
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    sys.exit(asyncio.run(main(*sys.argv[1:])))
