'use strict';
// The router's own WebSocket framing (router/ws_frame.cpp, ws_handshake.cpp, websocket_session.cpp), end to
// end: fragmentation with interleaved control frames, messages in many small TCP writes, frames pipelined
// behind the upgrade request, keep-alive pings, the close handshake, every protocol error with its close
// code (RFC 6455 section 7.4.1), handshake refusals, and 1 MiB messages in both directions. Most cases use a
// hand-made client over a raw TCP socket (below), so the exact bytes on the wire are under the test's
// control; after each case that breaks a connection a fresh Autobahn|JS client must still be able to join.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const h = require('./harness');

const MAX_MESSAGE_SIZE = 2 * 1024 * 1024;
const MiB = 1024 * 1024;
const HELLO = [1, 'realm1', h.HELLO_DETAILS];
const OP = { cont: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const msgpack = new h.autobahn.serializer.MsgpackSerializer();

// ---------------------------------------------------------------------------------------------------------
// A hand-made client: frame builder, server frame reader, handshake over node:net.

/// A client frame. `payload` is a Buffer or a string (UTF-8). Options: fin (default true), rsv (the 3 RSV
/// bits as a number 0-7), mask (default true: clients must mask), claimLength (the length to put in the
/// header instead of the payload's; with `headerOnly` nothing but the header and mask key is returned).
function frame(opcode, payload = Buffer.alloc(0), { fin = true, rsv = 0, mask = true, claimLength, headerOnly = false } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const len = claimLength === undefined ? BigInt(data.length) : BigInt(claimLength);
  const b0 = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  const m = mask ? 0x80 : 0;
  let header;
  if (len < 126n) {
    header = Buffer.from([b0, m | Number(len)]);
  } else if (len < 65536n) {
    header = Buffer.from([b0, m | 126, Number(len >> 8n), Number(len & 0xffn)]);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = m | 127;
    header.writeBigUInt64BE(len, 2);
  }
  if (!mask) return headerOnly ? header : Buffer.concat([header, data]);
  const key = crypto.randomBytes(4);
  if (headerOnly) return Buffer.concat([header, key]);
  const masked = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i] ^ key[i & 3];
  return Buffer.concat([header, key, masked]);
}

/// A close frame payload: the code in network order, then the reason.
function closePayload(code, reason = Buffer.alloc(0)) {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return Buffer.concat([b, Buffer.isBuffer(reason) ? reason : Buffer.from(reason, 'utf8')]);
}

function encodeMsg(protocol, msg) {
  return protocol === 'wamp.2.msgpack' ? Buffer.from(msgpack.serialize(msg)) : Buffer.from(JSON.stringify(msg), 'utf8');
}

/// One unfragmented data frame holding `msg`, of the subprotocol's frame type.
function msgFrame(protocol, msg) {
  return frame(protocol === 'wamp.2.msgpack' ? OP.binary : OP.text, encodeMsg(protocol, msg));
}

function upgradeRequest(port, { protocol = 'wamp.2.json', key = crypto.randomBytes(16).toString('base64'), path = '/ws' } = {}) {
  return {
    key,
    text: `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  };
}

/// A WebSocket over a raw TCP socket after the handshake. Parses the server's frames (which must not be
/// masked), queues them for nextFrame(), records pings and pongs, answers pings when `autoPong` is set, and
/// exposes `closed` (resolves when the TCP connection is fully closed).
class RawConn {
  constructor(socket, protocol, leftover) {
    this.socket = socket;
    this.protocol = protocol;
    this.buf = Buffer.alloc(0);
    this.frames = [];
    this.waiters = [];
    this.pings = [];
    this.autoPong = false;
    this.closedAt = null;
    this.endedAt = null;
    this.error = null;
    this.ended = new Promise((resolve) => socket.once('end', () => { this.endedAt = Date.now(); resolve(); }));
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.closedAt = Date.now();
      for (const w of this.waiters.splice(0)) w.reject(new Error('the router closed the connection while a frame was awaited'));
      resolve();
    }));
    socket.on('error', (e) => { this.error = e; }); // a reset or EPIPE counts as closed
    socket.on('data', (d) => this.feed(d));
    if (leftover && leftover.length) this.feed(leftover);
  }

  feed(d) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      let len = b[1] & 0x7f;
      let header = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        header = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        header = 10;
      }
      const masked = Boolean(b[1] & 0x80);
      if (masked) header += 4;
      if (b.length < header + len) return;
      let payload = Buffer.from(b.subarray(header, header + len));
      if (masked) {
        const key = b.subarray(header - 4, header);
        for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
      }
      this.buf = b.subarray(header + len);
      const f = { fin: Boolean(b[0] & 0x80), rsv: (b[0] >> 4) & 7, opcode: b[0] & 0x0f, masked, payload, at: Date.now() };
      if (f.opcode === OP.ping) {
        this.pings.push(f);
        if (this.autoPong) this.send(frame(OP.pong, f.payload));
      }
      if (this.waiters.length) this.waiters.shift().resolve(f); else this.frames.push(f);
    }
  }

  /// The next frame of any kind from the router.
  nextFrame(ms = 5000) {
    if (this.frames.length) return Promise.resolve(this.frames.shift());
    if (this.closedAt) return Promise.reject(new Error('the connection is closed'));
    return new Promise((resolve, reject) => {
      const w = {
        resolve: (f) => { clearTimeout(timer); resolve(f); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no frame from the router within ${ms} ms`));
      }, ms);
      this.waiters.push(w);
    });
  }

  /// The next WAMP message (pings and pongs skipped), decoded per the subprotocol; checks the frame type.
  async nextMsg(ms = 5000) {
    for (;;) {
      const f = await this.nextFrame(ms);
      if (f.opcode === OP.ping || f.opcode === OP.pong) continue;
      assert.equal(f.masked, false, 'server frames are not masked');
      assert.equal(f.fin, true, 'the router does not fragment its messages');
      assert.equal(f.rsv, 0, 'no RSV bits from the router');
      if (this.protocol === 'wamp.2.msgpack') {
        assert.equal(f.opcode, OP.binary, `a binary frame on wamp.2.msgpack, got opcode ${f.opcode}`);
        return msgpack.unserialize(f.payload);
      }
      assert.equal(f.opcode, OP.text, `a text frame on wamp.2.json, got opcode ${f.opcode}: ${f.payload.toString('utf8').slice(0, 200)}`);
      return JSON.parse(f.payload.toString('utf8'));
    }
  }

  encode(msg) { return encodeMsg(this.protocol, msg); }

  msgFrame(msg) { return msgFrame(this.protocol, msg); }

  send(...bufs) {
    if (!this.socket.destroyed) this.socket.write(bufs.length === 1 ? bufs[0] : Buffer.concat(bufs));
  }

  sendMsg(msg) { this.send(this.msgFrame(msg)); }

  destroy() { this.socket.destroy(); }
}

/// Writes `buf` to the socket `chunk` bytes at a time with a pause between writes (NODELAY is set, so each
/// write leaves as its own segment).
async function writeSlowly(socket, buf, chunk = 1, pauseMs = 1) {
  for (let i = 0; i < buf.length; i += chunk) {
    socket.write(buf.subarray(i, i + chunk));
    await h.sleep(pauseMs);
  }
}

/// Opens a connection by hand: the upgrade request, then `pipelined` bytes in the same TCP write (or the
/// request in `chunk`-byte writes). Checks the 101, the accept key and the subprotocol; resolves to a RawConn
/// that already holds whatever arrived behind the response head.
function openRaw(router, { protocol = 'wamp.2.json', pipelined, chunk } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(router.port, '127.0.0.1');
    socket.setNoDelay(true);
    const req = upgradeRequest(router.port, { protocol });
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no upgrade response: ${head.toString('latin1')}`)); }, 5000);
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.on('connect', () => {
      const bytes = Buffer.concat([Buffer.from(req.text, 'latin1'), pipelined || Buffer.alloc(0)]);
      if (chunk) writeSlowly(socket, bytes, chunk).catch(reject); else socket.write(bytes);
    });
    const onData = (d) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.removeAllListeners('error');
      const text = head.subarray(0, end).toString('latin1');
      try {
        assert.match(text, /^HTTP\/1\.1 101 /, `101 Switching Protocols expected:\n${text}`);
        const headers = Object.fromEntries(text.split('\r\n').slice(1).map((l) => {
          const i = l.indexOf(':');
          return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
        }));
        const accept = crypto.createHash('sha1').update(req.key + WS_GUID).digest('base64');
        assert.equal(headers['sec-websocket-accept'], accept, 'Sec-WebSocket-Accept per RFC 6455 4.2.2');
        assert.equal(headers['sec-websocket-protocol'], protocol, 'the negotiated subprotocol');
        assert.match(headers.upgrade || '', /^websocket$/i);
      } catch (e) {
        socket.destroy();
        reject(e);
        return;
      }
      resolve(new RawConn(socket, protocol, head.subarray(end + 4)));
    };
    socket.on('data', onData);
  });
}

/// A hand-made connection that has joined realm1 (WELCOME checked).
async function joinRaw(router, protocol = 'wamp.2.json') {
  const c = await openRaw(router, { protocol });
  c.sendMsg(HELLO);
  const welcome = await c.nextMsg();
  assert.equal(welcome[0], 2, `WELCOME expected, got ${JSON.stringify(welcome)}`);
  return c;
}

let requestIds = 1000;
/// PUBLISH with acknowledge on a hand-made connection; resolves once PUBLISHED arrived.
async function publishAcked(c, topic, args, options = {}) {
  const id = ++requestIds;
  c.sendMsg([16, id, { acknowledge: true, ...options }, topic, args]);
  const m = await c.nextMsg();
  assert.deepEqual(m.slice(0, 2), [17, id], `PUBLISHED for request ${id} expected, got ${JSON.stringify(m).slice(0, 300)}`);
  return m;
}

async function subscribeRaw(c, topic) {
  const id = ++requestIds;
  c.sendMsg([32, id, {}, topic]);
  const m = await c.nextMsg();
  assert.deepEqual(m.slice(0, 2), [33, id], `SUBSCRIBED expected, got ${JSON.stringify(m)}`);
  return m[2];
}

/// The router's next frame is a close frame with `code` (and a short UTF-8 reason), nothing follows it, and
/// then the router ends the TCP connection.
async function expectClose(c, code, what, { skipPongs = false } = {}) {
  let f;
  try {
    do f = await c.nextFrame(5000); while (skipPongs && f.opcode === OP.pong);
  } catch (e) {
    assert.fail(`${what}: expected a close frame with code ${code}, but: ${e.message}`);
  }
  assert.equal(f.opcode, OP.close,
    `${what}: expected a close frame (${code}), got opcode ${f.opcode}: ${f.payload.toString('utf8').slice(0, 200)}`);
  assert.equal(f.masked, false, `${what}: the server's close frame is not masked`);
  assert.equal(f.fin, true, `${what}: control frames are not fragmented`);
  assert.ok(f.payload.length >= 2 && f.payload.length <= 125, `${what}: close payload of ${f.payload.length} bytes`);
  const got = f.payload.readUInt16BE(0);
  let reason;
  try {
    reason = utf8Strict.decode(f.payload.subarray(2));
  } catch {
    assert.fail(`${what}: the close reason is not UTF-8: ${f.payload.subarray(2).toString('hex')}`);
  }
  assert.equal(got, code, `${what}: close code (reason: ${JSON.stringify(reason)})`);
  await h.withTimeout(c.closed, 5000, `${what}: the router closing TCP after its close frame`);
  assert.deepEqual(c.frames.map((x) => x.opcode), [], `${what}: nothing after the close frame`);
  return reason;
}

/// Polls the router's stderr for a line matching `re`.
async function waitForLog(router, re, ms = 3000) {
  const deadline = Date.now() + ms;
  while (!re.test(router.stderr())) {
    if (Date.now() > deadline) assert.fail(`router log has no line matching ${re}:\n${router.stderr().slice(-3000)}`);
    await h.sleep(25);
  }
}

function stopRouter(router) {
  return async () => {
    const { code, signal, killed } = await router.stop();
    assert.equal(killed, false, `router needed SIGKILL\n${router.stderr()}`);
    assert.equal(signal, null, `router died from ${signal}\n${router.stderr()}`);
    assert.equal(code, 0, `router exit code\n${router.stderr()}`);
  };
}

// ---------------------------------------------------------------------------------------------------------

describe('WebSocket framing', () => {
  let router;
  before(async () => {
    router = await h.startRouter({ listener: { max_message_size: MAX_MESSAGE_SIZE } });
  });
  after(async () => stopRouter(router)());

  test('a HELLO in 3 fragments with a ping between them gets the pong and WELCOME (separate TCP writes)', async () => {
    const c = await openRaw(router);
    const hello = Buffer.from(JSON.stringify(HELLO), 'utf8');
    const a = hello.subarray(0, 10);
    const b = hello.subarray(10, 40);
    const rest = hello.subarray(40);
    c.send(frame(OP.text, a, { fin: false }));
    await h.sleep(30);
    c.send(frame(OP.ping, 'ping-between-fragments'));
    await h.sleep(30);
    c.send(frame(OP.cont, b, { fin: false }));
    await h.sleep(30);
    c.send(frame(OP.cont, rest));
    const pong = await c.nextFrame();
    assert.equal(pong.opcode, OP.pong, `the ping is answered first, got opcode ${pong.opcode}`);
    assert.equal(pong.payload.toString('utf8'), 'ping-between-fragments', 'the pong carries the ping payload');
    assert.equal(pong.masked, false);
    const welcome = await c.nextMsg();
    assert.equal(welcome[0], 2, `WELCOME expected, got ${JSON.stringify(welcome)}`);
    await publishAcked(c, 'com.ws.after_fragments', ['ok']);
    c.destroy();
  });

  test('the same fragmented HELLO with pings in one TCP write, plus empty fragments', async () => {
    const c = await openRaw(router);
    const hello = Buffer.from(JSON.stringify(HELLO), 'utf8');
    c.send(
      frame(OP.text, hello.subarray(0, 1), { fin: false }),
      frame(OP.ping, Buffer.alloc(0)),
      frame(OP.cont, Buffer.alloc(0), { fin: false }),
      frame(OP.cont, hello.subarray(1, 50), { fin: false }),
      frame(OP.ping, Buffer.alloc(125, 0x7a)),
      frame(OP.pong, 'unsolicited pong, ignored'),
      frame(OP.cont, hello.subarray(50), { fin: false }),
      frame(OP.cont, Buffer.alloc(0)),
    );
    const p1 = await c.nextFrame();
    assert.equal(p1.opcode, OP.pong);
    assert.equal(p1.payload.length, 0, 'an empty ping gets an empty pong');
    const p2 = await c.nextFrame();
    assert.equal(p2.opcode, OP.pong);
    assert.ok(p2.payload.equals(Buffer.alloc(125, 0x7a)), 'a 125-byte ping payload comes back whole');
    const welcome = await c.nextMsg();
    assert.equal(welcome[0], 2, `WELCOME expected, got ${JSON.stringify(welcome)}`);
    await publishAcked(c, 'com.ws.after_fragments', ['ok']);
    c.destroy();
  });

  test('a fragmented binary HELLO on wamp.2.msgpack', async () => {
    const c = await openRaw(router, { protocol: 'wamp.2.msgpack' });
    const hello = c.encode(HELLO);
    c.send(frame(OP.binary, hello.subarray(0, 5), { fin: false }), frame(OP.cont, hello.subarray(5, 9), { fin: false }));
    await h.sleep(20);
    c.send(frame(OP.ping, Buffer.from([0, 1, 2, 0xff])), frame(OP.cont, hello.subarray(9)));
    const pong = await c.nextFrame();
    assert.equal(pong.opcode, OP.pong);
    assert.deepEqual([...pong.payload], [0, 1, 2, 0xff], 'binary ping payload echoed');
    const welcome = await c.nextMsg();
    assert.equal(welcome[0], 2, `WELCOME expected, got ${JSON.stringify(welcome)}`);
    await publishAcked(c, 'com.ws.after_fragments', ['ok']);
    c.destroy();
  });

  test('a UTF-8 character split across fragments is valid and arrives intact', async () => {
    const sub = await joinRaw(router);
    const pub = await joinRaw(router);
    const subId = await subscribeRaw(sub, 'com.ws.utf8');
    const text = 'é€😀 ünïcödé';
    const msg = Buffer.from(JSON.stringify([16, 77, { acknowledge: true }, 'com.ws.utf8', [text]]), 'utf8');
    // Cut inside the 4-byte emoji and inside the 3-byte euro sign.
    const emoji = msg.indexOf(Buffer.from('😀')) + 2;
    const euro = msg.indexOf(Buffer.from('€')) + 1;
    pub.send(frame(OP.text, msg.subarray(0, euro), { fin: false }), frame(OP.cont, msg.subarray(euro, emoji), { fin: false }),
      frame(OP.cont, msg.subarray(emoji)));
    const published = await pub.nextMsg();
    assert.deepEqual(published.slice(0, 2), [17, 77]);
    const ev = await sub.nextMsg();
    assert.equal(ev[0], 36);
    assert.equal(ev[1], subId);
    assert.deepEqual(ev[4], [text]);
    sub.destroy();
    pub.destroy();
  });

  // (Unfragmented text-on-msgpack and binary-on-json are in bad_input.test.js.)
  test('a fragmented message of the wrong frame type is ABORTed like an unfragmented one', async () => {
    for (const [protocol, opcode] of [['wamp.2.json', OP.binary], ['wamp.2.msgpack', OP.text]]) {
      const c = await joinRaw(router, protocol);
      const msg = Buffer.from(JSON.stringify([16, 1, {}, 'com.ws.topic', ['wrong type']]), 'utf8');
      c.send(frame(opcode, msg.subarray(0, 8), { fin: false }), frame(OP.cont, msg.subarray(8)));
      const abort = await c.nextMsg();
      assert.equal(abort[0], 3, `${protocol}: ABORT expected, got ${JSON.stringify(abort)}`);
      assert.equal(abort[2], 'wamp.error.protocol_violation');
      await expectClose(c, 1000, `${protocol}: close after ABORT`);
      await h.assertStillServing(router, protocol === 'wamp.2.json' ? 'json' : 'msgpack');
    }
  });

  test('a HELLO written byte by byte (and the upgrade request in 3-byte writes) gets WELCOME', { timeout: 30000 }, async () => {
    const c = await openRaw(router, { chunk: 3 });
    const hello = c.msgFrame(HELLO);
    await writeSlowly(c.socket, hello, 1, 2);
    const welcome = await c.nextMsg();
    assert.equal(welcome[0], 2, `WELCOME expected, got ${JSON.stringify(welcome)}`);
    // A message with a 16-bit length, byte by byte too: the header is cut at every position.
    const publish = c.msgFrame([16, 5, { acknowledge: true }, 'com.ws.slow', ['s'.repeat(300)]]);
    assert.equal(publish[1] & 0x7f, 126);
    await writeSlowly(c.socket, publish, 1, 1);
    assert.deepEqual((await c.nextMsg()).slice(0, 2), [17, 5]);
    // Two frames, the second starting in the middle of a write.
    const two = Buffer.concat([c.msgFrame([16, 6, { acknowledge: true }, 'com.ws.slow', []]),
      c.msgFrame([16, 7, { acknowledge: true }, 'com.ws.slow', []])]);
    await writeSlowly(c.socket, two, 7, 2);
    assert.deepEqual((await c.nextMsg()).slice(0, 2), [17, 6]);
    assert.deepEqual((await c.nextMsg()).slice(0, 2), [17, 7]);
    c.destroy();
  });

  test('a HELLO pipelined in the same TCP write as the upgrade request gets WELCOME', async () => {
    for (const protocol of ['wamp.2.json', 'wamp.2.msgpack']) {
      const c = await openRaw(router, { protocol, pipelined: msgFrame(protocol, HELLO) });
      const welcome = await c.nextMsg();
      assert.equal(welcome[0], 2, `${protocol}: WELCOME expected, got ${JSON.stringify(welcome)}`);
      await publishAcked(c, 'com.ws.pipelined', [protocol]);
      c.destroy();
    }
  });

  test('HELLO, PUBLISH and a ping all pipelined behind the upgrade request', async () => {
    const bytes = Buffer.concat([
      msgFrame('wamp.2.json', HELLO),
      msgFrame('wamp.2.json', [16, 42, { acknowledge: true }, 'com.ws.pipelined', ['x']]),
      frame(OP.ping, 'early'),
    ]);
    const c = await openRaw(router, { pipelined: bytes });
    assert.equal((await c.nextMsg())[0], 2, 'WELCOME');
    assert.deepEqual((await c.nextMsg()).slice(0, 2), [17, 42], 'PUBLISHED');
    assert.equal(c.pings.length, 0);
    c.send(frame(OP.close, closePayload(4001, 'done')));
    await expectClose(c, 4001, 'close after the pipelined frames', { skipPongs: true });
  });

  test('HELLO and a 1 MiB PUBLISH pipelined behind the upgrade request', { timeout: 30000 }, async () => {
    const big = crypto.randomBytes(768 * 1024).toString('base64');
    const bytes = Buffer.concat([
      msgFrame('wamp.2.json', HELLO),
      msgFrame('wamp.2.json', [16, 43, { acknowledge: true }, 'com.ws.pipelined', [big]]),
      msgFrame('wamp.2.json', [16, 44, { acknowledge: true }, 'com.ws.pipelined', ['small']]),
    ]);
    const c = await openRaw(router, { pipelined: bytes });
    assert.equal((await c.nextMsg())[0], 2, 'WELCOME');
    assert.deepEqual((await c.nextMsg(10000)).slice(0, 2), [17, 43], 'PUBLISHED for the 1 MiB message');
    assert.deepEqual((await c.nextMsg()).slice(0, 2), [17, 44], 'PUBLISHED for the small one behind it');
    c.destroy();
  });

  test('a protocol error pipelined behind the upgrade request closes with 1002', async () => {
    const c = await openRaw(router, { pipelined: frame(OP.text, JSON.stringify(HELLO), { mask: false }) });
    await expectClose(c, 1002, 'unmasked HELLO pipelined behind the upgrade');
    await h.assertStillServing(router);
  });

  test('frame lengths at the 7/16/64-bit boundaries, both directions', { timeout: 30000 }, async () => {
    const sub = await joinRaw(router);
    const pub = await joinRaw(router);
    const subId = await subscribeRaw(sub, 'com.ws.sizes');
    for (const total of [100, 125, 126, 127, 65535, 65536, 65537, 200000]) {
      const id = ++requestIds;
      const prefix = JSON.stringify([16, id, { acknowledge: true }, 'com.ws.sizes', ['']]);
      const fill = total - prefix.length;
      const s = crypto.randomBytes(Math.ceil(fill * 3 / 4) + 3).toString('base64').slice(0, fill);
      const msg = JSON.stringify([16, id, { acknowledge: true }, 'com.ws.sizes', [s]]);
      assert.equal(msg.length, total);
      pub.send(frame(OP.text, msg));
      assert.deepEqual((await pub.nextMsg()).slice(0, 2), [17, id], `PUBLISHED for a ${total}-byte frame`);
      const ev = await sub.nextMsg();
      assert.equal(ev[0], 36);
      assert.equal(ev[1], subId);
      assert.equal(ev[4][0], s, `the ${fill}-character argument of a ${total}-byte frame arrives intact`);
    }
    sub.destroy();
    pub.destroy();
  });
});

describe('WebSocket close handshake', () => {
  let router;
  before(async () => {
    router = await h.startRouter({ listener: { max_message_size: MAX_MESSAGE_SIZE } });
  });
  after(async () => stopRouter(router)());

  test('a close frame with 4000 is echoed with 4000, then the TCP connection ends', async () => {
    const c = await joinRaw(router);
    c.send(frame(OP.close, closePayload(4000, 'bye now')));
    await expectClose(c, 4000, 'client close 4000');
    await h.assertStillServing(router);
  });

  test('a close frame without payload is answered with 1000', async () => {
    const c = await joinRaw(router);
    c.send(frame(OP.close));
    await expectClose(c, 1000, 'client close without payload');
    // And before HELLO.
    const d = await openRaw(router);
    d.send(frame(OP.close));
    await expectClose(d, 1000, 'client close without payload before HELLO');
    await h.assertStillServing(router);
  });

  test('every valid close code is echoed', async () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4999]) {
      const c = await openRaw(router);
      c.send(frame(OP.close, closePayload(code, 'r')));
      await expectClose(c, code, `client close ${code}`);
    }
    await h.assertStillServing(router);
  });

  test('messages behind the client close frame are not answered', async () => {
    const c = await joinRaw(router);
    c.send(frame(OP.close, closePayload(4000)), c.msgFrame([16, 9, { acknowledge: true }, 'com.ws.late', []]),
      frame(OP.ping, 'late'));
    await expectClose(c, 4000, 'close followed by PUBLISH and ping');
    await h.assertStillServing(router);
  });

  test('a ws client closing with 4000 gets 4000 back', async () => {
    const c = await h.rawJoin(router.url);
    c.ws.close(4000, 'leaving');
    const closed = await h.withTimeout(c.closed, 5000, 'ws close');
    assert.equal(closed.code, 4000);
    await h.assertStillServing(router);
  });
});

describe('WebSocket protocol errors', () => {
  let router;
  before(async () => {
    router = await h.startRouter({ listener: { max_message_size: MAX_MESSAGE_SIZE } });
  });
  after(async () => stopRouter(router)());

  const publishNoAck = JSON.stringify([16, 1, {}, 'com.ws.topic', ['x']]);
  const textWith = (bytes) => Buffer.concat([Buffer.from('[16,1,{},"com.ws.topic",["', 'utf8'), Buffer.from(bytes), Buffer.from('"]]', 'utf8')]);
  const cases = [
    ['RSV1 set on a text frame', () => frame(OP.text, publishNoAck, { rsv: 4 }), 1002],
    ['RSV2 set on a text frame', () => frame(OP.text, publishNoAck, { rsv: 2 }), 1002],
    ['RSV3 set on a ping', () => frame(OP.ping, 'p', { rsv: 1 }), 1002],
    ['RSV1 set on a continuation frame', () => Buffer.concat([frame(OP.text, '[16,', { fin: false }), frame(OP.cont, '1,{},"t"]', { rsv: 4 })]), 1002],
    ['unknown data opcode 3', () => frame(3, 'x'), 1002],
    ['unknown data opcode 7', () => frame(7, ''), 1002],
    ['unknown control opcode 0xB', () => frame(0xb, ''), 1002],
    ['unknown control opcode 0xF', () => frame(0xf, 'x'), 1002],
    ['an unmasked text frame', () => frame(OP.text, publishNoAck, { mask: false }), 1002],
    ['an unmasked ping', () => frame(OP.ping, 'p', { mask: false }), 1002],
    ['an unmasked close frame', () => frame(OP.close, closePayload(1000), { mask: false }), 1002],
    ['a ping with a 126-byte payload', () => frame(OP.ping, Buffer.alloc(126, 0x61)), 1002],
    ['a pong with a 200-byte payload', () => frame(OP.pong, Buffer.alloc(200, 0x61)), 1002],
    ['a close frame with a 126-byte payload', () => frame(OP.close, closePayload(1000, 'r'.repeat(124))), 1002],
    ['a fragmented ping (FIN clear)', () => Buffer.concat([frame(OP.ping, 'a', { fin: false }), frame(OP.cont, 'b')]), 1002],
    ['a fragmented close (FIN clear)', () => frame(OP.close, closePayload(1000), { fin: false }), 1002],
    ['a continuation frame without a message', () => frame(OP.cont, 'x'), 1002],
    ['a non-final continuation frame without a message', () => frame(OP.cont, 'x', { fin: false }), 1002],
    ['a continuation frame after a complete message', () => Buffer.concat([frame(OP.text, publishNoAck), frame(OP.cont, 'x')]), 1002],
    ['a new text frame inside a fragmented message', () => Buffer.concat([frame(OP.text, '[16,', { fin: false }), frame(OP.text, '1,{},"t",[]]')]), 1002],
    ['a new binary frame inside a fragmented text message', () => Buffer.concat([frame(OP.text, '[16,', { fin: false }), frame(OP.binary, Buffer.from([1]))]), 1002],
    ['a new non-final text frame inside a fragmented message', () => Buffer.concat([frame(OP.text, '[16,', { fin: false }), frame(OP.ping, 'ok'), frame(OP.text, '1,', { fin: false })]), 1002],
    ...[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535].map((code) =>
      [`a close frame with the invalid code ${code}`, () => frame(OP.close, closePayload(code)), 1002]),
    ['a close frame with a 1-byte payload', () => frame(OP.close, Buffer.from([0x03])), 1002],
    ['a 64-bit frame length with its top bit set', () => frame(OP.text, '', { claimLength: 2n ** 63n + 5n, headerOnly: true }), 1002],
    ['a text message that is not UTF-8 (0xff)', () => frame(OP.text, textWith([0xff])), 1007],
    ['a text message with an overlong encoding', () => frame(OP.text, textWith([0xc0, 0xaf])), 1007],
    ['a text message with a UTF-16 surrogate', () => frame(OP.text, textWith([0xed, 0xa0, 0x80])), 1007],
    ['a text message with a code point above U+10FFFF', () => frame(OP.text, textWith([0xf4, 0x90, 0x80, 0x80])), 1007],
    ['a text message ending in a truncated sequence', () => frame(OP.text, Buffer.concat([Buffer.from(publishNoAck), Buffer.from([0xe2, 0x82])])), 1007],
    ['a fragmented text message whose middle fragment is not UTF-8', () => {
      const m = textWith([0xfe]);
      return Buffer.concat([frame(OP.text, m.subarray(0, 5), { fin: false }), frame(OP.cont, m.subarray(5, m.length - 4), { fin: false }), frame(OP.cont, m.subarray(m.length - 4))]);
    }, 1007],
    ['a fragmented text message ending in a truncated sequence', () =>
      Buffer.concat([frame(OP.text, publishNoAck, { fin: false }), frame(OP.cont, Buffer.from([0xf0, 0x9f, 0x98]))]), 1007],
    ['a close reason that is not UTF-8', () => frame(OP.close, closePayload(1000, Buffer.from([0x61, 0xff]))), 1007],
    ['a close reason with a truncated sequence', () => frame(OP.close, closePayload(4000, Buffer.from([0xe2, 0x82]))), 1007],
    ['a frame header announcing more than max_message_size (payload never sent)', () =>
      frame(OP.text, '', { claimLength: MAX_MESSAGE_SIZE + 1, headerOnly: true }), 1009],
    ['a binary frame of max_message_size + 1 on a json session', () => frame(OP.binary, Buffer.alloc(MAX_MESSAGE_SIZE + 1, 0x20)), 1009],
    ['fragments whose sum exceeds max_message_size', () => Buffer.concat([
      frame(OP.text, ' '.repeat(MAX_MESSAGE_SIZE / 2 + 1024), { fin: false }),
      frame(OP.ping, 'between'),
      frame(OP.cont, ' '.repeat(MAX_MESSAGE_SIZE / 4), { fin: false }),
      frame(OP.cont, ' '.repeat(MAX_MESSAGE_SIZE / 4)),
    ]), 1009],
  ];

  for (const [name, bytes, code] of cases) {
    test(`${name} -> close ${code}`, async () => {
      const c = await joinRaw(router);
      const sentAt = Date.now();
      c.send(bytes());
      // A pong for an interleaved valid ping may come first.
      const reason = await expectClose(c, code, name, { skipPongs: true });
      assert.ok(c.closedAt - sentAt < 2000, `${name}: TCP closed ${c.closedAt - sentAt} ms after the bad frame was sent`);
      assert.ok(reason.length > 0, `${name}: the close frame says why`);
      await h.assertStillServing(router);
    });
  }

  test('a protocol error before HELLO closes the same way', async () => {
    const c = await openRaw(router);
    c.send(frame(OP.text, JSON.stringify(HELLO), { rsv: 4 }));
    await expectClose(c, 1002, 'RSV1 on a HELLO');
    const d = await openRaw(router);
    d.send(frame(OP.text, Buffer.from([0x5b, 0xff, 0x5d])));
    await expectClose(d, 1007, 'non-UTF-8 text before HELLO');
    await h.assertStillServing(router);
    await h.assertStillServing(router, 'msgpack');
  });

  test('a msgpack session: binary fragments summing over max_message_size -> 1009, invalid UTF-8 in binary is not a WebSocket error', async () => {
    const c = await joinRaw(router, 'wamp.2.msgpack');
    c.send(frame(OP.binary, Buffer.alloc(MAX_MESSAGE_SIZE - 10), { fin: false }), frame(OP.cont, Buffer.alloc(11)));
    await expectClose(c, 1009, 'binary fragments over max_message_size');
    // Binary frames are not UTF-8 checked by the WebSocket layer: bytes 0xff inside a msgpack bin are fine.
    const d = await joinRaw(router, 'wamp.2.msgpack');
    await publishAcked(d, 'com.ws.bin', [Buffer.from([0xff, 0xfe, 0xc0, 0xaf])]);
    d.destroy();
    await h.assertStillServing(router, 'msgpack');
  });
});

describe('WebSocket handshake refusals', () => {
  let router;
  before(async () => { router = await h.startRouter(); });
  after(async () => stopRouter(router)());

  const headers = (extra) => ({
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Protocol': 'wamp.2.json',
    ...extra,
  });

  test('Sec-WebSocket-Version 8 -> 426 with Sec-WebSocket-Version: 13', async () => {
    for (const version of ['8', '12', '14']) {
      const res = await h.httpRequest(router.port, '/ws', {
        headers: headers({ 'Sec-WebSocket-Version': version, 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' }),
      });
      assert.equal(res.status, 426, `version ${version}: status`);
      assert.equal(res.headers['sec-websocket-version'], '13', `version ${version}: Sec-WebSocket-Version header`);
    }
    // The same through a real client speaking the old version.
    const c = h.rawWs(router.url, ['wamp.2.json'], { protocolVersion: 8 });
    await assert.rejects(c.opened, /unexpected HTTP 426/);
    await h.assertStillServing(router);
  });

  test('a missing or ill-sized Sec-WebSocket-Key -> 400', async () => {
    for (const key of [undefined, '', 'c2hvcnQ=', 'dGhlIHNhbXBsZSBub25jZQ==AAAA']) {
      const extra = { 'Sec-WebSocket-Version': '13' };
      if (key !== undefined) extra['Sec-WebSocket-Key'] = key;
      const res = await h.httpRequest(router.port, '/ws', { headers: headers(extra) });
      assert.equal(res.status, 400, `key ${JSON.stringify(key)}: status`);
    }
    await h.assertStillServing(router);
  });

  test('a correct handshake gets the RFC accept key (the RFC 6455 example nonce)', async () => {
    const res = await h.httpRequest(router.port, '/ws', {
      headers: headers({ 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' }),
    });
    assert.equal(res.status, 101);
    assert.equal(res.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    assert.equal(res.headers['sec-websocket-protocol'], 'wamp.2.json');
  });
});

describe('WebSocket large messages', () => {
  let router;
  const clients = [];
  before(async () => {
    router = await h.startRouter({ listener: { max_message_size: 4 * MiB } });
  });
  after(async () => {
    for (const c of clients) {
      if (c.connection && c.session && c.session.isOpen) c.connection.close();
      if (c.ws) c.ws.terminate();
    }
    await stopRouter(router)();
  });

  test('a 1 MiB PUBLISH (json string, acknowledged) reaches a raw ws subscriber intact', { timeout: 30000 }, async () => {
    const sub = await h.rawJoin(router.url, 'wamp.2.json');
    const pub = await h.rawJoin(router.url, 'wamp.2.json');
    clients.push(sub, pub);
    sub.sendMsg([32, 1, {}, 'com.ws.big']);
    const subscribed = (await sub.next()).msg;
    assert.equal(subscribed[0], 33);
    const big = crypto.randomBytes(768 * 1024).toString('base64');
    assert.equal(big.length, MiB);
    pub.sendMsg([16, 2, { acknowledge: true }, 'com.ws.big', [big], { sha: 'x' }]);
    const published = (await pub.next(10000)).msg;
    assert.deepEqual(published.slice(0, 2), [17, 2], `PUBLISHED expected: ${JSON.stringify(published).slice(0, 200)}`);
    const ev = (await sub.next(10000)).msg;
    assert.equal(ev[0], 36);
    assert.equal(ev[1], subscribed[2]);
    assert.equal(ev[4][0].length, MiB);
    assert.ok(ev[4][0] === big, '1 MiB argument intact');
    assert.deepEqual(ev[5], { sha: 'x' });
    // Small messages still work on both sessions, in both directions.
    pub.sendMsg([16, 3, { acknowledge: true }, 'com.ws.big', ['small']]);
    assert.deepEqual((await pub.next()).msg.slice(0, 2), [17, 3]);
    assert.deepEqual((await sub.next()).msg[4], ['small']);
    sub.sendMsg([16, 4, { acknowledge: true }, 'com.ws.other', ['tiny']]);
    assert.deepEqual((await sub.next()).msg.slice(0, 2), [17, 4]);
  });

  test('a 1 MiB binary PUBLISH on msgpack, twice, then small ones', { timeout: 30000 }, async () => {
    const sub = await h.rawJoin(router.url, 'wamp.2.msgpack');
    const pub = await h.rawJoin(router.url, 'wamp.2.msgpack');
    clients.push(sub, pub);
    sub.sendMsg([32, 1, {}, 'com.ws.bigbin']);
    const subscribed = (await sub.next()).msg;
    assert.equal(subscribed[0], 33);
    for (let i = 0; i < 2; i++) {
      const blob = crypto.randomBytes(MiB);
      pub.sendMsg([16, 10 + i, { acknowledge: true }, 'com.ws.bigbin', [blob]]);
      assert.deepEqual((await pub.next(10000)).msg.slice(0, 2), [17, 10 + i]);
      const ev = (await sub.next(10000)).msg;
      assert.equal(ev[0], 36);
      assert.ok(Buffer.isBuffer(ev[4][0]) && ev[4][0].equals(blob), `1 MiB binary argument #${i + 1} intact`);
    }
    pub.sendMsg([16, 20, { acknowledge: true }, 'com.ws.bigbin', [Buffer.from([1, 2, 3])]]);
    assert.deepEqual((await pub.next()).msg.slice(0, 2), [17, 20]);
    assert.deepEqual([...(await sub.next()).msg[4][0]], [1, 2, 3]);
  });

  test('a 1 MiB CALL argument and a 1 MiB result between Autobahn|JS clients (json caller, msgpack callee)', { timeout: 30000 }, async () => {
    const callee = await h.autobahnJoin({ url: router.url, serializer: 'msgpack' });
    const caller = await h.autobahnJoin({ url: router.url, serializer: 'json' });
    clients.push(callee, caller);
    const result = crypto.randomBytes(768 * 1024).toString('base64');
    const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');
    await callee.session.register('com.ws.big_call', (args) =>
      new h.autobahn.Result([result, sha(args[0]), args[0].length]));
    await callee.session.register('com.ws.small_call', (args) => args[0] + 1);
    const arg = crypto.randomBytes(768 * 1024).toString('base64');
    for (let i = 0; i < 2; i++) {
      const res = await caller.session.call('com.ws.big_call', [arg]);
      assert.equal(res.args[0].length, MiB);
      assert.ok(res.args[0] === result, '1 MiB result intact');
      assert.equal(res.args[1], sha(arg), '1 MiB argument intact at the callee');
      assert.equal(res.args[2], MiB);
    }
    assert.equal(await caller.session.call('com.ws.small_call', [41]), 42);
    assert.equal(await callee.session.call('com.ws.small_call', [1]), 2);
    await h.assertStillServing(router);
  });

  test('a 1 MiB message in 64 KiB fragments over a raw socket, received back through the 64-bit length form', { timeout: 30000 }, async () => {
    const sub = await joinRaw(router);
    const pub = await joinRaw(router);
    const subId = await subscribeRaw(sub, 'com.ws.frag');
    const big = crypto.randomBytes(768 * 1024).toString('base64');
    const msg = Buffer.from(JSON.stringify([16, 99, { acknowledge: true }, 'com.ws.frag', [big]]), 'utf8');
    const frames = [];
    for (let i = 0; i < msg.length; i += 65536) {
      const first = i === 0;
      const last = i + 65536 >= msg.length;
      frames.push(frame(first ? OP.text : OP.cont, msg.subarray(i, i + 65536), { fin: last }));
      if (i === 65536 * 8) frames.push(frame(OP.ping, 'mid'));
    }
    pub.send(...frames);
    const pong = await pub.nextFrame(10000);
    assert.equal(pong.opcode, OP.pong);
    assert.equal(pong.payload.toString(), 'mid');
    assert.deepEqual((await pub.nextMsg(10000)).slice(0, 2), [17, 99]);
    const ev = await sub.nextMsg(10000);
    assert.equal(ev[1], subId);
    assert.ok(ev[4][0] === big, '1 MiB fragmented argument intact');
    await publishAcked(pub, 'com.ws.frag', ['small after big']);
    assert.deepEqual((await sub.nextMsg())[4], ['small after big']);
    sub.destroy();
    pub.destroy();
  });
});

describe('WebSocket keep-alive', () => {
  const INTERVAL = 300;
  const TIMEOUT = 300;
  let router;
  before(async () => {
    router = await h.startRouter({ listener: { ping_interval_ms: INTERVAL, ping_timeout_ms: TIMEOUT } });
  });
  after(async () => stopRouter(router)());

  test('a ws client that answers pings stays connected for 2 s and its session still works', { timeout: 20000 }, async () => {
    const c = await h.rawJoin(router.url, 'wamp.2.json');
    let pings = 0;
    c.ws.on('ping', () => { pings++; });
    let closedEarly = null;
    c.closed.then((info) => { closedEarly = info; });
    await h.sleep(2000);
    assert.equal(closedEarly, null, `closed while answering pings: ${JSON.stringify(closedEarly)}`);
    assert.ok(pings >= 2, `the router pinged an idle client (${pings} pings in 2 s, interval ${INTERVAL} ms)`);
    c.sendMsg([16, 1, { acknowledge: true }, 'com.ws.alive', []]);
    assert.deepEqual((await c.next()).msg.slice(0, 2), [17, 1]);
    c.ws.close(1000);
    assert.equal((await h.withTimeout(c.closed, 5000, 'close')).code, 1000);
  });

  test('an Autobahn|JS session stays joined through the pings', { timeout: 20000 }, async () => {
    const c = await h.autobahnJoin({ url: router.url });
    await c.session.register('com.ws.alive.proc', () => 'yes');
    await h.sleep(2000);
    assert.equal(c.session.isOpen, true);
    assert.equal(await c.session.call('com.ws.alive.proc'), 'yes');
    c.connection.close();
    await h.withTimeout(c.closed, 5000, 'leave');
  });

  test('a raw client that answers pings with pongs by hand stays connected', { timeout: 20000 }, async () => {
    const c = await joinRaw(router);
    c.autoPong = true;
    await h.sleep(2000);
    assert.equal(c.closedAt, null, 'still connected');
    assert.ok(c.pings.length >= 2, `${c.pings.length} pings answered`);
    for (const p of c.pings) assert.equal(p.masked, false);
    await publishAcked(c, 'com.ws.alive', ['raw']);
    c.send(frame(OP.close, closePayload(1000)));
    await expectClose(c, 1000, 'close after the keep-alive period');
  });

  test('clients that never answer pings get a ping, then are dropped', { timeout: 20000 }, async () => {
    const joined = await joinRaw(router);
    const joinedAt = Date.now();
    const silent = await openRaw(router); // handshake done, no HELLO at all
    const silentAt = Date.now();
    await Promise.all([
      h.withTimeout(joined.closed, 5000, 'the router dropping a joined client that ignores pings'),
      h.withTimeout(silent.closed, 5000, 'the router dropping a client that sent nothing after the handshake'),
    ]);
    for (const [c, since, what] of [[joined, joinedAt, 'joined'], [silent, silentAt, 'no HELLO']]) {
      assert.ok(c.pings.length >= 1, `${what}: a ping (opcode 9) arrived before the drop`);
      assert.ok(c.pings[0].at <= c.closedAt, `${what}: the ping came before the close`);
      assert.ok(c.closedAt - since < 5000, `${what}: dropped after ${c.closedAt - since} ms`);
    }
    await waitForLog(router, new RegExp(`no answer to a keep-alive ping within ${TIMEOUT} ms`));
    await h.assertStillServing(router);
  });

  test('a 1 MiB message, an idle period (buffers shrink), then more messages', { timeout: 30000 }, async () => {
    const c = await h.rawJoin(router.url, 'wamp.2.json');
    const big = crypto.randomBytes(768 * 1024).toString('base64');
    for (let round = 0; round < 2; round++) {
      c.sendMsg([16, 10 + round, { acknowledge: true }, 'com.ws.idle', [big]]);
      assert.deepEqual((await c.next(10000)).msg.slice(0, 2), [17, 10 + round]);
      await h.sleep(INTERVAL * 3);
      c.sendMsg([16, 20 + round, { acknowledge: true }, 'com.ws.idle', ['small']]);
      assert.deepEqual((await c.next()).msg.slice(0, 2), [17, 20 + round]);
    }
    c.ws.close(1000);
    await h.withTimeout(c.closed, 5000, 'close');
  });
});
