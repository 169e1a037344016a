'use strict';
// Issue 3: bad input ends at most the session that sent it. Raw clients send what Autobahn never would;
// after each case a fresh Autobahn|JS client must still be able to join, and at the end the router still
// shuts down cleanly.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

const MAX_MESSAGE_SIZE = 64 * 1024;
const HANDSHAKE_TIMEOUT_MS = 500;
const HELLO = [1, 'realm1', h.HELLO_DETAILS];

/// The next message is ABORT wamp.error.protocol_violation, in the session's own encoding, and the router
/// then closes the WebSocket.
async function expectProtocolViolation(c, what) {
  let item;
  try {
    item = await c.next(5000);
  } catch (e) {
    assert.fail(`expected ABORT wamp.error.protocol_violation after ${what}, but: ${e.message}`);
  }
  const { msg, isBinary } = item;
  assert.ok(Array.isArray(msg), `ABORT expected after ${what}, got ${JSON.stringify(msg)}`);
  assert.equal(msg[0], 3, `ABORT (3) expected after ${what}, got ${JSON.stringify(msg)}`);
  assert.equal(typeof msg[1], 'object', `ABORT.Details is a dict: ${JSON.stringify(msg)}`);
  assert.equal(msg[2], 'wamp.error.protocol_violation', `ABORT reason after ${what}: ${JSON.stringify(msg)}`);
  assert.equal(isBinary, c.ws.protocol === 'wamp.2.msgpack', `ABORT frame type matches ${c.ws.protocol}`);
  const closed = await h.withTimeout(c.closed, 5000, `the router closing the WebSocket after ABORT (${what})`);
  return { msg, closed };
}

async function openRaw(router, protocol = 'wamp.2.json') {
  const c = h.rawWs(router.url, [protocol]);
  const negotiated = await h.withTimeout(c.opened, 5000, 'WebSocket open');
  assert.equal(negotiated, protocol);
  return c;
}

describe('bad input', () => {
  let router;
  before(async () => {
    router = await h.startRouter({
      listener: { max_message_size: MAX_MESSAGE_SIZE, handshake_timeout_ms: HANDSHAKE_TIMEOUT_MS },
    });
  });
  after(async () => {
    const { code, signal, killed } = await router.stop();
    assert.equal(killed, false, `router needed SIGKILL\n${router.stderr()}`);
    assert.equal(signal, null, `router died from ${signal}\n${router.stderr()}`);
    assert.equal(code, 0, `router exit code after all the bad input\n${router.stderr()}`);
  });

  test('garbage text before HELLO', { timeout: 20000 }, async () => {
    const c = await openRaw(router);
    c.ws.send('this is {not json');
    await expectProtocolViolation(c, 'garbage text');
    await h.assertStillServing(router);
  });

  test('JSON that is not a WAMP message', { timeout: 20000 }, async () => {
    const c = await openRaw(router);
    c.ws.send('{"hello": "realm1"}');
    await expectProtocolViolation(c, 'a JSON object instead of a message array');
    await h.assertStillServing(router);
  });

  test('garbage binary before HELLO on a msgpack session', { timeout: 20000 }, async () => {
    const c = await openRaw(router, 'wamp.2.msgpack');
    c.ws.send(Buffer.from([0xc1, 0xff, 0x00, 0x13]), { binary: true }); // 0xc1 is never valid msgpack
    await expectProtocolViolation(c, 'garbage msgpack');
    await h.assertStillServing(router, 'msgpack');
  });

  test('a binary frame on a wamp.2.json session', { timeout: 20000 }, async () => {
    const c = await h.rawJoin(router.url, 'wamp.2.json');
    c.ws.send(Buffer.from(JSON.stringify([16, 1, {}, 'com.example.topic'])), { binary: true });
    await expectProtocolViolation(c, 'a binary frame on wamp.2.json');
    await h.assertStillServing(router);
  });

  test('a text frame on a wamp.2.msgpack session', { timeout: 20000 }, async () => {
    const c = await h.rawJoin(router.url, 'wamp.2.msgpack');
    c.ws.send(JSON.stringify([16, 1, {}, 'com.example.topic']), { binary: false });
    await expectProtocolViolation(c, 'a text frame on wamp.2.msgpack');
    await h.assertStillServing(router, 'msgpack');
  });

  for (const [name, msg] of [
    ['SUBSCRIBE', [32, 1, {}, 'com.example.topic']],
    ['PUBLISH', [16, 1, {}, 'com.example.topic', ['hi']]],
    ['WELCOME', [2, 12345, { roles: { broker: {} } }]],
  ]) {
    test(`${name} before HELLO`, { timeout: 20000 }, async () => {
      const c = await openRaw(router);
      c.sendMsg(msg);
      await expectProtocolViolation(c, `${name} before HELLO`);
      await h.assertStillServing(router);
    });
  }

  for (const protocol of ['wamp.2.json', 'wamp.2.msgpack']) {
    test(`HELLO twice (${protocol})`, { timeout: 20000 }, async () => {
      const c = await h.rawJoin(router.url, protocol);
      c.sendMsg(HELLO);
      await expectProtocolViolation(c, 'a second HELLO');
      await h.assertStillServing(router);
    });
  }

  test('WELCOME sent by the client in an established session', { timeout: 20000 }, async () => {
    const c = await h.rawJoin(router.url, 'wamp.2.json');
    c.sendMsg([2, 12345, { roles: { broker: {} } }]);
    await expectProtocolViolation(c, 'WELCOME from a client');
    await h.assertStillServing(router);
  });

  test('an unknown message type in an established session', { timeout: 20000 }, async () => {
    const c = await h.rawJoin(router.url, 'wamp.2.json');
    c.sendMsg([12345, 1, {}]);
    await expectProtocolViolation(c, 'message type 12345');
    await h.assertStillServing(router);
  });

  test('a frame larger than max_message_size is closed with 1009', { timeout: 20000 }, async () => {
    const c = await h.rawJoin(router.url, 'wamp.2.json');
    const big = 'x'.repeat(MAX_MESSAGE_SIZE * 2);
    c.sendMsg([16, 1, {}, 'com.example.topic', [big]]);
    const closed = await h.withTimeout(c.closed, 5000, 'close after an oversize frame');
    assert.equal(closed.code, 1009, `close code for a ${big.length}-byte frame (max ${MAX_MESSAGE_SIZE})`);
    await h.assertStillServing(router);
  });

  test('a WebSocket handshake offering no WAMP subprotocol gets HTTP 400 naming the subprotocol', { timeout: 20000 }, async () => {
    const headers = (protocol) => ({
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      ...(protocol ? { 'Sec-WebSocket-Protocol': protocol } : {}),
    });
    for (const protocol of [null, 'chat, superchat', 'wamp.2.cbor.batched']) {
      const res = await h.httpRequest(router.port, '/ws', { headers: headers(protocol) });
      assert.equal(res.status, 400, `offering ${protocol}: HTTP status`);
      assert.match(res.body, /subprotocol|wamp\.2\.json/i, `offering ${protocol}: body ${JSON.stringify(res.body)}`);
    }
    // The same through a real WebSocket client.
    const c = h.rawWs(router.url, []);
    await assert.rejects(c.opened, /unexpected HTTP 400/);
    await h.assertStillServing(router);
  });

  test('a TCP connection that never sends the upgrade is dropped after handshake_timeout_ms', { timeout: 20000 }, async () => {
    // Nothing at all, then an HTTP request head that never ends.
    const silent = h.tcpExchange(router.port, null, { timeout: 8000 });
    const partial = h.tcpExchange(router.port, Buffer.from('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'),
      { timeout: 8000 });
    const [a, b] = await Promise.all([silent, partial]);
    assert.ok(a.closedAfterMs >= HANDSHAKE_TIMEOUT_MS / 2, `silent connection closed after ${a.closedAfterMs} ms, not at once`);
    assert.ok(b.closedAfterMs >= HANDSHAKE_TIMEOUT_MS / 2, `partial request closed after ${b.closedAfterMs} ms, not at once`);
    await h.assertStillServing(router);
  });

  test('a client that vanishes mid-frame', { timeout: 20000 }, async () => {
    const { socket } = await h.rawUpgrade(router.port, { protocol: 'wamp.2.json' });
    const welcome = new Promise((resolve) => socket.once('data', resolve));
    socket.write(h.wsFrame(JSON.stringify(HELLO)));
    const first = await h.withTimeout(welcome, 5000, 'WELCOME on the hand-made connection');
    assert.match(first.toString('latin1'), /^\x81[\s\S]*\[2,/, 'a text frame with WELCOME');
    const frame = h.wsFrame(JSON.stringify([16, 7, {}, 'com.example.topic', ['y'.repeat(4000)]]));
    socket.write(frame.subarray(0, frame.length >> 1));
    await h.sleep(50);
    socket.destroy();

    // And one that vanishes in the middle of the HTTP upgrade request.
    const { createConnection } = require('node:net');
    const half = createConnection(router.port, '127.0.0.1');
    await new Promise((resolve) => half.once('connect', resolve));
    half.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgr');
    await h.sleep(50);
    half.destroy();

    await h.assertStillServing(router);
    await h.assertStillServing(router, 'msgpack');
  });
});
