'use strict';
// Issue 6: the meta API, testaments and event history through real clients — Autobahn|JS, Autobahn|Python and a
// raw WebSocket — against the real router: the questions a dashboard or the chat's online list asks.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

const HISTORY_REALM = {
  name: 'realm1',
  anonymous: { enabled: true, role: 'anonymous' },
  event_history: [{ topic: 'chat.room.', match: 'prefix', limit: 50 }],
};

/// Records every EVENT a session gets on `topic` ({args, kwargs, details}); `next(pred)` resolves with the first
/// recorded event (already seen or future) that satisfies `pred`.
async function recorder(session, topic, options = {}) {
  const events = [];
  const waiters = [];
  const sub = await session.subscribe(topic, (args, kwargs, details) => {
    const ev = { args, kwargs, details };
    events.push(ev);
    for (const w of [...waiters]) {
      if (w.pred(ev)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(ev); }
    }
  }, options);
  function next(pred = () => true, ms = 5000) {
    const found = events.find(pred);
    if (found) return Promise.resolve(found);
    return h.withTimeout(new Promise((resolve) => waiters.push({ pred, resolve })), ms, `event on ${topic}`,
      () => `events so far: ${JSON.stringify(events)}`);
  }
  return { sub, events, next };
}

/// The WAMP error URI a promise rejects with.
async function errorOf(promise) {
  try {
    await promise;
  } catch (e) {
    return e.error;
  }
  throw new Error('expected the call to fail');
}

describe('meta API through Autobahn|JS and Autobahn|Python', () => {
  let router;
  const clients = [];
  const join = async (serializer = 'json') => {
    const c = await h.autobahnJoin({ url: router.url, realm: 'realm1', serializer });
    clients.push(c);
    return c;
  };
  before(async () => { router = await h.startRouter({ realms: [HISTORY_REALM] }); });
  after(async () => {
    for (const c of clients) if (c.session.isOpen) c.connection.close();
    const { code } = await router.stop();
    assert.equal(code, 0, router.stderr());
  });

  test('WELCOME announces the meta API, testament and event history features', async () => {
    const c = await join();
    const { broker, dealer } = c.details.roles;
    for (const f of ['session_meta_api', 'subscription_meta_api', 'event_history']) {
      assert.equal(broker.features[f], true, `broker feature ${f}`);
    }
    for (const f of ['session_meta_api', 'registration_meta_api', 'testament_meta_api']) {
      assert.equal(dealer.features[f], true, `dealer feature ${f}`);
    }
  });

  test('an Autobahn|JS watcher sees sessions join and leave, with their details', async () => {
    const watcher = await join('msgpack');
    const joins = await recorder(watcher.session, 'wamp.session.on_join');
    const leaves = await recorder(watcher.session, 'wamp.session.on_leave');

    const c = await join('json');
    const id = c.session.id;
    const joined = await joins.next((e) => e.args[0].session === id);
    const d = joined.args[0];
    assert.equal(d.authrole, 'anonymous');
    assert.equal(d.authmethod, 'anonymous');
    assert.equal(d.authprovider, 'static');
    assert.equal(typeof d.authid, 'string');
    assert.equal(d.transport.type, 'websocket');
    assert.equal(d.transport.serializer, 'wamp.2.json');
    assert.match(d.transport.peer, /^tcp:127\.0\.0\.1:\d+$/);

    const got = await watcher.session.call('wamp.session.get', [id]);
    assert.deepEqual(got, d, 'wamp.session.get returns what on_join said');

    c.connection.close();
    const left = await leaves.next((e) => e.args[0] === id);
    assert.deepEqual(left.args, [id, d.authid, 'anonymous']);
    assert.equal(await errorOf(watcher.session.call('wamp.session.get', [id])), 'wamp.error.no_such_session');
  });

  test('an Autobahn|Python watcher sees an Autobahn|JS session join and leave', async () => {
    const py = h.spawnPython('meta_client.py', [router.url, 'realm1', 'msgpack', 'watch', 2]);
    await py.waitForLine((l) => l.event === 'ready');
    const c = await join('json');
    const id = c.session.id;
    const joined = await py.waitForLine((l) => l.event === 'on_join' && l.details.session === id);
    assert.equal(joined.details.authrole, 'anonymous');
    c.connection.close();
    const left = await py.waitForLine((l) => l.event === 'on_leave' && l.args[0] === id);
    assert.equal(left.args[2], 'anonymous');
    const { code } = await py.done;
    assert.equal(code, 0);
  });

  test('session count and list, with the authrole filter', async () => {
    // A router of its own: the other tests' sessions come and go while this one counts.
    const r2 = await h.startRouter();
    try {
      const a = await h.autobahnJoin({ url: r2.url });
      const b = await h.autobahnJoin({ url: r2.url, serializer: 'msgpack' });
      const list = await a.session.call('wamp.session.list');
      assert.deepEqual([...list].sort(), [a.session.id, b.session.id].sort());
      assert.equal(await a.session.call('wamp.session.count'), 2);
      assert.equal(await a.session.call('wamp.session.count', [['anonymous']]), 2);
      assert.equal(await a.session.call('wamp.session.count', [['admin']]), 0);
      assert.deepEqual(await a.session.call('wamp.session.list', [['nobody']]), []);
      assert.equal(await errorOf(a.session.call('wamp.session.count', ['anonymous'])), 'wamp.error.invalid_argument');
      a.connection.close();
      b.connection.close();
    } finally {
      await r2.stop();
    }
  });

  test('subscriptions and registrations: meta events, list, lookup, match, get, subscribers, callees', async () => {
    const watcher = await join();
    const created = await recorder(watcher.session, 'wamp.subscription.on_create');
    const subscribed = await recorder(watcher.session, 'wamp.subscription.on_subscribe');
    const deleted = await recorder(watcher.session, 'wamp.subscription.on_delete');
    const regCreated = await recorder(watcher.session, 'wamp.registration.on_create');
    const a = await join('json');
    const b = await join('msgpack');

    const s1 = await a.session.subscribe('com.meta.topic', () => {});
    const s2 = await b.session.subscribe('com.meta.topic', () => {});
    assert.equal(s1.id, s2.id);
    const sp = await b.session.subscribe('com.meta.', () => {}, { match: 'prefix' });
    const onCreate = await created.next((e) => e.args[1].id === s1.id);
    assert.equal(onCreate.args[0], a.session.id);
    assert.equal(onCreate.args[1].uri, 'com.meta.topic');
    assert.equal(onCreate.args[1].match, 'exact');
    assert.match(onCreate.args[1].created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await subscribed.next((e) => e.args[0] === b.session.id && e.args[1] === s1.id);

    const subs = await watcher.session.call('wamp.subscription.list');
    assert.ok(subs.exact.includes(s1.id) && subs.prefix.includes(sp.id), JSON.stringify(subs));
    assert.ok(!subs.exact.some((id) => id === created.sub.id), 'meta event subscriptions are not listed');
    assert.equal(await watcher.session.call('wamp.subscription.lookup', ['com.meta.topic']), s1.id);
    assert.equal(await watcher.session.call('wamp.subscription.lookup', ['com.meta.', { match: 'prefix' }]), sp.id);
    assert.equal(await watcher.session.call('wamp.subscription.lookup', ['com.meta.none']), null);
    assert.deepEqual((await watcher.session.call('wamp.subscription.match', ['com.meta.topic'])).sort(),
      [s1.id, sp.id].sort());
    assert.equal(await watcher.session.call('wamp.subscription.match', ['org.nothing']), null);
    const got = await watcher.session.call('wamp.subscription.get', [s1.id]);
    assert.equal(got.uri, 'com.meta.topic');
    assert.deepEqual((await watcher.session.call('wamp.subscription.list_subscribers', [s1.id])).sort(),
      [a.session.id, b.session.id].sort());
    assert.equal(await watcher.session.call('wamp.subscription.count_subscribers', [s1.id]), 2);
    assert.equal(await errorOf(watcher.session.call('wamp.subscription.get', [987654321])),
      'wamp.error.no_such_subscription');

    const r1 = await a.session.register('com.meta.proc', () => 1, { invoke: 'roundrobin' });
    const r2 = await b.session.register('com.meta.proc', () => 2, { invoke: 'roundrobin' });
    assert.equal(r1.id, r2.id);
    const onRegCreate = await regCreated.next((e) => e.args[1].id === r1.id);
    assert.equal(onRegCreate.args[1].invoke, 'roundrobin');
    const regs = await watcher.session.call('wamp.registration.list');
    assert.ok(regs.exact.includes(r1.id), JSON.stringify(regs));
    assert.equal(await watcher.session.call('wamp.registration.lookup', ['com.meta.proc']), r1.id);
    assert.equal(await watcher.session.call('wamp.registration.match', ['com.meta.proc']), r1.id);
    assert.equal((await watcher.session.call('wamp.registration.get', [r1.id])).uri, 'com.meta.proc');
    assert.deepEqual((await watcher.session.call('wamp.registration.list_callees', [r1.id])).sort(),
      [a.session.id, b.session.id].sort());
    assert.equal(await watcher.session.call('wamp.registration.count_callees', [r1.id]), 2);
    assert.equal(await errorOf(watcher.session.call('wamp.registration.count_callees', [987654321])),
      'wamp.error.no_such_registration');

    // The last subscriber leaving deletes the subscription.
    a.connection.close();
    b.connection.close();
    await deleted.next((e) => e.args[1] === s1.id);
    assert.equal(await watcher.session.call('wamp.subscription.lookup', ['com.meta.topic']), null);
    assert.equal(await watcher.session.call('wamp.registration.lookup', ['com.meta.proc']), null);
  });

  test('wamp.session.kill closes the victim with GOODBYE wamp.close.killed; the caller stays', async () => {
    const admin = await join();
    const victim = await join('msgpack');
    const leaves = await recorder(admin.session, 'wamp.session.on_leave');
    const before = await admin.session.call('wamp.session.count');
    const victimId = victim.session.id;  // Autobahn forgets it once the session is closed
    assert.equal(await errorOf(admin.session.call('wamp.session.kill', [admin.session.id])),
      'wamp.error.no_such_session');
    await admin.session.call('wamp.session.kill', [victimId]);
    // The RESULT comes after the victim left the realm.
    assert.equal(await admin.session.call('wamp.session.count'), before - 1);
    await leaves.next((e) => e.args[0] === victimId);
    const { details } = await h.withTimeout(victim.closed, 5000, 'victim closed');
    assert.equal(details.reason, 'wamp.close.killed');
    assert.ok(admin.session.isOpen);
  });

  test('an Autobahn|Python session killed with a reason and a message', async () => {
    const admin = await join();
    const py = h.spawnPython('meta_client.py', [router.url, 'realm1', 'json', 'victim']);
    const { session } = await py.waitForLine((l) => l.event === 'ready');
    await admin.session.call('wamp.session.kill', [session], { reason: 'com.example.kicked', message: 'go away' });
    const left = await py.waitForLine((l) => l.event === 'left');
    assert.equal(left.reason, 'com.example.kicked');
    assert.equal(left.message, 'go away');
    assert.equal((await py.done).code, 0);
  });

  test('a killed client that never answers the GOODBYE is closed after a grace period', async () => {
    const admin = await join();
    const raw = await h.rawJoin(router.url);
    const victimId = raw.welcome[1];
    await admin.session.call('wamp.session.kill', [victimId], { message: 'bye' });
    assert.deepEqual((await raw.next()).msg, [6, { message: 'bye' }, 'wamp.close.killed']);
    // The victim is out of the realm at once; its messages are no longer routed.
    raw.sendMsg([32, 1, {}, 'com.example.too.late']);
    const closed = await h.withTimeout(raw.closed, 6000, 'router closing an unresponsive killed session');
    assert.ok(closed.code >= 1000, JSON.stringify(closed));
    assert.equal(await errorOf(admin.session.call('wamp.session.get', [victimId])), 'wamp.error.no_such_session');
  });

  test('kill_by_authrole and kill_all spare the caller', async () => {
    // A router of its own: kill_all would end the other tests' sessions.
    const r2 = await h.startRouter();
    try {
      const me = await h.autobahnJoin({ url: r2.url });
      const others = [await h.autobahnJoin({ url: r2.url }), await h.autobahnJoin({ url: r2.url, serializer: 'msgpack' })];
      assert.equal(await me.session.call('wamp.session.kill_all'), 2);
      for (const o of others) {
        const { details } = await h.withTimeout(o.closed, 5000, 'killed session closed');
        assert.equal(details.reason, 'wamp.close.killed');
      }
      assert.deepEqual(await me.session.call('wamp.session.list'), [me.session.id]);
      const third = await h.autobahnJoin({ url: r2.url });
      assert.equal(await me.session.call('wamp.session.kill_by_authrole', ['anonymous']), 1);
      await h.withTimeout(third.closed, 5000, 'third closed');
      assert.ok(me.session.isOpen);
      me.connection.close();
    } finally {
      await r2.stop();
    }
  });

  test('a testament is published when an Autobahn|Python client dies without GOODBYE (SIGKILL)', async () => {
    const observer = await join();
    const wills = await recorder(observer.session, 'com.example.will');
    const py = h.spawnPython('meta_client.py', [router.url, 'realm1', 'msgpack', 'testament',
      JSON.stringify({ topic: 'com.example.will', args: ['python is gone'], kwargs: { who: 'py' } })]);
    const { session } = await py.waitForLine((l) => l.event === 'ready');
    assert.equal(wills.events.length, 0);
    py.child.kill('SIGKILL');
    const will = await wills.next();
    assert.deepEqual(will.args, ['python is gone']);
    assert.deepEqual(will.kwargs, { who: 'py' });
    await py.done;
    assert.equal(await errorOf(observer.session.call('wamp.session.get', [session])), 'wamp.error.no_such_session');
  });

  test('detached and destroyed testaments of a raw client whose socket is destroyed', async () => {
    const observer = await join();
    const wills = await recorder(observer.session, 'com.example.rawwill');
    const raw = await h.rawJoin(router.url);
    raw.sendMsg([48, 1, {}, 'wamp.session.add_testament', ['com.example.rawwill', ['destroyed'], {}]]);
    raw.sendMsg([48, 2, {}, 'wamp.session.add_testament', ['com.example.rawwill', ['detached'], {}], { scope: 'detached' }]);
    raw.sendMsg([48, 3, {}, 'wamp.session.add_testament', ['com.example.rawwill', ['detached-2'], {}], { scope: 'detached' }]);
    for (const id of [1, 2, 3]) assert.deepEqual((await raw.next()).msg, [50, id, {}]);
    raw.sendMsg([48, 4, {}, 'wamp.session.add_testament', ['wamp.session.on_join', [], {}]]);
    assert.deepEqual((await raw.next()).msg.slice(0, 5), [8, 48, 4, {}, 'wamp.error.invalid_uri']);
    raw.ws.terminate();  // no GOODBYE, no close frame: the transport is simply lost
    await wills.next((e) => e.args[0] === 'destroyed');
    // Detached ones first (the transport is lost, which is when Crossbar publishes them), then destroyed ones.
    assert.deepEqual(wills.events.map((e) => e.args[0]), ['detached', 'detached-2', 'destroyed']);
  });

  test('event history: a subscriber that reconnects gets what was published meanwhile', async () => {
    const pub = await join('msgpack');
    let sub = await join('json');
    const live = await recorder(sub.session, 'chat.room.lobby');
    const ids = [];
    for (const text of ['one', 'two']) {
      ids.push((await pub.session.publish('chat.room.lobby', [text], { nick: 'pub' }, { acknowledge: true })).id);
    }
    await live.next((e) => e.args[0] === 'two');
    sub.connection.close();
    await sub.closed;
    for (const text of ['three', 'four']) {
      ids.push((await pub.session.publish('chat.room.lobby', [text], { nick: 'pub' }, { acknowledge: true })).id);
    }
    await pub.session.publish('chat.room.other', ['elsewhere'], {}, { acknowledge: true });

    sub = await join('json');
    const s = await sub.session.subscribe('chat.room.lobby', () => {});
    const events = await sub.session.call('wamp.subscription.get_events', [s.id]);
    assert.deepEqual(events.map((e) => e.args[0]), ['one', 'two', 'three', 'four']);
    assert.deepEqual(events.map((e) => e.publication), ids);
    for (const e of events) {
      assert.equal(e.subscription, s.id);
      assert.deepEqual(e.kwargs, { nick: 'pub' });
      assert.match(e.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const newest = await sub.session.call('wamp.subscription.get_events', [s.id], { limit: 2, reverse: true });
    assert.deepEqual(newest.map((e) => e.args[0]), ['four', 'three']);

    // Autobahn|Python asks the same of the prefix subscription: every room.
    const py = await h.runPython('meta_client.py', [router.url, 'realm1', 'msgpack', 'history', 'chat.room.']);
    const line = py.lines.find((l) => l.event === 'history');
    assert.ok(line, py.stdout + py.stderr);
    // The prefix subscription is not the one above, but its history covers chat.room.lobby too.
    assert.deepEqual(line.events.map((e) => e.args[0]), ['one', 'two', 'three', 'four', 'elsewhere']);
    assert.equal(line.events[4].details.topic, 'chat.room.other');

    const other = await sub.session.subscribe('com.example.nohistory', () => {});
    assert.equal(await errorOf(sub.session.call('wamp.subscription.get_events', [other.id])),
      'wamp.error.history_unavailable');
  });

  test('the router still serves after all of this', async () => {
    await h.assertStillServing(router);
  });
});
