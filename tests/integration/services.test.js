'use strict';
// Issue 7: the example backend services (C++ with Flyover's client, Python with Autobahn|Python, Node with
// Autobahn|JS) started against the real router and called from a client in another language; the C++ client's
// Pub/Sub against Autobahn|JS; cancel, timeout and errors as values end to end; and every service coming back
// after a router restart.
//
// The C++ binaries are found next to the router: FLYOVER_BIN is <build>/router/flyover, so the client CLI is
// <build>/client/flyover-client-cli and the calculator <build>/examples/services/cpp/flyover-example-calculator.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./harness');

const BUILD = path.resolve(path.dirname(h.FLYOVER_BIN), '..');
const CLI = path.join(BUILD, 'client', 'flyover-client-cli');
const CALCULATOR = path.join(BUILD, 'examples', 'services', 'cpp', 'flyover-example-calculator');
const PY_SERVICE = path.join(h.REPO, 'examples', 'services', 'python', 'text_service.py');
const NODE_SERVICE = path.join(h.REPO, 'examples', 'services', 'node', 'kv_store.js');

for (const bin of [CLI, CALCULATOR]) {
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} not found: build the flyover-client-cli and flyover-example-calculator targets ` +
      `in the same build directory as ${h.FLYOVER_BIN}`);
  }
}

// Services still running when the test process exits (a failed assertion skipped stop()) are killed by pid.
const services = new Set();
process.on('exit', () => {
  for (const s of services) {
    try { s.child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

/// Starts a long-running service process. Returns { child, exited, output(), waitFor(re, ms, nth), stop() } where
/// waitFor resolves once `re` matched `nth` lines of stdout, and stop() sends SIGTERM and resolves to
/// { code, signal, output } (SIGKILL after 10 s).
function startService(name, cmd, args) {
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: h.REPO,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
  });
  let out = '';
  let err = '';
  const waiters = [];
  const check = () => {
    for (const w of [...waiters]) {
      const matches = out.split('\n').filter((l) => w.re.test(l));
      if (matches.length >= w.nth) { waiters.splice(waiters.indexOf(w), 1); w.resolve(matches[w.nth - 1]); }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; check(); });
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const service = {
    child,
    exited,
    output: () => `--- ${name} stdout:\n${out}\n--- ${name} stderr:\n${err}`,
    waitFor(re, ms = 15000, nth = 1) {
      const p = new Promise((resolve) => { waiters.push({ re, nth, resolve }); check(); });
      return h.withTimeout(Promise.race([p, exited.then(({ code }) => {
        throw new Error(`${name} exited (code ${code}) while waiting for ${re}\n${service.output()}`);
      })]), ms, `${name}: ${re}`, service.output);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(timer);
      }
      services.delete(service);
      return { ...(await exited), output: service.output() };
    },
  };
  services.add(service);
  return service;
}

const startCalculator = (url, serializer) => startService('calculator', CALCULATOR, [url, 'realm1', serializer]);
const startPython = (url, serializer) => startService('text_service.py', h.PYTHON, ['-u', PY_SERVICE, url, 'realm1', serializer]);
const startNode = (url, serializer) => startService('kv_store.js', process.execPath, [NODE_SERVICE, url, 'realm1', serializer]);

/// Runs the C++ client CLI to completion: { code, lines (parsed JSON), stdout, stderr }.
async function cli(args, { timeout = 20000 } = {}) {
  const r = await h.runProcess(CLI, args.map(String), { timeout });
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => {
    try { return JSON.parse(l); } catch { return { unparsed: l }; }
  });
  return { ...r, lines };
}

/// The CLI's lines of one kind, and the single line of another.
const linesOf = (res, event) => res.lines.filter((l) => l.event === event);
function only(res, event) {
  const found = linesOf(res, event);
  assert.equal(found.length, 1, `one ${event} line expected:\n${res.stdout}\n${res.stderr}`);
  return found[0];
}

/// A C++ client call: resolves to the parsed result or call_error line, after checking the exit status.
async function cppCall(url, serializer, procedure, args = [], extra = []) {
  const res = await cli(['call', url, 'realm1', serializer, procedure, JSON.stringify(args), ...extra]);
  const result = linesOf(res, 'result')[0] || linesOf(res, 'call_error')[0];
  assert.ok(result, `no result line:\n${res.stdout}\n${res.stderr}`);
  assert.equal(res.code, result.event === 'result' ? 0 : 1, res.stdout + res.stderr);
  // Every call ends with a clean leave.
  assert.equal(only(res, 'left').reason, 'wamp.close.goodbye_and_out');
  return { ...result, progress: linesOf(res, 'progress').map((p) => p.args), lines: res.lines };
}

describe('Example services called from other languages', () => {
  let router;
  let calculator;
  let python;
  let node;
  const pool = h.sessionPool(() => router);
  const join = pool.join;

  before(async () => {
    router = await h.startRouter();
    calculator = startCalculator(router.url, 'msgpack');
    python = startPython(router.url, 'json');
    node = startNode(router.url, 'msgpack');
    await Promise.all([calculator, python, node].map((s) => s.waitFor(/: ready \(session \d+/)));
  });

  after(async () => {
    pool.closeAll();
    // Each service leaves cleanly on SIGTERM and says so.
    for (const [s, name] of [[calculator, 'calculator'], [python, 'text_service'], [node, 'kv_store']]) {
      if (!s) continue;
      const { code, output } = await s.stop();
      assert.equal(code, 0, output);
      assert.match(output, new RegExp(`${name}: stopped`), output);
    }
    const { code } = await router.stop();
    assert.equal(code, 0, router.stderr());
  });

  test('the C++ calculator, called from Autobahn|JS over JSON and MessagePack', async () => {
    for (const serializer of ['json', 'msgpack']) {
      const c = await join(serializer);
      assert.equal(await c.session.call('com.example.calc.add', [2, 3]), 5);
      assert.equal(await c.session.call('com.example.calc.add', [0.5, 0.25]), 0.75);
      assert.equal(await c.session.call('com.example.calc.mul', [-6, 7]), -42);
      assert.equal(await c.session.call('com.example.calc.div', [7, 2]), 3.5);
      assert.equal(await c.session.call('com.example.calc.div', [8, -2]), -4);
      // Large integers stay exact across both codecs.
      assert.equal(await c.session.call('com.example.calc.add', [2 ** 52, 1]), 2 ** 52 + 1);
    }
  });

  test('the C++ calculator answers application errors with their URI, args and kwargs', async () => {
    const c = await join('json');
    await assert.rejects(c.session.call('com.example.calc.div', [1, 0]), (e) => {
      assert.equal(e.error, 'com.example.calc.division_by_zero');
      assert.deepEqual(e.args, ['cannot divide by zero']);
      assert.deepEqual(e.kwargs, { dividend: 1 });
      return true;
    });
    await assert.rejects(c.session.call('com.example.calc.add', ['two', 3]),
      (e) => e.error === 'wamp.error.invalid_argument');
    await assert.rejects(c.session.call('com.example.calc.mul', [1]),
      (e) => e.error === 'wamp.error.invalid_argument');
  });

  test('progressive results from the C++ callee reach Autobahn|JS', async () => {
    const c = await join('msgpack');
    const progress = [];
    const result = await c.session.call('com.example.countdown', [3, 20], {}, { receive_progress: true })
      .then((r) => r, (e) => { throw e; }, (p) => progress.push(p));
    assert.deepEqual(progress, [3, 2, 1]);
    assert.equal(result, 'done');
    // Without receive_progress the caller only gets the final result.
    assert.equal(await c.session.call('com.example.countdown', [2, 10]), 'done');
  });

  test('an Autobahn|JS call timeout interrupts the C++ callee, which keeps serving', async () => {
    const c = await join('json');
    const started = Date.now();
    await assert.rejects(c.session.call('com.example.countdown', [100, 100], {}, { timeout: 300 }),
      (e) => e.error === 'wamp.error.timeout');
    assert.ok(Date.now() - started < 5000, 'the timeout fired long before the countdown would have ended');
    assert.equal(await c.session.call('com.example.calc.add', [1, 1]), 2);
  });

  test('the C++ client cancels a call in each mode; progressive results arrive before the cancel', async () => {
    for (const mode of ['skip', 'kill', 'killnowait']) {
      for (const serializer of ['json', 'msgpack']) {
        const res = await cppCall(router.url, serializer, 'com.example.countdown', [50, 100],
          ['--progress', '--cancel-after', 350, '--cancel-mode', mode]);
        assert.equal(res.event, 'call_error', `${mode}: ${JSON.stringify(res.lines)}`);
        assert.equal(res.error, 'wamp.error.canceled', mode);
        assert.ok(res.progress.length >= 1 && res.progress.length < 50, `${mode}: ${JSON.stringify(res.progress)}`);
        assert.deepEqual(res.progress[0], [50]);
        const cancel = res.lines.find((l) => l.event === 'cancel');
        assert.deepEqual(cancel, { event: 'cancel', mode, sent: true });
      }
    }
    const after = await cppCall(router.url, 'json', 'com.example.calc.mul', [6, 7]);
    assert.deepEqual(after.args, [42]);
  });

  test('the C++ client call timeout option: the router cancels with wamp.error.timeout', async () => {
    const res = await cppCall(router.url, 'msgpack', 'com.example.countdown', [100, 100], ['--timeout', 250]);
    assert.equal(res.error, 'wamp.error.timeout');
  });

  test('the Python service, called from the C++ client over JSON and MessagePack', async () => {
    for (const serializer of ['json', 'msgpack']) {
      const rev = await cppCall(router.url, serializer, 'com.example.text.reverse', ['flyover']);
      assert.deepEqual(rev.args, ['revoylf']);
      const upper = await cppCall(router.url, serializer, 'com.example.text.upper', ['ünïcödé ok']);
      assert.deepEqual(upper.args, ['ÜNÏCÖDÉ OK']);
      const stats = await cppCall(router.url, serializer, 'com.example.text.stats', ['two words\nand three more']);
      assert.deepEqual(stats.args, []);
      assert.deepEqual(stats.kwargs, { chars: 24, words: 5, lines: 2 });
      const empty = await cppCall(router.url, serializer, 'com.example.text.stats', ['']);
      assert.equal(empty.event, 'call_error');
      assert.equal(empty.error, 'com.example.text.empty');
      assert.deepEqual(empty.args, ['the text is empty']);
      const bad = await cppCall(router.url, serializer, 'com.example.text.reverse', [42]);
      assert.equal(bad.error, 'wamp.error.invalid_argument');
    }
  });

  test('progressive results from the Python callee reach the C++ caller', async () => {
    const res = await cppCall(router.url, 'msgpack', 'com.example.text.spell', ['wamp', 0.01], ['--progress']);
    assert.deepEqual(res.progress, [['w'], ['a'], ['m'], ['p']]);
    assert.deepEqual(res.args, ['wamp']);
  });

  test('the Node service, called from Autobahn|Python and from the C++ client', async () => {
    const set = await h.runPython('rpc_client.py', [router.url, 'realm1', 'json', 'call', 'com.example.kv.set',
      JSON.stringify({ args: ['color', { rgb: [1, 2, 3] }] })]);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(set.lines[0], { event: 'result', args: [null], kwargs: {}, progress: [] });

    const get = await h.runPython('rpc_client.py', [router.url, 'realm1', 'msgpack', 'call', 'com.example.kv.get',
      JSON.stringify({ args: ['color'] })]);
    assert.deepEqual(get.lines[0], { event: 'result', args: [{ rgb: [1, 2, 3] }], kwargs: {}, progress: [] });

    const missing = await h.runPython('rpc_client.py', [router.url, 'realm1', 'json', 'call', 'com.example.kv.get',
      JSON.stringify({ args: ['nope'] })]);
    assert.deepEqual(missing.lines[0], {
      event: 'call_error', error: 'com.example.kv.no_such_key', args: ['no value for key "nope"'], kwargs: { key: 'nope' },
    });

    const fromCpp = await cppCall(router.url, 'json', 'com.example.kv.get', ['color']);
    assert.deepEqual(fromCpp.args, [{ rgb: [1, 2, 3] }]);
    const cppMissing = await cppCall(router.url, 'msgpack', 'com.example.kv.get', ['nope']);
    assert.equal(cppMissing.error, 'com.example.kv.no_such_key');
    assert.deepEqual(cppMissing.kwargs, { key: 'nope' });
    const prev = await cppCall(router.url, 'msgpack', 'com.example.kv.set', ['color', 'blue']);
    assert.deepEqual(prev.args, [{ rgb: [1, 2, 3] }]);
    const keys = await cppCall(router.url, 'json', 'com.example.kv.keys');
    assert.deepEqual(keys.args, [['color']]);
  });

  test('the Node service publishes its changes; the C++ client receives them', async () => {
    const sub = startService('cli subscribe', CLI,
      ['subscribe', router.url, 'realm1', 'msgpack', 'com.example.kv.on_change', '--count', 2]);
    await sub.waitFor(/"event":"subscribed"/, 10000);
    await cppCall(router.url, 'json', 'com.example.kv.set', ['answer', 42]);
    await cppCall(router.url, 'json', 'com.example.kv.delete', ['answer']);
    // It exits by itself after its second event.
    const { code } = await h.withTimeout(sub.exited, 10000, 'the C++ subscriber to exit', sub.output);
    const { output } = await sub.stop();
    assert.equal(code, 0, output);
    const events = output.split('\n').filter((l) => l.startsWith('{')).map(JSON.parse).filter((l) => l.event === 'event');
    assert.deepEqual(events.map((e) => e.args), [['answer', 42], ['answer', null]]);
    assert.equal(events[0].topic, 'com.example.kv.on_change');
  });

  test('C++ client publish with acknowledge reaches an Autobahn|JS subscriber', async () => {
    const js = await join('json');
    let resolve;
    const got = new Promise((r) => { resolve = r; });
    await js.session.subscribe('com.example.cpp.news', (args, kwargs, details) => resolve({ args, kwargs, details }));
    const res = await cli(['publish', router.url, 'realm1', 'msgpack', 'com.example.cpp.news',
      JSON.stringify(['hello', { n: 1 }, [true, null]]), '--kwargs', JSON.stringify({ from: 'c++' }), '--ack']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const published = only(res, 'published');
    assert.ok(Number.isSafeInteger(published.publication) && published.publication >= 1, res.stdout);
    const ev = await h.withTimeout(got, 5000, 'event at Autobahn|JS');
    assert.deepEqual(ev.args, ['hello', { n: 1 }, [true, null]]);
    assert.deepEqual(ev.kwargs, { from: 'c++' });
    assert.equal(ev.details.publication, published.publication);
  });

  test('Autobahn|JS publications reach a C++ subscriber (prefix match), which then unsubscribes and leaves', async () => {
    const sub = startService('cli subscribe', CLI,
      ['subscribe', router.url, 'realm1', 'json', 'com.example.js', '--match', 'prefix', '--count', 2]);
    await sub.waitFor(/"event":"subscribed"/, 10000);
    const js = await join('msgpack');
    const p1 = await js.session.publish('com.example.js.one', [1], { a: 'b' }, { acknowledge: true });
    const p2 = await js.session.publish('com.example.js.two', ['x'], {}, { acknowledge: true });
    // It exits by itself after its second event.
    const { code } = await h.withTimeout(sub.exited, 10000, 'the C++ subscriber to exit', sub.output);
    const { output } = await sub.stop();
    assert.equal(code, 0, output);
    const lines = output.split('\n').filter((l) => l.startsWith('{')).map(JSON.parse);
    const events = lines.filter((l) => l.event === 'event');
    assert.deepEqual(events.map((e) => [e.topic, e.args, e.kwargs, e.publication]),
      [['com.example.js.one', [1], { a: 'b' }, p1.id], ['com.example.js.two', ['x'], {}, p2.id]]);
    assert.ok(lines.some((l) => l.event === 'unsubscribed'), output);
    assert.equal(lines.find((l) => l.event === 'left').reason, 'wamp.close.goodbye_and_out');
  });

  test('C++ client failures are error values with URIs: no callee, no realm, no WebSocket', async () => {
    const none = await cppCall(router.url, 'json', 'com.example.nobody');
    assert.equal(none.error, 'wamp.error.no_such_procedure');

    const realm = await cli(['call', router.url, 'no.such.realm', 'json', 'com.example.calc.add', '[1,2]']);
    assert.equal(realm.code, 2);
    assert.equal(only(realm, 'join_error').error, 'wamp.error.no_such_realm');

    const wrongPath = await cli(['call', `ws://127.0.0.1:${router.port}/not-the-ws-path`, 'realm1', 'json', 'x']);
    assert.equal(wrongPath.code, 2);
    assert.equal(only(wrongPath, 'join_error').error, 'flyover.error.connect_failed');
  });
});

describe('Example services survive a router restart', () => {
  test('each service reconnects with backoff and registers again', { timeout: 90000 }, async () => {
    let router = await h.startRouter();
    const port = router.port;
    const all = [
      [startCalculator(router.url, 'json'), 'com.example.calc.add', [20, 22], 42],
      [startPython(router.url, 'msgpack'), 'com.example.text.reverse', ['ab'], 'ba'],
      [startNode(router.url, 'json'), 'com.example.kv.keys', [], []],
    ];
    try {
      await Promise.all(all.map(([s]) => s.waitFor(/: ready \(session \d+/)));
      const callAll = async () => {
        const c = await h.autobahnJoin({ url: router.url, serializer: 'msgpack' });
        for (const [, procedure, args, expected] of all) {
          assert.deepEqual(await c.session.call(procedure, args), expected, procedure);
        }
        c.connection.close();
      };
      await callAll();
      // A 100-second countdown is running in the calculator when the router goes away: the end of the session
      // interrupts it, so the calculator can still stop promptly at the end.
      const caller = await h.autobahnJoin({ url: router.url, serializer: 'json' });
      // (Autobahn|JS leaves this promise pending when the router goes away, so nobody awaits it.)
      caller.session.call('com.example.countdown', [1000, 100]).catch(() => {});
      await h.sleep(200);

      // The router shuts down (GOODBYE wamp.close.system_shutdown to every service), then comes back on the port.
      const stopped = await router.stop();
      assert.equal(stopped.code, 0, stopped.stderr);
      router = await h.startRouter({ listener: { port } });
      await Promise.all(all.map(([s]) => s.waitFor(/: ready \(session \d+/, 30000, 2)));
      await callAll();
      assert.match(all[0][0].output(), /calculator: session ended \(wamp\.close\.system_shutdown/);
    } finally {
      const results = [];
      for (const [s] of all) results.push(await s.stop());
      await router.stop();
      // Every service left on SIGTERM by itself (exit 0), none had to be killed.
      for (const r of results) assert.equal(r.code, 0, r.output);
    }
  });
});
