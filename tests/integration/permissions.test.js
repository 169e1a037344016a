'use strict';
// Role permissions: the shipped chat realm lets a chatter chat, see who is online and read history — and
// nothing else, so one visitor cannot kill another's session or publish outside the chat.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./harness');

const shipped = JSON.parse(fs.readFileSync(path.join(h.REPO, 'conf', 'flyover.json'), 'utf8'));
const chatRealm = shipped.realms.find((r) => r.name === 'chat');

describe('the chat realm\'s chatter role (conf/flyover.json)', () => {
  let router;
  before(async () => { router = await h.startRouter({ realms: [chatRealm] }); });
  after(async () => {
    const { code } = await router.stop();
    assert.equal(code, 0, router.stderr());
  });

  test('chatting, presence and history are allowed; killing, registering and other topics are not', async () => {
    const alice = await h.autobahnJoin({ url: router.url, realm: 'chat', authid: 'alice', serializer: 'json' });
    const mallory = await h.autobahnJoin({ url: router.url, realm: 'chat', authid: 'mallory', serializer: 'msgpack' });
    // Allowed.
    const sub = await mallory.session.subscribe('chat.room.lobby', () => {});
    await mallory.session.subscribe('wamp.session.on_join', () => {});
    await mallory.session.publish('chat.room.lobby', ['hello'], {}, { acknowledge: true, disclose_me: true });
    const online = await mallory.session.call('wamp.session.list');
    assert.ok(online.includes(alice.session.id));
    assert.equal((await mallory.session.call('wamp.session.get', [alice.session.id])).authid, 'alice');
    const history = await mallory.session.call('wamp.subscription.get_events', [sub.id], { limit: 5 });
    assert.ok(Array.isArray(history) && history.length === 1, JSON.stringify(history));
    // Refused.
    const refused = (e) => e.error === 'wamp.error.not_authorized';
    await assert.rejects(mallory.session.call('wamp.session.kill_by_authid', ['alice']), refused);
    await assert.rejects(mallory.session.call('wamp.session.kill', [alice.session.id]), refused);
    await assert.rejects(mallory.session.call('wamp.session.kill_all'), refused);
    await assert.rejects(mallory.session.register('chat.room.lobby', () => 'hijack'), refused);
    await assert.rejects(mallory.session.publish('com.example.elsewhere', [], {}, { acknowledge: true }), refused);
    await assert.rejects(mallory.session.subscribe('com.example.elsewhere', () => {}), refused);
    await assert.rejects(mallory.session.call('wamp.registration.list'), refused);
    assert.equal(alice.session.isOpen, true, 'alice is still there');
    alice.connection.close();
    mallory.connection.close();
    await Promise.all([alice.closed, mallory.closed]);
  });
});
