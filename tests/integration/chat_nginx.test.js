'use strict';
// The chat behind a reverse proxy: Debian's nginx, run on loopback with examples/nginx/flyover-chat.conf (only its
// ports substituted), in front of the router; chromium talks to nginx only. Between nginx and the router a byte
// relay records the requests nginx makes, to check what it passes on (Upgrade, Connection, X-Forwarded-For,
// Origin). The router only admits pages from the proxy's Origin, as a production setup would.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const c = require('./chat_support');

describe('chat page through nginx', () => {
  let router;
  let relay;
  let nginx;
  let browser;
  let alice;
  let bob;
  let nginxPort;

  before(async () => {
    nginxPort = await c.freePort();
    router = await c.startChatRouter({ listener: { allowed_origins: [`http://127.0.0.1:${nginxPort}`] } });
    relay = await c.recordingRelay(router.port);
    nginx = await c.startNginx({ port: nginxPort, upstreamPort: relay.port });
    browser = await c.launchBrowser();
    alice = await c.openPage(browser, 'alice');
    bob = await c.openPage(browser, 'bob');
  });
  after(async () => {
    if (browser) await browser.close();
    if (nginx) await nginx.stop();
    if (relay) await relay.close();
    if (router) {
      const { code } = await router.stop();
      assert.equal(code, 0, router.stderr());
    }
  });

  test('nginx serves the page and the Autobahn|JS bundle from the router', async () => {
    const page = await h.httpRequest(nginx.port, '/');
    assert.equal(page.status, 200, nginx.log());
    assert.match(page.body, /Flyover chat/);
    const bundle = await h.httpRequest(nginx.port, '/vendor/autobahn.min.js');
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers['content-type'], /^text\/javascript/);
    assert.ok(bundle.body.length > 100000, 'the whole bundle came through');
  });

  test('Alice and Bob chat through the proxy', async () => {
    await c.login(alice.page, nginx.url, 'alice');
    await c.login(bob.page, nginx.url, 'bob');
    await c.notice(alice.page, 'bob joined').waitFor();
    await c.waitForText(bob.page, '#online-count', '2');
    await c.send(alice.page, 'Hello through nginx');
    assert.equal((await c.waitForMessage(bob.page, 'Hello through nginx')).author, 'alice');
    await c.send(bob.page, 'Loud and clear');
    assert.equal((await c.waitForMessage(alice.page, 'Loud and clear')).author, 'bob');
    await alice.page.click('#applaud');
    await c.notice(bob.page, '👏 alice applauds').waitFor();
    await c.screenshot(alice.page, 'nginx-alice');
    await c.screenshot(bob.page, 'nginx-bob');
  });

  test('nginx upgrades the WebSocket and passes on Origin and X-Forwarded-For', () => {
    const upgrades = relay.heads.filter((r) => r.requestLine.startsWith('GET /ws '));
    assert.ok(upgrades.length >= 2, JSON.stringify(relay.heads));
    for (const { headers } of upgrades) {
      assert.equal(headers.upgrade.toLowerCase(), 'websocket');
      assert.match(headers.connection, /upgrade/i);
      assert.equal(headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(headers.origin, `http://127.0.0.1:${nginxPort}`);
      assert.match(headers['sec-websocket-protocol'], /wamp\.2\.json/);
    }
    const page = relay.heads.find((r) => r.requestLine.startsWith('GET / '));
    assert.equal(page.headers['x-forwarded-for'], '127.0.0.1');
  });

  test('a reload through the proxy shows the history', async () => {
    await bob.page.reload();
    await c.waitForText(bob.page, '#me', 'bob');
    const m = await c.waitForMessage(bob.page, 'Hello through nginx');
    assert.equal(m.author, 'alice');
    assert.equal(m.past, true);
  });

  test('a closed tab behind the proxy leaves the room', async () => {
    await c.waitForText(alice.page, '#online-count', '2');
    await bob.page.close();
    await c.notice(alice.page, 'bob left').last().waitFor();
    await c.waitForText(alice.page, '#online-count', '1');
    assert.deepEqual(await c.onlineNicks(alice.page), ['alice']);
  });

  test('the router itself, reached directly, refuses the page: only the proxy\'s Origin is allowed', async () => {
    const direct = await c.openPage(browser, 'direct');
    await direct.page.goto(`${router.httpUrl}/`);
    await c.submitLogin(direct.page, 'mallory');
    await direct.page.waitForFunction(() => document.querySelector('#login-error').textContent !== '');
    assert.match(await direct.page.textContent('#login-error'), /Cannot reach the chat server/);
    assert.match(router.stderr(), new RegExp(`Origin "${router.httpUrl}" is not in allowed_origins`));
    await direct.context.close();
  });

  test('no page errors', () => {
    assert.deepEqual([...alice.errors, ...bob.errors], []);
  });
});
