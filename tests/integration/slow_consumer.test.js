'use strict';
// Issues 3 and 4: a subscriber that stops reading is closed as a slow consumer once its write queue limit is
// reached; the publisher and the healthy subscriber keep going and lose nothing.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

test('a subscriber that stops reading is closed; others get every event', { timeout: 60000 }, async () => {
  const router = await h.startRouter({
    config: { session_limits: { write_queue_messages: 500, write_queue_bytes: 2 * 1024 * 1024 } },
  });
  try {
    const topic = 'com.example.firehose';
    // The slow one: a raw WebSocket client that subscribes, then stops reading its socket.
    const slow = await h.rawJoin(router.url, 'wamp.2.msgpack');
    slow.sendMsg([32, 1, {}, topic]);
    const subscribed = await slow.next();
    assert.equal(subscribed.msg[0], 33, `SUBSCRIBED: ${JSON.stringify(subscribed.msg)}`);
    slow.ws._socket.pause();

    const healthy = await h.autobahnJoin({ url: router.url, serializer: 'json' });
    const pub = await h.autobahnJoin({ url: router.url, serializer: 'msgpack' });
    // 24 MB in all: more than the kernel's socket buffers plus the slow session's 2 MiB queue can hold. The
    // publisher goes in batches of 50 (400 KB) and waits for the healthy subscriber to catch up, so only the
    // one that stopped reading can ever reach its queue limit.
    const N = 3000;
    const BATCH = 50;
    const payload = 'p'.repeat(8 * 1024);
    const seen = [];
    let caughtUp = null;
    await healthy.session.subscribe(topic, (args) => {
      seen.push(args[0]);
      if (caughtUp && seen.length >= caughtUp.count) caughtUp.resolve();
    });
    for (let i = 0; i < N; i += BATCH) {
      const wait = new Promise((resolve) => { caughtUp = { count: i + BATCH, resolve }; });
      for (let j = i; j < i + BATCH; ++j) pub.session.publish(topic, [j, payload]);
      await h.withTimeout(wait, 20000, `events up to ${i + BATCH} at the healthy subscriber`, () => `got ${seen.length}`);
    }
    for (let i = 0; i < N; ++i) if (seen[i] !== i) assert.fail(`healthy subscriber: event ${i} is ${seen[i]}`);

    // The router has given up on the slow one: once it reads again it finds the connection closed.
    slow.ws._socket.resume();
    const closed = await h.withTimeout(slow.closed, 10000, 'slow consumer closed');
    assert.notEqual(closed.code, 1000, 'not a normal close: the router dropped it');
    assert.match(router.stderr(), /slow consumer/, 'the router logs the slow consumer');

    // The publisher's session is unaffected and the router still serves.
    const ack = await pub.session.publish(topic, [-1], {}, { acknowledge: true });
    assert.ok(ack.id >= 1);
    await h.assertStillServing(router, 'msgpack');
    healthy.connection.close();
    pub.connection.close();
  } finally {
    const { code } = await router.stop();
    assert.equal(code, 0, router.stderr());
  }
});
