'use strict';
// Issue 9: busy polling (config busy_poll_us). The I/O threads poll for work for a while after each message
// instead of sleeping at once: routing must be exactly as with sleeping threads (RPC and pub/sub through
// Autobahn|JS, both serializers, many sessions across two threads), the threads must still go to sleep when
// the traffic stops, and SIGTERM must still stop the router cleanly.

const fs = require('node:fs');
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

/// utime + stime of a process in clock ticks (/proc/PID/stat fields 14 and 15).
function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describe('busy polling I/O threads', () => {
  let router;
  const pool = h.sessionPool(() => router);
  const join = pool.join;
  before(async () => {
    router = await h.startRouter({ config: { threads: 2, busy_poll_us: 2000 } });
  });
  after(async () => {
    pool.closeAll();
    const { code, signal, killed } = await router.stop();
    assert.equal(killed, false, 'SIGTERM stopped the busy-polling router without SIGKILL');
    assert.equal(signal, null, router.stderr());
    assert.equal(code, 0, router.stderr());
  });

  test('the router says it busy-polls', async () => {
    // The line is logged right after the listening line the harness waited for.
    await h.waitFor(() => /busy polling/.test(router.stderr()), 1000, 'the router logged its threads');
    assert.match(router.stderr(), /2 I\/O threads, busy polling 2000 us/);
  });

  test('calls from many concurrent callers all get their own results, JSON and msgpack', async () => {
    const callee = await join('msgpack');
    await callee.session.register('com.poll.mul', (args) => args[0] * args[1]);
    const callers = await Promise.all(Array.from({ length: 8 }, (_, i) => join(i % 2 ? 'json' : 'msgpack')));
    const results = await Promise.all(callers.map(async (c, ci) => {
      const got = [];
      // Several calls in flight per caller, several rounds: replies must match their calls.
      for (let round = 0; round < 25; round++) {
        got.push(...await Promise.all([0, 1, 2, 3].map((k) => c.session.call('com.poll.mul', [ci + 1, round * 4 + k]))));
      }
      return got;
    }));
    results.forEach((got, ci) => {
      assert.deepEqual(got, Array.from({ length: 100 }, (_, n) => (ci + 1) * n), `caller ${ci}`);
    });
  });

  test('every subscriber gets every event, in order', async () => {
    const subscribers = await Promise.all(Array.from({ length: 6 }, (_, i) => join(i % 2 ? 'json' : 'msgpack')));
    const received = subscribers.map(() => []);
    const allIn = Promise.all(subscribers.map((s, i) => new Promise((resolve) => {
      s.session.subscribe('com.poll.tick', (args) => {
        received[i].push(args[0]);
        if (received[i].length === 200) resolve();
      });
    })));
    // Subscriptions are acknowledged before publishing starts.
    await h.sleep(200);
    const publisher = await join('json');
    for (let n = 0; n < 200; n++) {
      await publisher.session.publish('com.poll.tick', [n], {}, { acknowledge: n % 20 === 19 });
    }
    await h.withTimeout(allIn, 10000, 'all 200 events at 6 subscribers', () => JSON.stringify(received.map((r) => r.length)));
    const expected = Array.from({ length: 200 }, (_, n) => n);
    received.forEach((r, i) => assert.deepEqual(r, expected, `subscriber ${i}`));
  });

  test('the threads go to sleep when the traffic stops', async () => {
    // 2 ms of polling after the last message, then epoll_wait: over a quiet second the router must use a
    // small part of a core, not two busy cores. (A generous bound: this checks sleeping, not speed.)
    await h.sleep(300);
    const ticksPerSecond = 100;  // USER_HZ on Linux
    const before = cpuTicks(router.pid);
    await h.sleep(1000);
    const usedPercent = (cpuTicks(router.pid) - before) / ticksPerSecond * 100;
    assert.ok(usedPercent < 25, `quiet router used ${usedPercent}% of a core in 1 s`);
  });
});
