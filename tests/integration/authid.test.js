'use strict';
// A realm may let anonymous clients choose their authid (a nickname) and keep authids unique: the chat's
// "two nicknames cannot be in the room at once", enforced by the router rather than by the page.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

describe('client-chosen, unique authids', () => {
  let router;
  before(async () => {
    router = await h.startRouter({
      realms: [
        { name: 'room', anonymous: { enabled: true, role: 'chatter', authid: 'from_hello' }, unique_authid: true },
        { name: 'realm1', anonymous: { enabled: true, role: 'anonymous' } },
      ],
    });
  });
  after(async () => {
    const { code } = await router.stop();
    assert.equal(code, 0, router.stderr());
  });

  test('the authid asked for in HELLO is the session authid, and publishers are identified by it', async () => {
    const alice = await h.autobahnJoin({ url: router.url, realm: 'room', authid: 'Alice 🚀', serializer: 'json' });
    const bob = await h.autobahnJoin({ url: router.url, realm: 'room', authid: 'bob', serializer: 'msgpack' });
    assert.equal(alice.details.authid, 'Alice 🚀');
    assert.equal(alice.details.authrole, 'chatter');
    let resolve;
    const got = new Promise((r) => { resolve = r; });
    await bob.session.subscribe('chat.room.lobby', (args, kwargs, details) => resolve({ args, details }));
    await alice.session.publish('chat.room.lobby', [{ text: 'hi', author: 'mallory' }], {},
      { acknowledge: true, disclose_me: true });
    const ev = await h.withTimeout(got, 5000, 'event');
    assert.equal(ev.details.publisher_authid, 'Alice 🚀', 'the router, not the payload, names the author');
    alice.connection.close();
    bob.connection.close();
    await Promise.all([alice.closed, bob.closed]);
  });

  test('a second session with a live authid is refused; the authid is free again once its session left', async () => {
    const first = await h.autobahnJoin({ url: router.url, realm: 'room', authid: 'carol' });
    const second = h.autobahnConnect({ url: router.url, realm: 'room', authid: 'carol', serializer: 'msgpack' });
    const { details } = await h.withTimeout(second.closed, 5000, 'refusal');
    assert.equal(details.reason, 'flyover.error.authid_in_use', JSON.stringify(details));
    first.connection.close();
    await first.closed;
    await h.sleep(100);
    const again = await h.autobahnJoin({ url: router.url, realm: 'room', authid: 'carol' });
    assert.equal(again.details.authid, 'carol');
    again.connection.close();
    await again.closed;
  });

  test('the same authid in another realm is another name', async () => {
    const inRoom = await h.autobahnJoin({ url: router.url, realm: 'room', authid: 'dave' });
    const other = await h.autobahnJoin({ url: router.url, realm: 'realm1', authid: 'dave' });
    assert.notEqual(other.details.authid, 'dave', 'realm1 generates authids and ignores the request');
    inRoom.connection.close();
    other.connection.close();
  });

  for (const [label, authid] of [['missing', undefined], ['empty', ''], ['too long', 'x'.repeat(33)],
    ['a control character', 'eve\u0007'], ['only spaces', '   ']]) {
    test(`an authid that is ${label} is refused with wamp.error.not_authorized`, async () => {
      const c = h.autobahnConnect({ url: router.url, realm: 'room', ...(authid === undefined ? {} : { authid }) });
      const { details } = await h.withTimeout(c.closed, 5000, 'refusal');
      assert.equal(details.reason, 'wamp.error.not_authorized', JSON.stringify(details));
    });
  }

  test('a nickname freed by a killed client (no GOODBYE) can be taken again', async () => {
    const raw = h.rawWs(router.url, ['wamp.2.json']);
    await raw.opened;
    raw.sendMsg([1, 'room', { roles: { subscriber: {} }, authid: 'frank' }]);
    assert.equal((await raw.next()).msg[0], 2);
    raw.ws._socket.destroy();
    await h.sleep(200);
    const again = await h.autobahnJoin({ url: router.url, realm: 'room', authid: 'frank' });
    assert.equal(again.details.authid, 'frank');
    again.connection.close();
  });
});
