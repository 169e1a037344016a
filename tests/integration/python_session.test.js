'use strict';
// Issue 3: opening and closing WAMP sessions through Autobahn|Python (Debian python3-autobahn, asyncio),
// over wamp.2.json and wamp.2.msgpack.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

const SCRIPT = 'session_client.py';
const MAX_ID = 2 ** 53;

function events(result) {
  return result.lines.map((l) => l.event);
}

function describeRun(result) {
  return `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

describe('sessions through Autobahn|Python', () => {
  let router;
  before(async () => {
    router = await h.startRouter({
      realms: [
        { name: 'realm1', anonymous: { enabled: true, role: 'anonymous' } },
        { name: 'closed', anonymous: { enabled: false, role: 'anonymous' } },
      ],
    });
  });
  after(async () => {
    const { code, signal } = await router.stop();
    assert.equal(signal, null, `router died from ${signal}\n${router.stderr()}`);
    assert.equal(code, 0, `router exit code\n${router.stderr()}`);
  });

  for (const serializer of ['json', 'msgpack']) {
    test(`join and leave over wamp.2.${serializer}`, { timeout: 30000 }, async () => {
      const r = await h.runPython(SCRIPT, [router.url, 'realm1', serializer, 'leave']);
      assert.equal(r.code, 0, describeRun(r));
      assert.deepEqual(events(r), ['join', 'leave', 'disconnect'], describeRun(r));
      const join = r.lines[0];
      assert.ok(Number.isSafeInteger(join.session) && join.session >= 1 && join.session <= MAX_ID,
        `session id ${join.session} in [1, 2^53]`);
      assert.equal(join.realm, 'realm1');
      assert.equal(join.serializer, serializer);
      assert.ok(join.router_roles.includes('broker'), `router roles ${join.router_roles}`);
      assert.ok(join.router_roles.includes('dealer'), `router roles ${join.router_roles}`);
      assert.equal(join.authrole, 'anonymous');
      assert.equal(join.authmethod, 'anonymous');
      assert.equal(typeof join.authid, 'string');
      assert.ok(join.authid.length > 0, 'authid is generated');
      assert.equal(r.lines[1].reason, 'wamp.close.goodbye_and_out', describeRun(r));
    });

    test(`unknown realm is refused with wamp.error.no_such_realm (${serializer})`, { timeout: 30000 }, async () => {
      const r = await h.runPython(SCRIPT, [router.url, 'no.such.realm', serializer, 'leave']);
      assert.equal(r.code, 0, describeRun(r));
      assert.deepEqual(events(r), ['leave', 'disconnect'], describeRun(r));
      assert.equal(r.lines[0].reason, 'wamp.error.no_such_realm');
    });
  }

  test('a realm with anonymous disabled is refused with wamp.error.not_authorized', { timeout: 30000 }, async () => {
    const r = await h.runPython(SCRIPT, [router.url, 'closed', 'msgpack', 'leave']);
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(events(r), ['leave', 'disconnect'], describeRun(r));
    assert.equal(r.lines[0].reason, 'wamp.error.not_authorized');
  });
});

describe('graceful shutdown seen from Autobahn|Python', () => {
  test('SIGTERM: both serializers get GOODBYE wamp.close.system_shutdown, the router exits 0', { timeout: 40000 }, async () => {
    const router = await h.startRouter();
    try {
      const clients = ['json', 'msgpack'].map((s) => h.spawnPython(SCRIPT, [router.url, 'realm1', s, 'wait']));
      for (const c of clients) await c.waitForLine((l) => l.event === 'join' || l.event === 'error', 15000);
      for (const c of clients) assert.equal(c.lines[0].event, 'join', JSON.stringify(c.lines));

      const result = await router.stop();
      assert.equal(result.killed, false, `router needed SIGKILL\n${result.stderr}`);
      assert.equal(result.signal, null, `router died from ${result.signal}\n${result.stderr}`);
      assert.equal(result.code, 0, `router exit code\n${result.stderr}`);

      for (const c of clients) {
        const r = await h.withTimeout(c.done, 10000, 'python client exit');
        assert.equal(r.code, 0, describeRun(r));
        assert.deepEqual(events(r), ['join', 'leave', 'disconnect'], describeRun(r));
        assert.equal(r.lines[1].reason, 'wamp.close.system_shutdown', describeRun(r));
      }
    } finally {
      await router.stop();
    }
  });
});
