'use strict';
// Issue 4: Publish & Subscribe through real clients — Autobahn|JS and Autobahn|Python, mixing wamp.2.json and
// wamp.2.msgpack sessions — for the basic flow and every advanced feature the broker announces.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

/// Resolves with the first `count` events on `topic` as {args, kwargs, details}; `options` go to subscribe.
async function collect(session, topic, count, options = {}) {
  const events = [];
  let resolve;
  const done = new Promise((r) => { resolve = r; });
  const sub = await session.subscribe(topic, (args, kwargs, details) => {
    events.push({ args, kwargs, details });
    if (events.length === count) resolve(events);
  }, options);
  return { sub, events, done };
}

describe('Pub/Sub through Autobahn|JS and Autobahn|Python', () => {
  let router;
  const clients = [];
  const join = async (serializer, realm = 'realm1') => {
    const c = await h.autobahnJoin({ url: router.url, realm, serializer });
    clients.push(c);
    return c;
  };
  before(async () => { router = await h.startRouter(); });
  after(async () => {
    for (const c of clients) if (c.session.isOpen) c.connection.close();
    const { code } = await router.stop();
    assert.equal(code, 0, router.stderr());
  });

  test('WELCOME announces the broker features that work', async () => {
    const c = await join('json');
    const features = c.details.roles.broker.features;
    for (const f of ['publisher_exclusion', 'subscriber_blackwhite_listing', 'publisher_identification',
      'pattern_based_subscription', 'event_retention']) {
      assert.equal(features[f], true, `broker feature ${f}: ${JSON.stringify(features)}`);
    }
  });

  for (const [pubSer, subSer] of [['json', 'msgpack'], ['msgpack', 'json']]) {
    test(`args and kwargs from a ${pubSer} publisher reach a ${subSer} subscriber`, async () => {
      const sub = await join(subSer);
      const pub = await join(pubSer);
      const topic = `com.example.basic.${pubSer}`;
      const got = await collect(sub.session, topic, 1);
      const publication = await pub.session.publish(topic, [1, 'two', { three: 3.5 }, null, true],
        { k: 'v', n: -7, big: 2 ** 53 }, { acknowledge: true });
      assert.ok(Number.isSafeInteger(publication.id) && publication.id >= 1, 'PUBLISHED carries a publication id');
      const [ev] = await h.withTimeout(got.done, 5000, 'event');
      assert.deepEqual(ev.args, [1, 'two', { three: 3.5 }, null, true]);
      assert.deepEqual(ev.kwargs, { k: 'v', n: -7, big: 2 ** 53 });
      assert.equal(ev.details.publication, publication.id);
    });
  }

  test('all sessions subscribed to one topic share one subscription id', async () => {
    const a = await join('json');
    const b = await join('msgpack');
    const sa = await a.session.subscribe('com.example.shared', () => {});
    const sb = await b.session.subscribe('com.example.shared', () => {});
    assert.equal(sa.id, sb.id);
    const sp = await b.session.subscribe('com.example.shared', () => {}, { match: 'prefix' });
    assert.notEqual(sp.id, sa.id, 'another match policy is another subscription');
  });

  test('publisher exclusion: excluded by default, included with exclude_me=false', async () => {
    const p = await join('msgpack');
    const seen = [];
    await p.session.subscribe('com.example.self', (args) => seen.push(args[0]));
    await p.session.publish('com.example.self', ['excluded'], {}, { acknowledge: true });
    await p.session.publish('com.example.self', ['included'], {}, { acknowledge: true, exclude_me: false });
    await h.sleep(200);
    assert.deepEqual(seen, ['included']);
  });

  test('subscriber black- and whitelisting by session, authid and authrole', async () => {
    const pub = await join('json');
    const a = await join('json');
    const b = await join('msgpack');
    const got = { a: [], b: [] };
    await a.session.subscribe('com.example.lists', (args) => got.a.push(args[0]));
    await b.session.subscribe('com.example.lists', (args) => got.b.push(args[0]));
    const opts = { acknowledge: true };
    await pub.session.publish('com.example.lists', ['exclude-a'], {}, { ...opts, exclude: [a.session.id] });
    await pub.session.publish('com.example.lists', ['eligible-a'], {}, { ...opts, eligible: [a.session.id] });
    await pub.session.publish('com.example.lists', ['exclude-authid-b'], {}, { ...opts, exclude_authid: [b.details.authid] });
    await pub.session.publish('com.example.lists', ['eligible-authid-b'], {}, { ...opts, eligible_authid: [b.details.authid] });
    await pub.session.publish('com.example.lists', ['exclude-role'], {}, { ...opts, exclude_authrole: ['anonymous'] });
    await pub.session.publish('com.example.lists', ['eligible-role'], {}, { ...opts, eligible_authrole: ['anonymous'] });
    await h.sleep(300);
    assert.deepEqual(got.a, ['eligible-a', 'exclude-authid-b', 'eligible-role']);
    assert.deepEqual(got.b, ['exclude-a', 'eligible-authid-b', 'eligible-role']);
  });

  test('publisher identification with disclose_me', async () => {
    const pub = await join('msgpack');
    const sub = await join('json');
    const got = await collect(sub.session, 'com.example.who', 2);
    await pub.session.publish('com.example.who', ['anonymous'], {}, { acknowledge: true });
    await pub.session.publish('com.example.who', ['disclosed'], {}, { acknowledge: true, disclose_me: true });
    const [hidden, shown] = await h.withTimeout(got.done, 5000, 'events');
    assert.equal(hidden.details.publisher, undefined, 'no publisher without disclose_me');
    assert.equal(shown.details.publisher, pub.session.id);
    assert.equal(shown.details.publisher_authid, pub.details.authid);
    assert.equal(shown.details.publisher_authrole, 'anonymous');
  });

  test('prefix and wildcard subscriptions receive events with details.topic', async () => {
    const pub = await join('json');
    const sub = await join('msgpack');
    const prefix = await collect(sub.session, 'com.example.pattern', 2, { match: 'prefix' });
    const wildcard = await collect(sub.session, 'com.example..update', 1, { match: 'wildcard' });
    await pub.session.publish('com.example.pattern.a', ['p1'], {}, { acknowledge: true });
    await pub.session.publish('com.example.x.update', ['w1'], {}, { acknowledge: true });
    await pub.session.publish('com.example.pattern.b.c', ['p2'], {}, { acknowledge: true });
    const p = await h.withTimeout(prefix.done, 5000, 'prefix events');
    const w = await h.withTimeout(wildcard.done, 5000, 'wildcard event');
    assert.deepEqual(p.map((e) => [e.args[0], e.details.topic]),
      [['p1', 'com.example.pattern.a'], ['p2', 'com.example.pattern.b.c']]);
    assert.deepEqual(w.map((e) => [e.args[0], e.details.topic]), [['w1', 'com.example.x.update']]);
  });

  test('event retention: a late subscriber asking get_retained gets the last retained event', async () => {
    const pub = await join('msgpack');
    await pub.session.publish('com.example.retained', ['old'], {}, { acknowledge: true, retain: true });
    await pub.session.publish('com.example.retained', ['latest'], { n: 2 }, { acknowledge: true, retain: true });
    const late = await join('json');
    const got = await collect(late.session, 'com.example.retained', 1, { get_retained: true });
    const [ev] = await h.withTimeout(got.done, 5000, 'retained event');
    assert.deepEqual(ev.args, ['latest']);
    assert.deepEqual(ev.kwargs, { n: 2 });
    assert.equal(ev.details.retained, true);
    const plain = await join('json');
    const none = await collect(plain.session, 'com.example.retained', 1);
    await h.sleep(200);
    assert.equal(none.events.length, 0, 'no retained event without get_retained');
  });

  test('publish errors are reported only when acknowledge was asked for', async () => {
    const pub = await join('json');
    await assert.rejects(pub.session.publish('com.example.bad#uri', [], {}, { acknowledge: true }),
      (e) => e.error === 'wamp.error.invalid_uri');
    // Without acknowledge the router stays silent; the session stays open and usable.
    pub.session.publish('com.example.bad#uri', []);
    const ok = await pub.session.publish('com.example.fine', [], {}, { acknowledge: true });
    assert.ok(ok.id >= 1);
    await assert.rejects(pub.session.subscribe('com..bad', () => {}), (e) => e.error === 'wamp.error.invalid_uri');
  });

  test('a 1 MiB payload arrives intact across serializers', async () => {
    const pub = await join('msgpack');
    const sub = await join('json');
    const big = 'x'.repeat(1024 * 1024);
    const got = await collect(sub.session, 'com.example.big', 1);
    await pub.session.publish('com.example.big', [big], {}, { acknowledge: true });
    const [ev] = await h.withTimeout(got.done, 10000, '1 MiB event');
    assert.equal(ev.args[0].length, big.length);
    assert.equal(ev.args[0], big);
  });

  test('binary payloads: msgpack bin reaches a JSON subscriber as \\u0000+base64 and back', async () => {
    const pub = await join('msgpack');
    const jsonSub = await join('json');
    const msgpackSub = await join('msgpack');
    const bytes = Buffer.from([0, 1, 2, 254, 255, 128, 10]);
    const gotJson = await collect(jsonSub.session, 'com.example.binary', 1);
    const gotMsgpack = await collect(msgpackSub.session, 'com.example.binary', 1);
    await pub.session.publish('com.example.binary', [bytes], {}, { acknowledge: true });
    const [j] = await h.withTimeout(gotJson.done, 5000, 'json binary event');
    assert.equal(j.args[0], '\u0000' + bytes.toString('base64'));
    const [m] = await h.withTimeout(gotMsgpack.done, 5000, 'msgpack binary event');
    assert.ok(Buffer.isBuffer(m.args[0]), 'msgpack subscriber gets bin back');
    assert.deepEqual(Buffer.from(m.args[0]), bytes);
  });

  test('10,000 events arrive in publish order at every subscriber', { timeout: 60000 }, async () => {
    const pub = await join('json');
    const subs = [await join('msgpack'), await join('json')];
    const N = 10000;
    const gots = [];
    for (const s of subs) gots.push(await collect(s.session, 'com.example.order', N));
    for (let i = 0; i < N; ++i) pub.session.publish('com.example.order', [i]);
    await pub.session.publish('com.example.order.flush', [], {}, { acknowledge: true });
    for (const got of gots) {
      const events = await h.withTimeout(got.done, 30000, `${N} events`, () => `got ${got.events.length}`);
      const seq = events.map((e) => e.args[0]);
      for (let i = 0; i < N; ++i) if (seq[i] !== i) assert.fail(`event ${i} out of order: got ${seq[i]}`);
    }
  });

  test('a fan-out wider than one write chunk reaches every subscriber, in order', { timeout: 60000 }, async () => {
    // With one I/O thread the writes of a fan-out start 64 sessions at a time (router/write_flusher.hpp), and
    // publications arriving meanwhile join the writes not yet started: nothing may be lost or reordered.
    const pub = await join('msgpack');
    const S = 150;
    const N = 200;
    const gots = [];
    for (let i = 0; i < S; i++) {
      const s = await join(i % 2 ? 'json' : 'msgpack');
      gots.push(await collect(s.session, 'com.example.wide', N));
    }
    for (let i = 0; i < N; ++i) pub.session.publish('com.example.wide', [i]);
    for (const [k, got] of gots.entries()) {
      const events = await h.withTimeout(got.done, 30000, `subscriber ${k}: ${N} events`, () => `got ${got.events.length}`);
      assert.deepEqual(events.map((e) => e.args[0]), Array.from({ length: N }, (_, i) => i), `subscriber ${k}`);
    }
  });

  test('publications sent right before GOODBYE are still delivered', async () => {
    // The leave must not overtake messages still on their way to the realm (publications go through the
    // realm's strand even with one I/O thread).
    const sub = await join('json');
    const seen = [];
    await sub.session.subscribe('com.example.lastwords', (args) => seen.push(args[0]));
    for (let round = 0; round < 10; round++) {
      const pub = await h.rawJoin(router.url, 'wamp.2.msgpack');
      for (let i = 0; i < 5; i++) pub.sendMsg([16, i + 1, {}, 'com.example.lastwords', [round * 5 + i]]);
      pub.sendMsg([6, {}, 'wamp.close.close_realm']);  // GOODBYE in the same burst: the session leaves at once
      pub.ws._socket.end();
    }
    await h.waitFor(() => seen.length === 50, 5000, () => `all 50 events arrived (got ${seen.length})`);
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  });

  test('unsubscribe stops delivery; a session that leaves loses its subscriptions', async () => {
    const pub = await join('msgpack');
    const sub = await join('json');
    const seen = [];
    const s = await sub.session.subscribe('com.example.unsub', (args) => seen.push(args[0]));
    await pub.session.publish('com.example.unsub', [1], {}, { acknowledge: true });
    await h.sleep(150);
    await sub.session.unsubscribe(s);
    await pub.session.publish('com.example.unsub', [2], {}, { acknowledge: true });
    await h.sleep(150);
    assert.deepEqual(seen, [1]);

    const leaver = await join('json');
    const old = await leaver.session.subscribe('com.example.leaver', () => {});
    leaver.connection.close();
    await leaver.closed;
    await h.sleep(100);
    const fresh = await join('msgpack');
    const renewed = await fresh.session.subscribe('com.example.leaver', () => {});
    assert.notEqual(renewed.id, old.id, 'the subscription died with its only subscriber');
  });

  for (const [pySer, jsSer] of [['json', 'msgpack'], ['msgpack', 'json']]) {
    test(`Autobahn|Python ${pySer} and Autobahn|JS ${jsSer} exchange events both ways, binary included`, { timeout: 30000 }, async () => {
      const js = await join(jsSer);
      const topic = `com.example.python.${pySer}`;
      const py = h.spawnPython('pubsub_client.py', [router.url, 'realm1', pySer, 'subscribe', topic, 1]);
      await py.waitForLine((l) => l.event === 'ready');
      await js.session.publish(topic, ['from js', Buffer.from([1, 2, 3])], { lang: 'js' }, { acknowledge: true });
      const ev = await py.waitForLine((l) => l.event === 'event');
      if (jsSer === 'msgpack') assert.deepEqual(ev.args, ['from js', { hex: '010203' }]);
      else assert.deepEqual(ev.args[0], 'from js');  // Autobahn|JS's JSON serializer sends a Buffer as an object
      assert.deepEqual(ev.kwargs, { lang: 'js' });
      assert.equal((await py.done).code, 0);

      const got = await collect(js.session, `${topic}.back`, 1);
      const res = await h.runPython('pubsub_client.py', [router.url, 'realm1', pySer, 'publish', `${topic}.back`,
        JSON.stringify({ args: ['from python'], kwargs: { lang: 'py' }, binary_hex: '00ff10' })]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.lines[0].event, 'published', res.stdout);
      const [back] = await h.withTimeout(got.done, 5000, 'event from python');
      assert.equal(back.args[0], 'from python');
      const bin = back.args[1];
      if (jsSer === 'msgpack') assert.deepEqual(Buffer.from(bin), Buffer.from([0, 255, 16]));
      else assert.equal(bin, '\u0000' + Buffer.from([0, 255, 16]).toString('base64'));
      assert.deepEqual(back.kwargs, { lang: 'py' });
    });
  }
});
