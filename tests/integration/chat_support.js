'use strict';
// Helpers for the chat example's end-to-end tests: a router serving examples/chat/ with the chat realm exactly as
// conf/flyover.json configures it, Debian's chromium driven by playwright-core, the page's controls, and an
// nginx instance on loopback built from examples/nginx/flyover-chat.conf.
//
// Every process started here (router, chromium, nginx) is stopped by its own handle or pid, never by name.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const h = require('./harness');

const CHAT_DIR = path.join(h.REPO, 'examples', 'chat');
const NGINX_TEMPLATE = path.join(h.REPO, 'examples', 'nginx', 'flyover-chat.conf');
const ARTIFACTS = path.join(h.REPO, 'tests', 'artifacts', 'chat');
const CHROMIUM = '/usr/bin/chromium';
const NGINX = '/usr/sbin/nginx';

/// The page loads vendor/autobahn.min.js, which scripts/install-deps copies from npm autobahn-browser. A test run
/// straight from a checkout (without install-deps) gets the same copy here.
function ensureAutobahnBundle() {
  const bundle = path.join(h.REPO, 'node_modules', 'autobahn-browser', 'autobahn.min.js');
  const vendored = path.join(CHAT_DIR, 'vendor', 'autobahn.min.js');
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing: run scripts/install-deps`);
  if (!fs.existsSync(vendored) || !fs.readFileSync(vendored).equals(fs.readFileSync(bundle))) {
    fs.mkdirSync(path.dirname(vendored), { recursive: true });
    fs.copyFileSync(bundle, vendored);
  }
}

/// The `chat` realm from conf/flyover.json, so that the tests run the shipped configuration.
function chatRealmFromConf() {
  const conf = JSON.parse(fs.readFileSync(path.join(h.REPO, 'conf', 'flyover.json'), 'utf8'));
  const realm = conf.realms.find((r) => r.name === 'chat');
  if (!realm) throw new Error('conf/flyover.json has no "chat" realm');
  return realm;
}

/// A router serving examples/chat/ with the shipped chat realm; `listener` overrides listener keys.
async function startChatRouter({ listener = {} } = {}) {
  ensureAutobahnBundle();
  return h.startRouter({ realms: [chatRealmFromConf()], staticDir: CHAT_DIR, listener });
}

/// A free TCP port on 127.0.0.1 (for a listener whose port must be known before it starts).
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Chromium

/// Debian's chromium, headless, with a fresh profile (playwright makes a temporary user-data-dir per launch).
/// The background-networking flags keep Chromium from calling home, which this machine's closed network refuses.
async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-deps`);
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/// A page in its own browser context (its own cookies and storage: another person). `errors` collects uncaught
/// page errors and console errors, which a test expects to stay empty.
async function openPage(browser, name) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`${name}: page error: ${e.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`${name}: console: ${msg.text()}`); });
  page.setDefaultTimeout(10000);
  return { name, context, page, errors };
}

/// Opens the chat page at `baseUrl` and logs in; resolves once the page shows the chat with `nick` online.
async function login(page, baseUrl, nick, room = 'lobby') {
  await page.goto(`${baseUrl}/`);
  await submitLogin(page, nick, room);
  await page.locator('#chat-view').waitFor({ state: 'visible' });
  await waitForText(page, '#me', nick);
  await onlineEntry(page, nick).waitFor();
}

/// Fills in and submits the login form (no waiting for the outcome).
async function submitLogin(page, nick, room = 'lobby') {
  await page.fill('#nick', nick);
  await page.fill('#login-room', room);
  await page.click('#login-button');
}

/// Types a message and presses Enter.
async function send(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

/// The shown messages as { author, text, time, past } in page order.
function messages(page) {
  return page.$$eval('#messages li.message', (items) => items.map((li) => ({
    author: li.querySelector('.author').textContent,
    text: li.querySelector('.text').textContent,
    time: li.querySelector('time').textContent,
    past: li.classList.contains('past'),
  })));
}

/// The message li showing exactly `text` (whoever the author).
function messageWithText(page, text) {
  return page.locator('#messages li.message').filter({ has: page.locator('.text', { hasText: exactly(text) }) });
}

/// Waits until a message with exactly `text` is shown; returns its { author, text, time, past }.
async function waitForMessage(page, text) {
  const li = messageWithText(page, text).first();
  await li.waitFor();
  return li.evaluate((el) => ({
    author: el.querySelector('.author').textContent,
    text: el.querySelector('.text').textContent,
    time: el.querySelector('time').textContent,
    past: el.classList.contains('past'),
  }));
}

/// The notice li ("alice joined", "bob left", "👏 bob applauds") with exactly `text`.
function notice(page, text) {
  return page.locator('#messages li.notice').filter({ hasText: exactly(text) });
}

function onlineEntry(page, nick) {
  return page.locator(`#online li[data-nick="${nick.replace(/["\\]/g, '\\$&')}"]`);
}

async function onlineNicks(page) {
  return page.$$eval('#online li', (items) => items.map((li) => li.dataset.nick));
}

/// Waits until the element's text is exactly `text`.
async function waitForText(page, selector, text, timeout = 10000) {
  await page.waitForFunction(([sel, want]) => {
    const el = document.querySelector(sel);
    return el && el.textContent === want;
  }, [selector, text], { timeout });
}

function exactly(text) {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/// Saves a screenshot of `page` under tests/artifacts/chat/ (git-ignored); returns its path.
async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

// ---------------------------------------------------------------------------------------------------------
// nginx

/// Starts Debian's nginx as a child process on 127.0.0.1:`port` (a free port by default) with the site config
/// examples/nginx/flyover-chat.conf pointing at `upstreamPort`. Resolves to { port, url, pid, prefix, log(),
/// stop() } once nginx answers.
async function startNginx({ upstreamPort, port }) {
  if (!fs.existsSync(NGINX)) throw new Error(`${NGINX} is missing: run scripts/install-deps`);
  port = port || await freePort();
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'flyover-nginx-'));
  // Worker processes drop privileges (nobody when started as root): they need to reach the temp folders.
  fs.chmodSync(prefix, 0o755);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => {
    const dir = path.join(prefix, 'temp', t);
    fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    return [t, dir];
  });
  fs.chmodSync(path.join(prefix, 'temp'), 0o755);

  const site = siteConfig({ port, upstreamPort });
  fs.writeFileSync(path.join(prefix, 'site.conf'), site);
  const conf = [
    'worker_processes 1;',
    `error_log ${prefix}/error.log info;`,
    'events { worker_connections 256; }',
    'http {',
    `    access_log ${prefix}/access.log;`,
    ...temp.map(([t, dir]) => `    ${t}_temp_path ${dir};`),
    `    include ${prefix}/site.conf;`,
    '}',
    '',
  ].join('\n');
  const confPath = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(confPath, conf);

  const pidFile = path.join(prefix, 'nginx.pid');
  const child = spawn(NGINX, ['-e', `${prefix}/error.log`, '-p', prefix, '-c', confPath,
    '-g', `daemon off; pid ${pidFile};`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { output += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  process.on('exit', () => { try { child.kill('SIGKILL'); } catch { /* gone */ } });
  const log = () => {
    let errorLog = '';
    try { errorLog = fs.readFileSync(path.join(prefix, 'error.log'), 'utf8'); } catch { /* none yet */ }
    return `nginx output:\n${output}\nerror.log:\n${errorLog}`;
  };

  // Ready when it answers over HTTP (the router's /health through the proxy).
  const deadline = Date.now() + 10000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (code ${child.exitCode})\n${log()}`);
    try {
      const res = await h.httpRequest(port, '/health', { timeout: 1000 });
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not answer on port ${port}\n${log()}`);
    }
    await h.sleep(100);
  }

  let stopped = null;
  return {
    port,
    pid: child.pid,
    prefix,
    url: `http://127.0.0.1:${port}`,
    site,
    log,
    /// SIGQUIT (graceful) to this nginx's master pid, SIGKILL after `timeout` ms.
    stop({ timeout = 5000 } = {}) {
      if (stopped) return stopped;
      stopped = (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGQUIT');
          const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
          await exited;
          clearTimeout(timer);
        }
        fs.rmSync(prefix, { recursive: true, force: true });
        return exited;
      })();
      return stopped;
    },
  };
}

/// examples/nginx/flyover-chat.conf with its listen address and upstream port replaced. Each replaced line must
/// be found exactly once, so that an edit of the template that the test no longer understands fails loudly.
function siteConfig({ port, upstreamPort }) {
  let site = fs.readFileSync(NGINX_TEMPLATE, 'utf8');
  const replace = (re, by) => {
    const found = site.match(new RegExp(re.source, 'gm')) || [];
    if (found.length !== 1) throw new Error(`${NGINX_TEMPLATE}: expected one line matching ${re}, found ${found.length}`);
    site = site.replace(re, by);
  };
  replace(/^(\s*)listen 80;/m, `$1listen 127.0.0.1:${port};`);
  replace(/^(\s*)server 127\.0\.0\.1:8080;/m, `$1server 127.0.0.1:${upstreamPort};`);
  return site;
}

/// A TCP relay on 127.0.0.1 that passes bytes both ways to `targetPort` and records the head of every request
/// that goes through it (to see what nginx sends the router). Resolves to { port, heads, close() }.
function recordingRelay(targetPort) {
  const heads = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let buffered = '';
    let recording = true;
    client.on('data', (d) => {
      if (recording) {
        buffered += d.toString('latin1');
        const end = buffered.indexOf('\r\n\r\n');
        if (end >= 0) {
          heads.push(parseHead(buffered.slice(0, end)));
          // A kept-alive connection carries more requests; a WebSocket carries frames after its head.
          recording = !/^upgrade:/im.test(buffered.slice(0, end));
          buffered = buffered.slice(end + 4);
        }
      }
      upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    const close = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({
      port: server.address().port,
      heads,
      close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
    }));
  });
}

function parseHead(text) {
  const [requestLine, ...lines] = text.split('\r\n');
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { requestLine, headers };
}

module.exports = {
  CHAT_DIR,
  ARTIFACTS,
  ensureAutobahnBundle,
  chatRealmFromConf,
  startChatRouter,
  freePort,
  launchBrowser,
  openPage,
  login,
  submitLogin,
  send,
  messages,
  messageWithText,
  waitForMessage,
  notice,
  onlineEntry,
  onlineNicks,
  waitForText,
  screenshot,
  startNginx,
  siteConfig,
  recordingRelay,
};
