"""Which other tasks ran on the pinned cores during a measuring window, and for how long at a time.

bench/run refuses windows in which other processes used the machine *on average*; a 5 s average hides the
short bursts that make a latency tail: ftrace showed the kernel's DAMON thread (kdamond.0) running for
milliseconds at a time on the pinned cores, and the sandbox agent's tokio-rt-worker threads too, each
preempting the router or the load generator. SchedTrace records the scheduler on the pinned cores during
the window and reports the longest "foreign run" per core.

It uses a private tracefs instance (instances/NAME): its own ring buffer, event switches and tracing_on, so
the global trace (and anyone else's use of it) is never touched, and removing the directory restores
everything. Needs root and tracefs; otherwise every method is a no-op and the result says why. A run killed
with SIGKILL leaves the instance behind; the next one removes it.
"""

import os
import re

TRACEFS = next((d for d in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing")
                if os.path.isdir(os.path.join(d, "instances"))), None)

# sched_switch marks the start of a foreign run. On this VM the switch *out of* the sandbox agent's threads is
# never logged, so a run also ends at the first event on that CPU from another task: sched_stat_runtime fires
# on ticks and wake-ups with the running task as common_pid, cpu_idle when the CPU goes idle; together they
# bound such a run to about a tick. Only sched_switch is required.
EVENTS = ("sched/sched_switch", "sched/sched_stat_runtime", "power/cpu_idle")

# "comm-pid [cpu] flags timestamp: event: fields". The comm may hold spaces and dashes; the flags are one
# word, so a lazy match cannot eat the timestamp's leading digits.
LINE = re.compile(r"^\s*(.*?)-(\d+)\s+\[(\d+)\]\s+\S+\s+(\d+\.\d+): (\w+): (.*)$")
SWITCH = re.compile(r"prev_comm=(.*?) prev_pid=(\d+) .*?==> next_comm=(.*?) next_pid=(\d+)")
LONG_RUN_MS = 0.5


def available():
    """'' when tracing can be used, else the reason it cannot."""
    if os.geteuid() != 0:
        return "not root"
    if TRACEFS is None:
        return "tracefs not mounted"
    if not os.access(os.path.join(TRACEFS, "instances"), os.W_OK):
        return "tracefs not writable"
    return ""


def threads(pids):
    """({tid}, {comm}) of every thread of these processes now: the router may run several I/O threads."""
    tids, comms = set(), set()
    for pid in pids:
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    comms.add(f.read().strip())
                tids.add(int(tid))
        except OSError:  # exited meanwhile
            pass
    return tids, comms


class SchedTrace:
    """with SchedTrace() as t: (start the processes) t.start(); (window) t.stop(); t.foreign_runs(...)"""

    def __init__(self, enabled=True, name="flyover-bench-run", buffer_kb=65536):
        self.why_not = available() if enabled else "switched off (--no-sched-trace)"
        self.dir = os.path.join(TRACEFS, "instances", name) if not self.why_not else None
        self.buffer_kb = buffer_kb  # per CPU; a 5 s window of one caller (8 000 calls/s) filled 16 MB
        self.started = False

    def _write(self, rel, value):
        with open(os.path.join(self.dir, rel), "w") as f:
            f.write(value)

    def _fail(self, why):
        self.why_not = why
        self._remove()
        self.dir = None

    def __enter__(self):
        if self.dir is None:
            return self
        try:
            self._remove()  # left behind by a killed run
            os.mkdir(self.dir)
            self._write("tracing_on", "0")
            self._write("buffer_size_kb", str(self.buffer_kb))
            # Enable the events now, before the servers start: enabling patches kernel text on every CPU,
            # which should not happen inside the window. start() then only flips tracing_on.
            self._write(f"events/{EVENTS[0]}/enable", "1")
            for e in EVENTS[1:]:
                if os.path.exists(os.path.join(self.dir, "events", e)):
                    self._write(f"events/{e}/enable", "1")
        except OSError as e:
            self._fail(f"tracefs instance: {e}")
        return self

    def __exit__(self, *exc):
        self._remove()
        self.dir = None
        return False

    def _remove(self):
        """Recording and events off, then the instance and its buffer go. Best effort: never raises."""
        if self.dir is None or not os.path.isdir(self.dir):
            return
        for rel in ["tracing_on"] + [f"events/{e}/enable" for e in EVENTS]:
            try:
                self._write(rel, "0")
            except OSError:
                pass
        try:
            os.rmdir(self.dir)
        except OSError:
            pass

    def start(self):
        if self.dir is None:
            return
        try:
            self._write("tracing_on", "1")
            self.started = True
        except OSError as e:
            self._fail(f"tracing_on: {e}")

    def stop(self):
        if self.dir is None or not self.started:
            return
        try:
            self._write("tracing_on", "0")
        except OSError as e:
            self._fail(f"tracing_on: {e}")

    def foreign_runs(self, cores, own_tids, own_comms=()):
        """Per core: total ms of other tasks' runs, the longest (ms, comm) and how many were longer than
        LONG_RUN_MS. A run starts at a switch into a task that is neither ours (by tid, or by comm for threads
        that came and went) nor idle (pid 0), and ends at the switch out of it or, when that was not logged,
        at the first event on that CPU from another task (then it is an upper bound: `ends_inferred`)."""
        if self.dir is None or not self.started:
            return {"available": False, "why": self.why_not or "not started"}
        try:
            with open(os.path.join(self.dir, "trace"), errors="replace") as f:
                text = f.read()
            lost = 0
            for cpu in cores:
                with open(os.path.join(self.dir, "per_cpu", f"cpu{cpu}", "stats")) as f:
                    lost += sum(int(n) for n in re.findall(r"^(?:overrun|dropped events): (\d+)", f.read(), re.M))
        except OSError as e:
            return {"available": False, "why": f"reading the trace: {e}"}
        own = set(own_tids) | {0}
        per = {c: {"total_ms": 0.0, "max_ms": 0.0, "max_task": "", "runs_over_0_5ms": 0, "runs": 0} for c in cores}
        running = {}  # cpu -> (start s, pid, comm) of the foreign run in progress
        inferred = events = 0
        for line in text.splitlines():
            m = LINE.match(line)
            if not m or int(m.group(3)) not in per:
                continue
            events += 1
            cpu, cur, ts, event = int(m.group(3)), int(m.group(2)), float(m.group(4)), m.group(5)
            sw = SWITCH.search(m.group(6)) if event == "sched_switch" else None
            run = running.get(cpu)
            if run and (cur != run[1] or sw):
                # The task's own switch-out is exact; an event from anyone else means it was already gone.
                del running[cpu]
                inferred += cur != run[1]
                ms = (ts - run[0]) * 1e3
                p = per[cpu]
                p["total_ms"] += ms
                p["runs"] += 1
                p["runs_over_0_5ms"] += ms > LONG_RUN_MS
                if ms > p["max_ms"]:
                    p["max_ms"], p["max_task"] = ms, run[2]
            if sw and not (int(sw.group(4)) in own or sw.group(3) in own_comms):
                running[cpu] = (ts, int(sw.group(4)), sw.group(3))
        for p in per.values():
            p["total_ms"], p["max_ms"] = round(p["total_ms"], 3), round(p["max_ms"], 3)
        top_core = max(per, key=lambda c: per[c]["max_ms"])
        return {"available": True, "per_core": {str(c): p for c, p in per.items()},
                "total_ms": round(sum(p["total_ms"] for p in per.values()), 3), "max_ms": per[top_core]["max_ms"],
                "max_task": per[top_core]["max_task"], "max_core": top_core, "ends_inferred": inferred,
                "events": events, "lost_events": lost}
