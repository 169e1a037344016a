'use strict';
// Issue 3: opening and closing WAMP sessions through Autobahn|JS, over wamp.2.json and wamp.2.msgpack.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

const MAX_ID = 2 ** 53;
const REALMS = [
  { name: 'realm1', anonymous: { enabled: true, role: 'anonymous' } },
  { name: 'guests', anonymous: { enabled: true, role: 'visitor' } },
  { name: 'closed', anonymous: { enabled: false, role: 'anonymous' } },
];

describe('sessions through Autobahn|JS', () => {
  let router;
  before(async () => { router = await h.startRouter({ realms: REALMS }); });
  after(async () => {
    const { code, signal } = await router.stop();
    assert.equal(signal, null, `router died from ${signal}\n${router.stderr()}`);
    assert.equal(code, 0, `router exit code\n${router.stderr()}`);
  });

  for (const serializer of ['json', 'msgpack']) {
    test(`join and leave over wamp.2.${serializer}`, { timeout: 20000 }, async () => {
      const c = await h.autobahnJoin({ url: router.url, realm: 'realm1', serializer });
      const { session, details } = c;
      assert.equal(details.transport.protocol, `wamp.2.${serializer}`, 'negotiated subprotocol');
      assert.ok(Number.isSafeInteger(session.id) && session.id >= 1 && session.id <= MAX_ID,
        `session id ${session.id} in [1, 2^53]`);
      assert.equal(typeof details.roles, 'object', `WELCOME details.roles: ${JSON.stringify(details)}`);
      assert.ok(details.roles.broker, `details.roles has broker: ${JSON.stringify(details.roles)}`);
      assert.ok(details.roles.dealer, `details.roles has dealer: ${JSON.stringify(details.roles)}`);
      assert.equal(details.authrole, 'anonymous');
      assert.equal(details.authmethod, 'anonymous');
      assert.equal(typeof details.authid, 'string');
      assert.ok(details.authid.length > 0, 'authid is generated');
      assert.equal(session.isOpen, true);

      c.connection.close();
      const closed = await h.withTimeout(c.closed, 10000, 'close after leave');
      assert.equal(closed.details.reason, 'wamp.close.goodbye_and_out', JSON.stringify(closed));
    });
  }

  test('two sessions get different ids and authids; authrole comes from the realm config', { timeout: 20000 }, async () => {
    const a = await h.autobahnJoin({ url: router.url, realm: 'guests', serializer: 'json' });
    const b = await h.autobahnJoin({ url: router.url, realm: 'guests', serializer: 'msgpack' });
    try {
      assert.notEqual(a.session.id, b.session.id);
      assert.notEqual(a.details.authid, b.details.authid);
      assert.equal(a.details.authrole, 'visitor');
      assert.equal(b.details.authrole, 'visitor');
      assert.equal(a.session.realm, 'guests');
    } finally {
      a.connection.close();
      b.connection.close();
      await Promise.all([a.closed, b.closed]);
    }
  });

  for (const serializer of ['json', 'msgpack']) {
    test(`unknown realm is refused with wamp.error.no_such_realm (${serializer})`, { timeout: 20000 }, async () => {
      const c = h.autobahnConnect({ url: router.url, realm: 'no.such.realm', serializer });
      const closed = await h.withTimeout(c.closed, 10000, 'ABORT for an unknown realm');
      assert.equal(closed.details.reason, 'wamp.error.no_such_realm', JSON.stringify(closed));
      await assert.rejects(c.opened, 'the session never opened');
    });
  }

  test('GOODBYE is answered with GOODBYE wamp.close.goodbye_and_out, then the router closes', { timeout: 20000 }, async () => {
    const c = await h.rawJoin(router.url, 'wamp.2.json');
    c.sendMsg([6, {}, 'wamp.close.close_realm']);
    const { msg } = await c.next();
    assert.equal(msg[0], 6, `GOODBYE expected, got ${JSON.stringify(msg)}`);
    assert.equal(msg[2], 'wamp.close.goodbye_and_out');
    // The client does not close: the router must.
    const closed = await h.withTimeout(c.closed, 5000, 'the router closing the WebSocket after GOODBYE');
    assert.ok([1000, 1001, 1005].includes(closed.code), `close code ${closed.code}`);
  });

  test('a realm with anonymous disabled is refused with wamp.error.not_authorized', { timeout: 20000 }, async () => {
    const c = h.autobahnConnect({ url: router.url, realm: 'closed', serializer: 'json' });
    const closed = await h.withTimeout(c.closed, 10000, 'ABORT for a closed realm');
    assert.equal(closed.details.reason, 'wamp.error.not_authorized', JSON.stringify(closed));
    await assert.rejects(c.opened);
  });
});

describe('graceful shutdown', () => {
  test('SIGTERM sends GOODBYE wamp.close.system_shutdown to every session and exits 0', { timeout: 30000 }, async () => {
    const router = await h.startRouter();
    try {
      const clients = await Promise.all([
        h.autobahnJoin({ url: router.url, serializer: 'json' }),
        h.autobahnJoin({ url: router.url, serializer: 'msgpack' }),
      ]);
      const result = await router.stop();
      assert.equal(result.killed, false, `router needed SIGKILL\n${result.stderr}`);
      assert.equal(result.signal, null, `router died from ${result.signal}\n${result.stderr}`);
      assert.equal(result.code, 0, `router exit code\n${result.stderr}`);
      for (const c of clients) {
        const closed = await h.withTimeout(c.closed, 5000, 'session close on shutdown');
        assert.equal(closed.details.reason, 'wamp.close.system_shutdown', JSON.stringify(closed));
      }
    } finally {
      await router.stop();
    }
  });
});
