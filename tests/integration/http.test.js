'use strict';
// Issue 3: the HTTP side of a listener: static files from static_dir, /health, and no way out of static_dir.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./harness');

const SECRET = 'this file lives outside static_dir and must never be served';

describe('HTTP', () => {
  let router;
  let tmp;
  const files = {
    'index.html': '<!doctype html><title>index</title><p>flyover index page</p>\n',
    'app.js': 'console.log("flyover app.js");\n',
    'style.css': 'body { color: #123456; }\n',
    'sub/page.html': '<!doctype html><title>sub page</title>\n',
  };

  before(async () => {
    tmp = h.makeTempDir('flyover-http-');
    const staticDir = path.join(tmp, 'static');
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(staticDir, name)), { recursive: true });
      fs.writeFileSync(path.join(staticDir, name), content);
    }
    fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
    fs.writeFileSync(path.join(tmp, 'flyover-secret.json'), JSON.stringify({ secret: SECRET }));
    router = await h.startRouter({ staticDir });
  });
  after(async () => {
    const { code, signal } = await router.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.equal(signal, null, `router died from ${signal}\n${router.stderr()}`);
    assert.equal(code, 0, `router exit code\n${router.stderr()}`);
  });

  test('GET / serves index.html as text/html', async () => {
    const res = await h.httpRequest(router.port, '/');
    assert.equal(res.status, 200);
    assert.equal(res.body, files['index.html']);
    assert.match(res.headers['content-type'] || '', /^text\/html\b/);
  });

  for (const [url, type] of [
    ['/index.html', /^text\/html\b/],
    ['/app.js', /^(text|application)\/javascript\b/],
    ['/style.css', /^text\/css\b/],
    ['/sub/page.html', /^text\/html\b/],
  ]) {
    test(`GET ${url} with its content type`, async () => {
      const res = await h.httpRequest(router.port, url);
      assert.equal(res.status, 200, `${url}: ${res.body}`);
      assert.equal(res.body, files[url.slice(1)]);
      assert.match(res.headers['content-type'] || '', type, `${url}: Content-Type ${res.headers['content-type']}`);
      assert.equal(Number(res.headers['content-length']), Buffer.byteLength(files[url.slice(1)]));
    });
  }

  test('a missing file is 404', async () => {
    for (const url of ['/missing.html', '/sub/missing.js', '/nope/']) {
      const res = await h.httpRequest(router.port, url);
      assert.equal(res.status, 404, `${url}`);
    }
  });

  test('paths that try to leave static_dir never serve the file outside it', async () => {
    const attempts = [
      '/../secret.txt',
      '/sub/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt',
      '/sub%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/.%2e/secret.txt',
      '/%252e%252e/secret.txt',
      '/../flyover-secret.json',
      '/..',
      '/%00../secret.txt',
    ];
    for (const url of attempts) {
      const res = await h.httpRequest(router.port, url);
      assert.ok(!res.body.includes(SECRET), `${url} served the secret file (status ${res.status})`);
      assert.ok([400, 404].includes(res.status), `${url}: status ${res.status}, expected 400 or 404`);
    }
    // An absolute path outside the tree, and a request target that is not a path at all.
    for (const url of [`/${path.join(tmp, 'secret.txt')}`, `//${path.join(tmp, 'secret.txt')}`]) {
      const res = await h.httpRequest(router.port, url);
      assert.ok(!res.body.includes(SECRET), `${url} served the secret file (status ${res.status})`);
      assert.ok([400, 404].includes(res.status), `${url}: status ${res.status}, expected 400 or 404`);
    }
  });

  test('GET /health is 200 with a small JSON body', async () => {
    const res = await h.httpRequest(router.port, '/health');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] || '', /^application\/json\b/);
    assert.ok(res.body.length < 4096, `health body is small (${res.body.length} bytes)`);
    const body = JSON.parse(res.body);
    assert.equal(typeof body, 'object');
    assert.notEqual(body, null);
  });

  test('the router keeps serving WAMP next to HTTP', async () => {
    await h.assertStillServing(router);
  });
});
