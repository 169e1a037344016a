'use strict';
// Issue 5: routed RPC through real clients — Autobahn|JS and Autobahn|Python as callers and callees over mixed
// serializers — plus raw WebSocket clients for the features neither Autobahn exposes (progressive call
// invocations, call timeouts with a callee that never answers).

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

describe('RPC through Autobahn|JS and Autobahn|Python', () => {
  let router;
  let pyCallee;
  const pool = h.sessionPool(() => router);
  const join = pool.join;
  before(async () => {
    router = await h.startRouter();
    pyCallee = h.spawnPython('rpc_client.py', [router.url, 'realm1', 'msgpack', 'callee', 'com.py', 30], { timeout: 120000 });
    await pyCallee.waitForLine((l) => l.event === 'ready', 15000);
  });
  after(async () => {
    pool.closeAll();
    pyCallee.child.kill('SIGTERM');
    const { code } = await router.stop();
    assert.equal(code, 0, router.stderr());
  });

  test('WELCOME announces the dealer features that work', async () => {
    const c = await join('json');
    const features = c.details.roles.dealer.features;
    for (const f of ['progressive_call_results', 'call_canceling', 'call_timeout', 'caller_identification',
      'pattern_based_registration', 'shared_registration']) {
      assert.equal(features[f], true, `dealer feature ${f}: ${JSON.stringify(features)}`);
    }
  });

  test('a JSON Autobahn|JS caller calls a msgpack Autobahn|Python callee', async () => {
    const c = await join('json');
    assert.equal(await c.session.call('com.py.add2', [20, 22]), 42);
    const echo = await c.session.call('com.py.echo', ['a', { b: [1, 2] }], { k: 'v' });
    assert.deepEqual(echo.args, ['a', { b: [1, 2] }]);
    assert.deepEqual(echo.kwargs, { k: 'v' });
  });

  test('an Autobahn|Python JSON caller calls a msgpack Autobahn|JS callee, binary included', async () => {
    const callee = await join('msgpack');
    await callee.session.register('com.js.concat', (args, kwargs) =>
      new h.autobahn.Result([args[0] + kwargs.suffix, args[1]], { len: args[1].length }));
    const res = await h.runPython('rpc_client.py', [router.url, 'realm1', 'json', 'call', 'com.js.concat',
      JSON.stringify({ args: ['left'], kwargs: { suffix: '-right' }, binary_hex: 'deadbeef' })]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.lines[0], { event: 'result', args: ['left-right', { hex: 'deadbeef' }], kwargs: { len: 4 }, progress: [] });
  });

  test('errors: no_such_procedure, procedure_already_exists, invalid_uri', async () => {
    const c = await join('msgpack');
    await assert.rejects(c.session.call('com.nobody.home'), (e) => e.error === 'wamp.error.no_such_procedure');
    await c.session.register('com.js.taken', () => 1);
    const other = await join('json');
    await assert.rejects(other.session.register('com.js.taken', () => 2), (e) => e.error === 'wamp.error.procedure_already_exists');
    await assert.rejects(other.session.register('com.js.bad#uri', () => 2), (e) => e.error === 'wamp.error.invalid_uri');
    await assert.rejects(other.session.call('com..bad'), (e) => e.error === 'wamp.error.invalid_uri');
    const reg = await other.session.register('com.js.mine', () => 3);
    assert.equal(await c.session.call('com.js.mine'), 3);
    await other.session.unregister(reg);
    await assert.rejects(c.session.call('com.js.mine'), (e) => e.error === 'wamp.error.no_such_procedure');
    // (Autobahn|JS refuses a second unregister itself; no_such_registration is checked with a raw client below.)
  });

  test('an application error reaches the caller with its URI, args and kwargs', async () => {
    const c = await join('json');
    await assert.rejects(c.session.call('com.py.fail'), (e) => {
      assert.equal(e.error, 'com.example.error.oops');
      assert.deepEqual(e.args, [1, 2]);
      assert.deepEqual(e.kwargs, { detail: 'x' });
      return true;
    });
    const res = await h.runPython('rpc_client.py', [router.url, 'realm1', 'json', 'call', 'com.js.thrower', '{}']);
    assert.equal(res.lines[0].error, 'wamp.error.no_such_procedure');
    const callee = await join('msgpack');
    await callee.session.register('com.js.thrower', () => { throw new h.autobahn.Error('com.example.error.js', ['a'], { b: 1 }); });
    const res2 = await h.runPython('rpc_client.py', [router.url, 'realm1', 'json', 'call', 'com.js.thrower', '{}']);
    assert.deepEqual(res2.lines[0], { event: 'call_error', error: 'com.example.error.js', args: ['a'], kwargs: { b: 1 } });
  });

  test('progressive call results: progress then the final result', async () => {
    const c = await join('msgpack');
    const progress = [];
    const result = await c.session.call('com.py.countdown', [3], {}, { receive_progress: true })
      .then((r) => r, (e) => { throw e; }, (p) => progress.push(p));
    assert.equal(result, 'done');
    assert.deepEqual(progress, [3, 2, 1]);
    // Autobahn|Python as the caller of an Autobahn|JS progressive callee.
    const callee = await join('json');
    await callee.session.register('com.js.stream', (args, kwargs, details) => {
      for (let i = 1; i <= 3; ++i) details.progress([i * 10]);
      return 'end';
    });
    const res = await h.runPython('rpc_client.py', [router.url, 'realm1', 'msgpack', 'call', 'com.js.stream',
      JSON.stringify({ progress: true, options: { } })]);
    assert.deepEqual(res.lines[0], { event: 'result', args: ['end'], kwargs: {}, progress: [[10], [20], [30]] });
  });

  test('caller identification with disclose_me', async () => {
    const c = await join('json');
    const who = await c.session.call('com.py.whoami', [], {}, { disclose_me: true });
    assert.equal(who.caller, c.session.id);
    assert.equal(who.caller_authid, c.details.authid);
    assert.equal(who.caller_authrole, 'anonymous');
  });

  test('pattern-based registrations: exact beats prefix beats wildcard; details.procedure', async () => {
    const callee = await join('msgpack');
    await callee.session.register('com.pat', (a, k, d) => ['prefix', d.procedure], { match: 'prefix' });
    await callee.session.register('com.pat..get', (a, k, d) => ['wildcard', d.procedure], { match: 'wildcard' });
    await callee.session.register('com.pat.x.get', (a, k, d) => ['exact', d.procedure]);
    const c = await join('json');
    // (Autobahn|JS fills details.procedure with the registered URI when the router sends none.)
    assert.deepEqual(await c.session.call('com.pat.x.get'), ['exact', 'com.pat.x.get']);
    assert.deepEqual(await c.session.call('com.pat.y.get'), ['prefix', 'com.pat.y.get']);
    assert.deepEqual(await c.session.call('com.pat.z'), ['prefix', 'com.pat.z']);
    const onlyWildcard = await join('json');
    await onlyWildcard.session.register('org.w..get', (a, k, d) => ['wildcard', d.procedure], { match: 'wildcard' });
    assert.deepEqual(await c.session.call('org.w.q.get'), ['wildcard', 'org.w.q.get']);
  });

  test('shared registrations: roundrobin alternates callees; a different policy is refused', async () => {
    const a = await join('json');
    const b = await join('msgpack');
    await a.session.register('com.shared.rr', () => 'a', { invoke: 'roundrobin' });
    await b.session.register('com.shared.rr', () => 'b', { invoke: 'roundrobin' });
    const c = await join('json');
    const answers = [];
    for (let i = 0; i < 6; ++i) answers.push(await c.session.call('com.shared.rr'));
    assert.deepEqual(answers, ['a', 'b', 'a', 'b', 'a', 'b']);
    // Crossbar's URI for a conflicting invocation policy.
    await assert.rejects(c.session.register('com.shared.rr', () => 'c', { invoke: 'random' }),
      (e) => e.error === 'wamp.error.procedure_exists_with_different_invocation_policy');
    await assert.rejects(c.session.register('com.shared.rr', () => 'c'),
      (e) => e.error.startsWith('wamp.error.procedure_'));
    await c.session.register('com.shared.single', () => 's');
    await assert.rejects(a.session.register('com.shared.single', () => 'a'),
      (e) => e.error === 'wamp.error.procedure_already_exists');
  });

  test('1,000 concurrent calls are all answered with their own results', { timeout: 60000 }, async () => {
    const callee = await join('msgpack');
    await callee.session.register('com.js.double', (args) => new Promise((r) => setImmediate(() => r(args[0] * 2))));
    const callers = [await join('json'), await join('msgpack')];
    const calls = [];
    for (let i = 0; i < 1000; ++i) calls.push(callers[i % 2].session.call('com.js.double', [i]).then((r) => [i, r]));
    const results = await h.withTimeout(Promise.all(calls), 30000, '1000 calls');
    for (const [i, r] of results) assert.equal(r, i * 2);
  });

  test('call canceling: kill waits for the callee\'s answer; killnowait interrupts an Autobahn|Python callee', async () => {
    // kill: an Autobahn|JS caller, a raw callee that answers INTERRUPT with ERROR (Autobahn|Python 22.7 on
    // Python 3.11 cancels its task but never sends that ERROR, so it cannot stand in here).
    const callee = h.rawWs(router.url, ['wamp.2.json']);
    await callee.opened;
    callee.sendMsg([1, 'realm1', { roles: { callee: { features: { call_canceling: true } } } }]);
    assert.equal((await callee.next()).msg[0], 2);
    callee.sendMsg([64, 1, {}, 'com.raw.killable']);
    assert.equal((await callee.next()).msg[0], 65);
    const c = await join('json');
    const killed = c.session.call('com.raw.killable');
    const inv = (await callee.next()).msg;
    killed.cancel({ mode: 'kill' });
    const interrupt = (await callee.next()).msg;
    assert.deepEqual([interrupt[0], interrupt[1], interrupt[2].mode], [69, inv[1], 'kill']);
    callee.sendMsg([8, 68, inv[1], {}, 'wamp.error.canceled', ['stopped by request']]);
    await assert.rejects(killed, (e) => e.error === 'wamp.error.canceled' && e.args[0] === 'stopped by request');
    callee.ws.close();

    // killnowait (raw caller, since Autobahn|JS drops its own record of such a call): the Python callee's
    // coroutine is cancelled.
    const caller = h.rawWs(router.url, ['wamp.2.msgpack']);
    await caller.opened;
    caller.sendMsg([1, 'realm1', { roles: { caller: { features: { call_canceling: true } } } }]);
    assert.equal((await caller.next()).msg[0], 2);
    caller.sendMsg([48, 9, {}, 'com.py.slow', [20]]);
    await h.sleep(150);
    caller.sendMsg([49, 9, { mode: 'killnowait' }]);
    const err = (await caller.next()).msg;
    assert.deepEqual([err[0], err[2], err[4]], [8, 9, 'wamp.error.canceled']);
    await pyCallee.waitForLine((l) => l.event === 'interrupted');
    caller.ws.close();
    assert.equal(await c.session.call('com.py.add2', [1, 1]), 2, 'the Python callee still serves');
  });

  test('a callee killed mid-call fails the call instead of hanging', { timeout: 30000 }, async () => {
    const doomed = h.spawnPython('rpc_client.py', [router.url, 'realm1', 'json', 'callee', 'com.doomed', 60]);
    await doomed.waitForLine((l) => l.event === 'ready');
    const c = await join('msgpack');
    const pending = c.session.call('com.doomed.slow');
    await h.sleep(200);
    doomed.child.kill('SIGKILL');
    await assert.rejects(h.withTimeout(pending, 10000, 'call to a killed callee'), (e) => typeof e.error === 'string' && e.error.startsWith('wamp.error.'));
    await assert.rejects(c.session.call('com.doomed.add2', [1, 2]), (e) => e.error === 'wamp.error.no_such_procedure');
  });
});

describe('RPC features through raw WebSocket clients', () => {
  let router;
  before(async () => { router = await h.startRouter(); });
  after(async () => {
    const { code } = await router.stop();
    assert.equal(code, 0, router.stderr());
  });

  const CALLEE_ROLES = { callee: { features: { call_canceling: true, progressive_call_invocations: true } }, caller: {} };

  async function rawSession(protocol, roles) {
    const c = h.rawWs(router.url, [protocol]);
    await h.withTimeout(c.opened, 5000, 'open');
    c.sendMsg([1, 'realm1', { roles: roles || { caller: { features: { progressive_call_invocations: true } }, callee: {} } }]);
    const { msg } = await c.next();
    assert.equal(msg[0], 2, JSON.stringify(msg));
    return c;
  }

  test('call timeout: the router cancels a call the callee never answers', async () => {
    const callee = await rawSession('wamp.2.msgpack', CALLEE_ROLES);
    callee.sendMsg([64, 1, {}, 'com.raw.never']);
    assert.equal((await callee.next()).msg[0], 65);
    const caller = await rawSession('wamp.2.json');
    caller.sendMsg([48, 7, { timeout: 300 }, 'com.raw.never', [1]]);
    const inv = (await callee.next()).msg;
    assert.equal(inv[0], 68);
    const started = Date.now();
    const err = (await caller.next(5000)).msg;
    assert.equal(err[0], 8);
    assert.equal(err[1], 48);
    assert.equal(err[2], 7);
    assert.ok(['wamp.error.canceled', 'wamp.error.timeout'].includes(err[4]), JSON.stringify(err));
    assert.ok(Date.now() - started < 3000);
    const interrupt = (await callee.next()).msg;
    assert.equal(interrupt[0], 69, 'the callee is told to stop');
    assert.equal(interrupt[1], inv[1]);
    callee.sendMsg([70, inv[1], {}, ['too late']]);  // dropped by the router
    caller.sendMsg([48, 8, {}, 'com.raw.missing']);
    assert.equal((await caller.next()).msg[4], 'wamp.error.no_such_procedure', 'the late YIELD produced nothing');
    caller.ws.close();
    callee.ws.close();
  });

  for (const mode of ['skip', 'killnowait']) {
    test(`call canceling with mode ${mode}: ERROR canceled at once; INTERRUPT only for killnowait`, async () => {
      const callee = await rawSession('wamp.2.json', CALLEE_ROLES);
      callee.sendMsg([64, 1, {}, `com.raw.cancel.${mode}`]);
      assert.equal((await callee.next()).msg[0], 65);
      const caller = await rawSession('wamp.2.msgpack');
      caller.sendMsg([48, 3, {}, `com.raw.cancel.${mode}`]);
      const inv = (await callee.next()).msg;
      assert.equal(inv[0], 68);
      caller.sendMsg([49, 3, { mode }]);
      const err = (await caller.next()).msg;
      assert.deepEqual([err[0], err[1], err[2], err[4]], [8, 48, 3, 'wamp.error.canceled']);
      if (mode === 'killnowait') {
        const interrupt = (await callee.next()).msg;
        assert.deepEqual([interrupt[0], interrupt[1], interrupt[2].mode], [69, inv[1], 'killnowait']);
      } else {
        await assert.rejects(callee.next(300), /timed out/, 'skip sends no INTERRUPT');
      }
      callee.sendMsg([70, inv[1], {}, ['late']]);  // dropped: the caller already has its answer
      caller.sendMsg([66, 4, 123456789]);
      const unreg = (await caller.next()).msg;
      assert.deepEqual([unreg[0], unreg[1], unreg[4]], [8, 66, 'wamp.error.no_such_registration'], 'no RESULT slipped in');
      caller.ws.close();
      callee.ws.close();
    });
  }

  test('registration revocation: force_reregister takes a procedure over and revokes the old callee', async () => {
    const roles = { callee: { features: { registration_revocation: true } }, caller: {} };
    const old = await rawSession('wamp.2.json', roles);
    old.sendMsg([64, 1, {}, 'com.raw.takeover']);
    const [, , oldReg] = (await old.next()).msg;
    const fresh = await rawSession('wamp.2.msgpack', roles);
    fresh.sendMsg([64, 1, { force_reregister: true }, 'com.raw.takeover']);
    const registered = (await fresh.next()).msg;
    assert.equal(registered[0], 65, JSON.stringify(registered));
    const revoked = (await old.next()).msg;
    assert.deepEqual([revoked[0], revoked[1], revoked[2].registration, revoked[2].reason],
      [67, 0, oldReg, 'wamp.error.unregistered']);
    const caller = await rawSession('wamp.2.json');
    caller.sendMsg([48, 5, {}, 'com.raw.takeover']);
    const inv = (await fresh.next()).msg;
    assert.equal(inv[0], 68, 'the new callee is invoked');
    fresh.sendMsg([70, inv[1], {}, ['new owner']]);
    assert.deepEqual((await caller.next()).msg.slice(0, 4), [50, 5, {}, ['new owner']]);
    for (const c of [old, fresh, caller]) c.ws.close();
  });

  test("one session's PUBLISH and CALL reach the realm in the order sent", async () => {
    // With one I/O thread calls are routed inline and publications through the realm's strand: a CALL must
    // still wait for the PUBLISH sent before it, so the session that gets both sees the EVENT first.
    const both = await rawSession('wamp.2.msgpack', { subscriber: {}, callee: {} });
    both.sendMsg([32, 1, {}, 'com.raw.order']);
    assert.equal((await both.next()).msg[0], 33);
    both.sendMsg([64, 2, {}, 'com.raw.order.check']);
    assert.equal((await both.next()).msg[0], 65);
    const sender = await rawSession('wamp.2.json');
    for (let i = 0; i < 20; i++) {
      sender.sendMsg([16, 100 + i, {}, 'com.raw.order', [i]]);
      sender.sendMsg([48, 200 + i, {}, 'com.raw.order.check', [i]]);
      const first = (await both.next()).msg;
      const second = (await both.next()).msg;
      assert.deepEqual([first[0], first[4]], [36, [i]], `round ${i}: EVENT first, got ${JSON.stringify(first)}`);
      assert.deepEqual([second[0], second[4]], [68, [i]], `round ${i}: then INVOCATION, got ${JSON.stringify(second)}`);
      both.sendMsg([70, second[1], {}, [i]]);
      assert.deepEqual((await sender.next()).msg.slice(0, 4), [50, 200 + i, {}, [i]]);
    }
    both.ws.close();
    sender.ws.close();
  });

  test('progressive call invocations stream CALLs into one invocation', async () => {
    const callee = await rawSession('wamp.2.json', CALLEE_ROLES);
    callee.sendMsg([64, 1, {}, 'com.raw.upload']);
    assert.equal((await callee.next()).msg[0], 65);
    const caller = await rawSession('wamp.2.msgpack');
    caller.sendMsg([48, 11, { progress: true }, 'com.raw.upload', ['chunk1']]);
    const first = (await callee.next()).msg;
    assert.equal(first[0], 68);
    assert.equal(first[3].progress, true);
    caller.sendMsg([48, 11, { progress: true }, 'com.raw.upload', ['chunk2']]);
    caller.sendMsg([48, 11, {}, 'com.raw.upload', ['last']]);
    const second = (await callee.next()).msg;
    const third = (await callee.next()).msg;
    assert.equal(second[1], first[1], 'same invocation');
    assert.deepEqual(second[4], ['chunk2']);
    assert.equal(third[1], first[1]);
    assert.deepEqual(third[4], ['last']);
    assert.ok(!third[3].progress, 'the final chunk is not progressive');
    callee.sendMsg([70, first[1], {}, ['got 3 chunks']]);
    const result = (await caller.next()).msg;
    assert.deepEqual([result[0], result[1], result[3]], [50, 11, ['got 3 chunks']]);
    caller.ws.close();
    callee.ws.close();
  });
});

describe('calls in flight are bounded per session (session_limits.pending_calls)', () => {
  let router;
  before(async () => {
    router = await h.startRouter({
      config: { session_limits: { write_queue_messages: 10000, write_queue_bytes: 16 * 1024 * 1024, pending_calls: 5 } },
    });
  });
  after(async () => {
    const { code } = await router.stop();
    assert.equal(code, 0, router.stderr());
  });

  test('a callee that reads but never answers: the call beyond the limit fails, the session stays, answers free places', async () => {
    const callee = await h.autobahnJoin({ url: router.url, serializer: 'msgpack' });
    const caller = await h.autobahnJoin({ url: router.url, serializer: 'json' });
    const held = [];
    await callee.session.register('com.js.stuck', () => new Promise((resolve) => held.push(resolve)));
    const calls = [];
    for (let i = 0; i < 5; i++) calls.push(caller.session.call('com.js.stuck', [i]));
    await h.waitFor(() => held.length === 5, 5000, 'the callee holds 5 invocations');
    await assert.rejects(caller.session.call('com.js.stuck', [5]), (e) =>
      e.error === 'flyover.error.too_many_pending_calls' && /5 calls in flight/.test(e.args[0]));
    assert.ok(caller.session.isOpen && callee.session.isOpen, 'both sessions stay open');

    held[0]('first');
    assert.equal(await calls[0], 'first');
    const again = caller.session.call('com.js.stuck', ['again']);
    await h.waitFor(() => held.length === 6, 5000, 'the freed place takes a new call');
    held.slice(1).forEach((resolve, i) => resolve(`answer ${i + 1}`));
    assert.deepEqual(await Promise.all([...calls.slice(1), again]),
      ['answer 1', 'answer 2', 'answer 3', 'answer 4', 'answer 5']);
    caller.connection.close();
    callee.connection.close();
  });

  test('a second caller is refused when the callee it would reach holds the limit', async () => {
    const callee = await h.autobahnJoin({ url: router.url, serializer: 'json' });
    const held = [];
    // Invocations from different connections arrive in any order: each answer echoes its caller's argument.
    await callee.session.register('com.js.full', (args) => new Promise((resolve) => held.push(() => resolve(args[0]))));
    const callers = [];
    for (let i = 0; i < 5; i++) callers.push(await h.autobahnJoin({ url: router.url, serializer: 'msgpack' }));
    const calls = callers.map((c, i) => c.session.call('com.js.full', [i]));
    await h.waitFor(() => held.length === 5, 5000, 'the callee holds 5 invocations');
    const late = await h.autobahnJoin({ url: router.url, serializer: 'msgpack' });
    await assert.rejects(late.session.call('com.js.full'), (e) =>
      e.error === 'flyover.error.too_many_pending_calls' && /callee/.test(e.args[0]));
    held.forEach((answer) => answer());
    assert.deepEqual(await Promise.all(calls), [0, 1, 2, 3, 4]);
    for (const c of [...callers, late, callee]) c.connection.close();
  });
});
