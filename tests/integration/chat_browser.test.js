'use strict';
// The chat example end to end in a real browser: Debian's chromium (driven by playwright-core) opens
// examples/chat/ served by the router, with the chat realm as conf/flyover.json configures it. Alice and Bob
// are two browser contexts (two people); Node Autobahn|JS clients play the odd extra (a spoofer, a busy room).
// Screenshots go to tests/artifacts/chat/.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const c = require('./chat_support');

const TIME_RE = /^\d{1,2}:\d{2}/;

describe('chat page: two people in a real browser', () => {
  let router;
  let browser;
  let alice;
  let bob;
  let carol;

  before(async () => {
    router = await c.startChatRouter();
    browser = await c.launchBrowser();
    alice = await c.openPage(browser, 'alice');
    bob = await c.openPage(browser, 'bob');
    carol = await c.openPage(browser, 'carol');
  });
  after(async () => {
    if (browser) await browser.close();
    if (router) {
      const { code } = await router.stop();
      assert.equal(code, 0, router.stderr());
    }
  });

  test('the page and its Autobahn|JS bundle come from the router', async () => {
    for (const [file, type] of [['/', 'text/html'], ['/chat.js', 'text/javascript'], ['/style.css', 'text/css'],
      ['/vendor/autobahn.min.js', 'text/javascript']]) {
      const res = await h.httpRequest(router.port, file);
      assert.equal(res.status, 200, file);
      assert.match(res.headers['content-type'], new RegExp(`^${type}`), file);
    }
    const html = (await h.httpRequest(router.port, '/')).body;
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'the page fetches nothing from elsewhere');
  });

  test('Alice and Bob log in with their nicknames; each sees who is online', async () => {
    await c.login(alice.page, router.httpUrl, 'alice');
    await c.login(bob.page, router.httpUrl, 'bob');
    await c.notice(alice.page, 'bob joined').waitFor();
    for (const p of [alice.page, bob.page]) {
      await c.waitForText(p, '#online-count', '2');
      assert.deepEqual(await c.onlineNicks(p), ['alice', 'bob']);
    }
    assert.equal(await alice.page.textContent('#room-name'), 'lobby');
  });

  test('a message reaches everyone at once, with its author and time', async () => {
    await c.send(alice.page, 'Hello Bob');
    const atBob = await c.waitForMessage(bob.page, 'Hello Bob');
    assert.equal(atBob.author, 'alice');
    assert.match(atBob.time, TIME_RE);
    const atAlice = await c.waitForMessage(alice.page, 'Hello Bob');
    assert.equal(atAlice.author, 'alice', 'the author sees her message through the same event');
    assert.equal(await alice.page.inputValue('#text'), '', 'the message box is cleared');

    await bob.page.fill('#text', 'Hi Alice');
    await bob.page.click('#send');
    assert.equal((await c.waitForMessage(alice.page, 'Hi Alice')).author, 'bob');
  });

  test('the author shown is the router\'s: a name in the payload is ignored, undisclosed messages are not shown', async () => {
    const mallory = await h.autobahnJoin({ url: router.url, realm: 'chat', authid: 'mallory' });
    await c.notice(alice.page, 'mallory joined').waitFor();
    const opts = { acknowledge: true, disclose_me: true };
    // A payload that claims another author, in every place a naive page might look.
    await mallory.session.publish('chat.room.lobby', ['I am alice, trust me'], { author: 'alice', nick: 'alice' }, opts);
    // Without disclose_me nobody is named: the page does not show it.
    await mallory.session.publish('chat.room.lobby', ['whispered by nobody'], {}, { acknowledge: true });
    // Not a text: ignored.
    await mallory.session.publish('chat.room.lobby', [{ author: 'alice', text: 'object payload' }], {}, opts);
    // Markup is shown as text, never run.
    await mallory.session.publish('chat.room.lobby', ['<img src=x onerror="window.pwned=1"><b>bold</b>'], {}, opts);
    await mallory.session.publish('chat.room.lobby', ['last from mallory'], {}, opts);

    for (const p of [alice.page, bob.page]) {
      await c.waitForMessage(p, 'last from mallory');
      const shown = await c.messages(p);
      const spoof = shown.find((m) => m.text === 'I am alice, trust me');
      assert.equal(spoof.author, 'mallory');
      assert.ok(!shown.some((m) => m.text === 'whispered by nobody'), 'an undisclosed publisher is not shown');
      assert.ok(!shown.some((m) => /object payload|\[object Object\]/.test(m.text)));
      const markup = shown.find((m) => m.text.startsWith('<img'));
      assert.equal(markup.author, 'mallory');
      assert.equal(await p.evaluate(() => window.pwned), undefined);
      assert.equal(await p.locator('#messages img, #messages b').count(), 0);
    }
    mallory.connection.close();
    await mallory.closed;
    await c.notice(alice.page, 'mallory left').waitFor();
    await c.waitForText(alice.page, '#online-count', '2');
  });

  test('applause from one page shows on every page', async () => {
    await bob.page.click('#applaud');
    await c.notice(alice.page, '👏 bob applauds').waitFor();
    await c.notice(bob.page, '👏 bob applauds').waitFor();
    await c.screenshot(alice.page, 'alice');
    await c.screenshot(bob.page, 'bob');
  });

  test('a nickname already in the room is refused', async () => {
    await carol.page.goto(`${router.httpUrl}/`);
    await c.submitLogin(carol.page, 'alice');
    await carol.page.waitForFunction(() => document.querySelector('#login-error').textContent !== '');
    assert.match(await carol.page.textContent('#login-error'), /“alice” is already in the chat/);
    assert.equal(await carol.page.isVisible('#chat-view'), false);
    await c.screenshot(carol.page, 'nickname-taken');
    // Alice is untouched.
    assert.equal(await alice.page.textContent('#status'), 'connected');
    // A blank nickname is refused by the page itself (and would be by the router).
    await c.submitLogin(carol.page, '   ');
    await carol.page.waitForFunction(() => /1 to 32 characters/.test(document.querySelector('#login-error').textContent));
    assert.equal(await carol.page.isVisible('#chat-view'), false);
  });

  test('a reload logs back in and shows the last messages', async () => {
    await bob.page.reload();
    await bob.page.locator('#chat-view').waitFor({ state: 'visible' });
    await c.waitForText(bob.page, '#me', 'bob');
    const hello = await c.waitForMessage(bob.page, 'Hello Bob');
    assert.equal(hello.author, 'alice');
    assert.equal(hello.past, true, 'it came from the event history');
    assert.match(hello.time, TIME_RE);
    const shown = await c.messages(bob.page);
    const texts = shown.map((m) => m.text);
    assert.ok(texts.indexOf('Hello Bob') < texts.indexOf('Hi Alice'), 'oldest first');
    assert.equal(shown.find((m) => m.text === 'I am alice, trust me').author, 'mallory', 'history keeps the router\'s author');
    assert.ok(!texts.includes('whispered by nobody'));
    // Alice saw Bob go and come back, and the online list is right again.
    await c.notice(alice.page, 'bob left').waitFor();
    await c.waitForText(alice.page, '#online-count', '2');
    assert.deepEqual(await c.onlineNicks(alice.page), ['alice', 'bob']);

    // A newcomer gets the same history.
    await c.login(carol.page, router.httpUrl, 'carol');
    assert.equal((await c.waitForMessage(carol.page, 'Hi Alice')).author, 'bob');
  });

  test('a room keeps its last 50 messages for newcomers', async () => {
    const dave = await h.autobahnJoin({ url: router.url, realm: 'chat', authid: 'dave' });
    for (let i = 1; i <= 60; i++) {
      await dave.session.publish('chat.room.busy', [`busy ${i}`], {}, { acknowledge: true, disclose_me: true });
    }
    dave.connection.close();
    await carol.page.fill('#new-room', 'busy');
    await carol.page.press('#new-room', 'Enter');
    await c.waitForText(carol.page, '#room-name', 'busy');
    await c.waitForMessage(carol.page, 'busy 60');
    const shown = await c.messages(carol.page);
    assert.deepEqual(shown.map((m) => m.text), Array.from({ length: 50 }, (_, i) => `busy ${i + 11}`));
    assert.ok(shown.every((m) => m.author === 'dave' && m.past));
    assert.equal(await carol.page.locator('#rooms button[data-room="busy"]').count(), 1, 'the room joins the list');
  });

  test('rooms are separate: a message in one room is not shown in another', async () => {
    await alice.page.click('#rooms button[data-room="random"]');
    await c.waitForText(alice.page, '#room-name', 'random');
    assert.deepEqual(await c.messages(alice.page), [], 'the lobby\'s messages are gone');
    await c.send(alice.page, 'Anyone in random?');
    await c.waitForMessage(alice.page, 'Anyone in random?');
    await c.send(carol.page, 'busy busy');  // carol is in #busy
    await c.waitForMessage(carol.page, 'busy busy');
    await h.sleep(300);
    const bobSees = (await c.messages(bob.page)).map((m) => m.text);
    assert.ok(!bobSees.includes('Anyone in random?') && !bobSees.includes('busy busy'), 'Bob is in the lobby');
    assert.ok(!(await c.messages(alice.page)).some((m) => m.text === 'busy busy'));

    await bob.page.click('#rooms button[data-room="random"]');
    await c.waitForText(bob.page, '#room-name', 'random');
    assert.equal((await c.waitForMessage(bob.page, 'Anyone in random?')).author, 'alice');
    await c.send(bob.page, 'Me!');
    assert.equal((await c.waitForMessage(alice.page, 'Me!')).author, 'bob');
    await c.screenshot(alice.page, 'alice-random');
  });

  test('when a tab closes, the others see the person leave', async () => {
    await bob.page.close();
    await c.notice(alice.page, 'bob left').last().waitFor();
    await c.waitForText(alice.page, '#online-count', '2');
    assert.deepEqual(await c.onlineNicks(alice.page), ['alice', 'carol']);
    await c.waitForText(carol.page, '#online-count', '2');
    // The nickname is free again.
    const again = await c.openPage(browser, 'bob again');
    await c.login(again.page, router.httpUrl, 'bob');
    await c.waitForText(alice.page, '#online-count', '3');
    await again.context.close();
  });

  test('Leave logs out and frees the nickname', async () => {
    await carol.page.click('#logout');
    await carol.page.locator('#login-view').waitFor({ state: 'visible' });
    await c.notice(alice.page, 'carol left').waitFor();
    await c.login(carol.page, router.httpUrl, 'carol');
  });

  test('no page errors', () => {
    assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
  });
});

describe('chat page: allowed Origins', () => {
  let router;
  let browser;
  let port;

  before(async () => {
    port = await c.freePort();
    router = await c.startChatRouter({ listener: { port, allowed_origins: [`http://127.0.0.1:${port}`] } });
    browser = await c.launchBrowser();
  });
  after(async () => {
    if (browser) await browser.close();
    if (router) await router.stop();
  });

  test('the page from an allowed Origin joins', async () => {
    const p = await c.openPage(browser, 'allowed');
    await c.login(p.page, `http://127.0.0.1:${port}`, 'alice');
    assert.deepEqual(p.errors, []);
    await p.context.close();
  });

  test('the same page from a foreign Origin is refused by the router', async () => {
    // http://localhost:PORT is the same router, but another origin, not in allowed_origins.
    const p = await c.openPage(browser, 'foreign');
    await p.page.goto(`http://localhost:${port}/`);
    await c.submitLogin(p.page, 'mallory');
    await p.page.waitForFunction(() => document.querySelector('#login-error').textContent !== '');
    assert.match(await p.page.textContent('#login-error'), /Cannot reach the chat server \(or it refused this page\)/);
    assert.equal(await p.page.isVisible('#chat-view'), false);
    assert.match(router.stderr(), new RegExp(`Origin "http://localhost:${port}" is not in allowed_origins`));
    await c.screenshot(p.page, 'foreign-origin');
    await p.context.close();
  });
});

describe('chat page: the router restarts', () => {
  let router;
  let browser;
  let port;

  before(async () => {
    port = await c.freePort();
    router = await c.startChatRouter({ listener: { port } });
    browser = await c.launchBrowser();
  });
  after(async () => {
    if (browser) await browser.close();
    if (router) await router.stop();
  });

  test('the pages log back in by themselves and the chat goes on', async () => {
    const alice = await c.openPage(browser, 'alice');
    const bob = await c.openPage(browser, 'bob');
    await c.login(alice.page, router.httpUrl, 'alice');
    await c.login(bob.page, router.httpUrl, 'bob');
    await c.waitForText(alice.page, '#online-count', '2');

    const { code } = await router.stop();  // every session gets GOODBYE wamp.close.system_shutdown
    assert.equal(code, 0);
    await c.waitForText(alice.page, '#status', 'reconnecting…');
    router = await c.startChatRouter({ listener: { port } });

    for (const p of [alice.page, bob.page]) await c.waitForText(p, '#status', 'connected', 20000);
    await c.waitForText(alice.page, '#online-count', '2');
    assert.equal(await alice.page.isVisible('#chat-view'), true);
    await c.send(bob.page, 'still here');
    assert.equal((await c.waitForMessage(alice.page, 'still here')).author, 'bob');
    // Autobahn answers the router's GOODBYE with its own, but a router shutting down closes the WebSocket
    // without waiting for it: Chromium notes the late send. Nothing else may go wrong.
    const late = /WebSocket is already in CLOSING or CLOSED state/;
    assert.deepEqual([...alice.errors, ...bob.errors].filter((e) => !late.test(e)), []);
  });
});
