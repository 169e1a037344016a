'use strict';
// Issue 3: the command line and config validation. A broken config is reported with the file, the JSON path
// and what was expected, and the router refuses to start.

const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/// Matches a JSON path in any of the usual spellings: listeners[0].port, $.listeners[0].port,
/// /listeners/0/port (JSON pointer), listeners.0.port.
function jsonPathRe(parts) {
  const brackets = parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : (i ? '.' : '') + p)).join('');
  const pointer = '/' + parts.join('/');
  const dotted = parts.join('.');
  return new RegExp([brackets, pointer, dotted].map(escapeRe).join('|'));
}

function validConfig() {
  return h.makeConfig({ staticDir: h.makeTempDir('flyover-static-') });
}

function withListener(overrides) {
  const c = validConfig();
  Object.assign(c.listeners[0], overrides);
  return c;
}

function explain(r) {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

async function checkBroken(config, expectedPath) {
  const file = h.writeTempConfig(config);
  const r = await h.runFlyover(['--check-config', '--config', file]);
  assert.notEqual(r.code, 0, `--check-config must fail\n${explain(r)}`);
  assert.equal(r.signal, null, `--check-config crashed\n${explain(r)}`);
  assert.ok(r.stderr.includes(file), `stderr names the file ${file}\n${explain(r)}`);
  if (expectedPath) {
    assert.match(r.stderr, jsonPathRe(expectedPath), `stderr names the JSON path ${expectedPath.join('.')}\n${explain(r)}`);
    assert.match(r.stderr, /expected|must|should|unknown|twice|duplicate/i, `stderr says what was expected\n${explain(r)}`);
  }
  return r;
}

describe('command line', () => {
  test('--version prints the version and exits 0', async () => {
    const r = await h.runFlyover(['--version']);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /\d+\.\d+\.\d+/, explain(r));
    if (process.env.FLYOVER_EXPECTED_VERSION) {
      assert.ok(r.stdout.includes(process.env.FLYOVER_EXPECTED_VERSION), `version ${process.env.FLYOVER_EXPECTED_VERSION}\n${explain(r)}`);
    }
  });

  test('--help lists the options and exits 0', async () => {
    const r = await h.runFlyover(['--help']);
    assert.equal(r.code, 0, explain(r));
    for (const opt of ['--config', '--check-config', '--version', '--log-level']) {
      assert.ok(r.stdout.includes(opt), `--help mentions ${opt}\n${explain(r)}`);
    }
  });

  test('an unknown option is refused', async () => {
    const r = await h.runFlyover(['--no-such-option']);
    assert.notEqual(r.code, 0, explain(r));
    assert.match(r.stderr, /no-such-option/, explain(r));
  });
});

describe('--check-config', () => {
  test('a valid file exits 0', async () => {
    const file = h.writeTempConfig(validConfig());
    const r = await h.runFlyover(['--check-config', '--config', file]);
    assert.equal(r.code, 0, explain(r));
    assert.doesNotMatch(r.stdout, /listening on/, 'checking does not start listeners');
  });

  test('a file that is not JSON', async () => {
    const text = JSON.stringify(validConfig(), null, 2);
    await checkBroken(text.slice(0, text.length / 2));
  });

  test('a file that does not exist', async () => {
    const file = `${h.makeTempDir('flyover-conf-')}/missing.json`;
    const r = await h.runFlyover(['--check-config', '--config', file]);
    assert.notEqual(r.code, 0, explain(r));
    assert.ok(r.stderr.includes(file), `stderr names ${file}\n${explain(r)}`);
  });

  test('a port that is not a number', async () => {
    await checkBroken(withListener({ port: 'eighty' }), ['listeners', 0, 'port']);
  });

  test('a port out of range', async () => {
    await checkBroken(withListener({ port: 70000 }), ['listeners', 0, 'port']);
  });

  test('missing realms', async () => {
    const c = validConfig();
    delete c.realms;
    await checkBroken(c, ['realms']);
  });

  test('realms of the wrong type', async () => {
    const c = validConfig();
    c.realms = { name: 'realm1' };
    await checkBroken(c, ['realms']);
  });

  test('threads of the wrong type', async () => {
    const c = validConfig();
    c.threads = 'two';
    await checkBroken(c, ['threads']);
  });

  test('a realm without a name', async () => {
    const c = validConfig();
    c.realms.push({ anonymous: { enabled: true, role: 'anonymous' } });
    // Either the full path (realms[1].name) or the object's path with the missing key named.
    const r = await checkBroken(c);
    assert.ok(jsonPathRe(['realms', 1, 'name']).test(r.stderr) ||
      (jsonPathRe(['realms', 1]).test(r.stderr) && /\bname\b/.test(r.stderr)), `stderr names realms[1].name\n${explain(r)}`);
  });

  test('a realm defined twice', async () => {
    const c = validConfig();
    c.realms.push({ ...c.realms[0] });
    await checkBroken(c, ['realms', 1]);
  });

  test('an unknown top-level key (a typo) is an error, not ignored', async () => {
    const c = validConfig();
    c.listners = c.listeners;
    await checkBroken(c, ['listners']);
  });

  test('an unknown key inside a listener is an error, not ignored', async () => {
    await checkBroken(withListener({ max_mesage_size: 1024 }), ['listeners', 0, 'max_mesage_size']);
  });
});

describe('starting with a broken config', () => {
  test('the router refuses to start and says why', async () => {
    const file = h.writeTempConfig(withListener({ port: 'eighty' }));
    const r = await h.runFlyover(['--config', file]);
    assert.notEqual(r.code, 0, explain(r));
    assert.doesNotMatch(r.stdout, /listening on/, explain(r));
    assert.ok(r.stderr.includes(file), explain(r));
    assert.match(r.stderr, jsonPathRe(['listeners', 0, 'port']), explain(r));
  });
});
