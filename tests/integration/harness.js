'use strict';
// Integration harness: starts the real flyover binary on 127.0.0.1 with a throw-away config, and gives the
// tests real clients to talk to it (Autobahn|JS, Autobahn|Python, raw WebSocket/TCP/HTTP for bad input).
//
// Every router a test starts is stopped by pid (SIGTERM, then SIGKILL after a timeout); never by name.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

// Autobahn|JS logs every connection close with console.warn (bound when it loads); the tests assert on
// closes, so those lines are noise. FLYOVER_TEST_VERBOSE=1 keeps them.
if (!process.env.FLYOVER_TEST_VERBOSE) {
  const warn = console.warn;
  const noise = /^(connection closed|auto-reconnect disabled!|giving up trying to auto-reconnect)/;
  console.warn = (...args) => { if (!(typeof args[0] === 'string' && noise.test(args[0]))) warn(...args); };
}
const autobahn = require('autobahn');
const WebSocket = require('ws');

const REPO = path.resolve(__dirname, '..', '..');
const FLYOVER_BIN = process.env.FLYOVER_BIN || path.join(REPO, 'build', 'router', 'flyover');
const PYTHON = '/usr/bin/python3';
const PYTHON_DIR = path.join(__dirname, 'python');

const LISTENING_RE = /flyover listening on http:\/\/([0-9.]+):(\d+) \(WebSocket at (\S+)\)/;

// Routers still running when the test process exits (a failed assertion skipped stop()) are killed by pid.
const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

function makeTempDir(prefix = 'flyover-it-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/// The config a test router runs with: port 0 on 127.0.0.1, realm1 open to anonymous, absolute paths.
/// `listener` and `config` are shallow overrides; `realms` replaces the realm list.
function makeConfig({ staticDir, listener = {}, realms, config = {} } = {}) {
  return {
    // CTest runs the routing suites with 2 and with 1 I/O thread (tests/integration/CMakeLists.txt).
    threads: Number(process.env.FLYOVER_TEST_THREADS || 2),
    log_level: 'info',
    listeners: [{
      address: '127.0.0.1',
      port: 0,
      websocket_path: '/ws',
      static_dir: staticDir,
      allowed_origins: ['*'],
      max_message_size: 16 * 1024 * 1024,
      ping_interval_ms: 30000,
      ping_timeout_ms: 10000,
      handshake_timeout_ms: 10000,
      ...listener,
    }],
    realms: realms || [{ name: 'realm1', anonymous: { enabled: true, role: 'anonymous' } }],
    session_limits: { write_queue_messages: 10000, write_queue_bytes: 16 * 1024 * 1024 },
    ...config,
  };
}

/// Writes `text` (a string, or an object serialized as JSON) to a fresh temp file; returns its path.
function writeTempConfig(text, name = 'flyover.json') {
  const dir = makeTempDir('flyover-conf-');
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof text === 'string' ? text : JSON.stringify(text, null, 2));
  return file;
}

/// Runs the flyover binary with `args` to completion (for --check-config, --version, --help).
function runFlyover(args, { timeout = 10000 } = {}) {
  return runProcess(FLYOVER_BIN, args, { timeout });
}

function runProcess(cmd, args, { timeout = 10000, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env || process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${timeout} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeout);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

/// Starts a router. Options: realms, listener (overrides), config (top-level overrides), staticDir (absolute;
/// default: a temp dir with a small index.html), args (extra command-line arguments), startTimeout.
/// Resolves to { port, url, httpUrl, pid, configPath, stdout(), stderr(), exited, stop() } once the router
/// printed its "listening on" line.
async function startRouter(opts = {}) {
  const tmp = makeTempDir();
  let staticDir = opts.staticDir;
  if (!staticDir) {
    staticDir = path.join(tmp, 'static');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>flyover test</title>\n');
  }
  const config = makeConfig({ staticDir, listener: opts.listener, realms: opts.realms, config: opts.config });
  const configPath = path.join(tmp, 'flyover.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));

  if (!fs.existsSync(FLYOVER_BIN)) {
    throw new Error(`flyover binary not found at ${FLYOVER_BIN} (set FLYOVER_BIN or build first)`);
  }
  const child = spawn(FLYOVER_BIN, ['--config', configPath, ...(opts.args || [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { err += d; });

  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { running.delete(child); resolve({ code, signal }); });
  });

  const startTimeout = opts.startTimeout || 10000;
  const listening = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`router did not print its "listening on" line within ${startTimeout} ms\n` +
        `config: ${configPath}\nstdout:\n${out}\nstderr:\n${err}`));
    }, startTimeout);
    child.stdout.on('data', (d) => {
      out += d;
      const m = LISTENING_RE.exec(out);
      if (m) { clearTimeout(timer); resolve({ host: m[1], port: Number(m[2]), wsPath: m[3] }); }
    });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`router exited before listening (code ${code}, signal ${signal})\n` +
        `config: ${configPath}\nstdout:\n${out}\nstderr:\n${err}`));
    });
  }).catch((e) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw e;
  });

  const { host, port, wsPath } = listening;
  let stopped = null;
  return {
    port,
    host,
    pid: child.pid,
    configPath,
    staticDir,
    url: `ws://${host}:${port}${wsPath}`,
    httpUrl: `http://${host}:${port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    /// SIGTERM to this router's pid, wait for it to exit (SIGKILL after `timeout` ms).
    /// Resolves to { code, signal, killed, stderr }.
    stop({ timeout = 10000, signal = 'SIGTERM' } = {}) {
      if (stopped) return stopped;
      stopped = (async () => {
        let killed = false;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill(signal);
          const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, timeout);
          await exited;
          clearTimeout(timer);
        }
        const result = await exited;
        fs.rmSync(tmp, { recursive: true, force: true });
        return { ...result, killed, stderr: err };
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Autobahn|JS

function serializerFor(name) {
  if (name === 'json') return new autobahn.serializer.JSONSerializer();
  if (name === 'msgpack') return new autobahn.serializer.MsgpackSerializer();
  throw new Error(`unknown serializer ${name}`);
}

/// Opens an Autobahn|JS connection with exactly one serializer and no retries. Returns
/// { connection, opened, closed } where `opened` resolves to { session, details } on WELCOME (and rejects if
/// the connection closes first) and `closed` resolves to { reason, details } when onclose fires.
function autobahnConnect({ url, realm = 'realm1', serializer = 'json', ...extra }) {
  const connection = new autobahn.Connection({
    url,
    realm,
    serializers: [serializerFor(serializer)],
    max_retries: 0,
    retry_if_unreachable: false,
    ...extra,
  });
  let resolveOpen;
  let rejectOpen;
  let resolveClose;
  const opened = new Promise((res, rej) => { resolveOpen = res; rejectOpen = rej; });
  const closed = new Promise((res) => { resolveClose = res; });
  opened.catch(() => {}); // a caller that only awaits `closed` must not see an unhandled rejection
  connection.onopen = (session, details) => resolveOpen({ session, details });
  connection.onclose = (reason, details) => {
    resolveClose({ reason, details });
    const e = new Error(`connection closed before join: ${reason} ${JSON.stringify(details)}`);
    e.reason = reason;
    e.details = details;
    rejectOpen(e);
    return true; // never retry
  };
  connection.open();
  return { connection, opened, closed };
}

/// Joins, or throws; resolves to { connection, session, details, closed }.
async function autobahnJoin(opts, timeout = 10000) {
  const c = autobahnConnect(opts);
  const { session, details } = await withTimeout(c.opened, timeout, 'Autobahn|JS join');
  return { connection: c.connection, session, details, closed: c.closed };
}

/// The Autobahn|JS sessions of a test suite: `join(serializer)` joins one to the router `routerOf()` returns
/// and keeps it; `closeAll()` (in the suite's `after`) closes those still open.
function sessionPool(routerOf) {
  const clients = [];
  return {
    async join(serializer) {
      const c = await autobahnJoin({ url: routerOf().url, serializer });
      clients.push(c);
      return c;
    },
    closeAll() {
      for (const c of clients) if (c.session.isOpen) c.connection.close();
    },
  };
}

/// A fresh Autobahn|JS client can join and leave: the router is still serving.
async function assertStillServing(router, serializer = 'json') {
  const c = await autobahnJoin({ url: router.url, serializer });
  c.connection.close();
  const { details } = await withTimeout(c.closed, 10000, 'Autobahn|JS leave');
  if (details.reason !== 'wamp.close.goodbye_and_out') {
    throw new Error(`router still serving, but leave ended with ${JSON.stringify(details)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Autobahn|Python (Debian python3-autobahn, /usr/bin/python3)

/// Starts a Python client script from tests/integration/python. Returns { child, lines, waitForLine(pred),
/// done } where `lines` are the JSON objects printed so far on stdout and `done` resolves to
/// { code, signal, stdout, stderr, lines }.
function spawnPython(script, args = [], { timeout = 20000 } = {}) {
  const scriptPath = path.isAbsolute(script) ? script : path.join(PYTHON_DIR, script);
  const child = spawn(PYTHON, ['-u', scriptPath, ...args.map(String)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  let stdout = '';
  let stderr = '';
  let buffered = '';
  const lines = [];
  const waiters = [];
  child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      let obj;
      try { obj = JSON.parse(line); } catch { obj = { unparsed: line }; }
      lines.push(obj);
      for (const w of [...waiters]) {
        if (w.pred(obj)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(obj); }
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
  const done = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of waiters) w.reject(new Error(`python exited (code ${code}) before the expected line\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      resolve({ code, signal, stdout, stderr, lines });
    });
  });
  function waitForLine(pred, ms = 10000) {
    const found = lines.find(pred);
    if (found) return Promise.resolve(found);
    return withTimeout(new Promise((resolve, reject) => waiters.push({ pred, resolve, reject })), ms,
      `python line from ${script}`, () => `stdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  return { child, lines, waitForLine, done };
}

/// Runs a Python script to completion: { code, stdout, stderr, lines }.
function runPython(script, args = [], { timeout = 20000 } = {}) {
  return spawnPython(script, args, { timeout }).done;
}

// ---------------------------------------------------------------------------------------------------------
// Raw clients for bad input

/// A raw `ws` client offering exactly `protocols`. Returns { ws, opened, closed, next(timeout) } where
/// `next` resolves to the next message decoded per the negotiated subprotocol ({ data, isBinary, msg }),
/// and `closed` resolves to { code, reason }.
function rawWs(url, protocols = ['wamp.2.json'], wsOptions = {}) {
  const ws = new WebSocket(url, protocols, wsOptions);
  const queue = [];
  const waiters = [];
  let closeInfo = null;
  const msgpack = new autobahn.serializer.MsgpackSerializer();
  ws.on('message', (data, isBinary) => {
    let msg;
    try {
      msg = isBinary ? msgpack.unserialize(data) : JSON.parse(data.toString('utf8'));
    } catch (e) {
      msg = { undecodable: String(e) };
    }
    const item = { data, isBinary, msg };
    if (waiters.length) waiters.shift().resolve(item); else queue.push(item);
  });
  const opened = new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws.protocol));
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => reject(new Error(`unexpected HTTP ${res.statusCode}`)));
  });
  opened.catch(() => {});
  ws.on('error', () => {}); // reported through opened/closed
  const closed = new Promise((resolve) => {
    ws.on('close', (code, reason) => {
      closeInfo = { code, reason: reason.toString('utf8') };
      for (const w of waiters.splice(0)) w.reject(Object.assign(new Error(`closed (${code}) while waiting for a message`), closeInfo));
      resolve(closeInfo);
    });
  });
  function next(ms = 5000) {
    if (queue.length) return Promise.resolve(queue.shift());
    if (closeInfo) return Promise.reject(Object.assign(new Error(`closed (${closeInfo.code}) while waiting for a message`), closeInfo));
    return withTimeout(new Promise((resolve, reject) => waiters.push({ resolve, reject })), ms, 'WebSocket message');
  }
  const encode = (msg) => (ws.protocol === 'wamp.2.msgpack' ? Buffer.from(msgpack.serialize(msg)) : JSON.stringify(msg));
  /// Sends a WAMP message encoded per the negotiated subprotocol.
  function sendMsg(msg) { ws.send(encode(msg), { binary: ws.protocol === 'wamp.2.msgpack' }); }
  return { ws, opened, closed, next, sendMsg, encode, msgpack };
}

const HELLO_DETAILS = { roles: { publisher: {}, subscriber: {}, caller: {}, callee: {} } };

/// rawWs + HELLO + WELCOME; resolves to the raw client and the WELCOME message.
async function rawJoin(url, protocol = 'wamp.2.json', realm = 'realm1') {
  const c = rawWs(url, [protocol]);
  await withTimeout(c.opened, 5000, 'WebSocket open');
  c.sendMsg([1, realm, HELLO_DETAILS]);
  const { msg } = await c.next();
  if (!Array.isArray(msg) || msg[0] !== 2) throw new Error(`expected WELCOME, got ${JSON.stringify(msg)}`);
  return { ...c, welcome: msg };
}

/// Opens a WebSocket by hand over TCP (for sending broken frames). Resolves to { socket, response } once the
/// 101 arrived; `response` is the raw HTTP response head.
function rawUpgrade(port, { path: wsPath = '/ws', protocol = 'wamp.2.json', host = '127.0.0.1' } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let head = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no upgrade response: ${head}`)); }, 5000);
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.on('connect', () => {
      socket.write(
        `GET ${wsPath} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') + '\r\n');
    });
    const onData = (d) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve({ socket, response: head.slice(0, end) });
      }
    };
    socket.on('data', onData);
  });
}

/// A client-to-server WebSocket frame (masked), FIN set. `opcode` 1 text, 2 binary, 8 close.
function wsFrame(payload, opcode = 1) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const mask = crypto.randomBytes(4);
  let header;
  if (data.length < 126) {
    header = Buffer.from([0x80 | opcode, 0x80 | data.length]);
  } else if (data.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode; header[1] = 0x80 | 126; header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode; header[1] = 0x80 | 127; header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i] ^ mask[i % 4];
  return Buffer.concat([header, mask, masked]);
}

/// A plain HTTP request with the path sent byte for byte (no URL normalization, unlike fetch).
/// Resolves to { status, headers, body }.
function httpRequest(port, rawPath, { method = 'GET', headers = {}, host = '127.0.0.1', timeout = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: rawPath, headers, agent: false });
    req.setTimeout(timeout, () => req.destroy(new Error(`HTTP ${method} ${rawPath} timed out`)));
    req.on('error', reject);
    // A server that accepts an upgrade answers 101 instead of a response: report it as such.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.end();
  });
}

/// Sends exactly `bytes` on a fresh TCP connection and collects whatever comes back until the server closes.
/// Resolves to { data, closedAfterMs } or rejects after `timeout` ms if the server keeps it open.
function tcpExchange(port, bytes, { timeout = 10000, host = '127.0.0.1' } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, host);
    const chunks = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server kept the connection open for ${timeout} ms`));
    }, timeout);
    socket.on('connect', () => { if (bytes && bytes.length) socket.write(bytes); });
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {}); // a reset counts as closed
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closedAfterMs: Date.now() - started });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------

function withTimeout(promise, ms, what, extra) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}` +
        (extra ? `\n${extra()}` : ''))), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Resolves once `pred()` is true, checking every 10 ms; rejects naming `what` (a string, or a function giving
/// one at that moment) after `ms`.
async function waitFor(pred, ms, what) {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${typeof what === 'function' ? what() : what}`);
    await sleep(10);
  }
}

module.exports = {
  REPO,
  FLYOVER_BIN,
  PYTHON,
  HELLO_DETAILS,
  autobahn,
  WebSocket,
  makeConfig,
  makeTempDir,
  writeTempConfig,
  runFlyover,
  runProcess,
  startRouter,
  autobahnConnect,
  autobahnJoin,
  sessionPool,
  assertStillServing,
  spawnPython,
  runPython,
  rawWs,
  rawJoin,
  rawUpgrade,
  wsFrame,
  httpRequest,
  tcpExchange,
  withTimeout,
  sleep,
  waitFor,
};
