// Flyover chat: a chat room built on WAMP with Autobahn|JS, and nothing else on the wire.
//
//   realm `chat`            log in with HELLO.Details.authid = nickname; the router keeps nicknames unique
//   chat.room.<room>        messages: args [text], published with disclose_me, so every subscriber learns the
//                           author from the router (EVENT.Details.publisher_authid), never from the payload
//   chat.applause.<room>    applause: an empty event, author disclosed the same way
//   wamp.session.on_join / on_leave, wamp.session.list / get
//                           who is online (a closed tab leaves too: the router publishes on_leave)
//   wamp.subscription.get_events
//                           the last messages of a room, kept by the router (event_history in conf/flyover.json)
(function () {
  'use strict';

  const REALM = 'chat';
  const HISTORY_LIMIT = 50;
  const MAX_TEXT = 1000;
  const MAX_SHOWN = 500;
  const ROOM_RE = /^[a-z0-9_]{1,32}$/;
  const DEFAULT_ROOMS = ['lobby', 'random', 'help'];
  // A nickname is 1 to 32 characters without control characters (the router checks it too).
  const NICK_RE = /^[^\u0000-\u001f\u007f]{1,32}$/u;
  // After a reload, a broken connection or a router restart the page logs back in by itself: up to
  // RESUME_RETRIES attempts, RESUME_DELAY_MS apart and doubling (about 30 s in all).
  const RESUME_RETRIES = 6;
  const RESUME_DELAY_MS = 500;

  const messageTopic = (room) => `chat.room.${room}`;
  const applauseTopic = (room) => `chat.applause.${room}`;
  const $ = (id) => document.getElementById(id);

  const state = {
    connection: null,
    session: null,
    nick: null,
    room: 'lobby',
    leaving: false,        // the user clicked Leave: a close is expected
    resumeLeft: 0,         // reconnection attempts left (see RESUME_RETRIES)
    resumeTimer: null,
    roomToken: 0,          // bumps on every room switch, so a late answer for an old room is dropped
    roomSubs: [],
    shown: new Set(),      // publication IDs on screen (history and live events overlap)
    online: new Map(),     // session ID -> nickname
    presenceReady: false,
    gone: new Set(),       // sessions that left while the online list was being fetched
    lastApplause: 0,
  };

  // ---- login and connection --------------------------------------------------------------------------------

  function wsUrl() {
    // The WebSocket lives next to the page: /ws on the router, or wherever a reverse proxy mounts the page.
    const url = new URL('ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.hash = '';
    url.search = '';
    return url.href;
  }

  function connect(nick) {
    if (typeof autobahn === 'undefined') {
      showLogin('The Autobahn|JS bundle is missing (vendor/autobahn.min.js): run scripts/install-deps.');
      return;
    }
    state.leaving = false;
    setLoginBusy(true);
    const connection = new autobahn.Connection({
      url: wsUrl(),
      realm: REALM,
      authid: nick,
      max_retries: 0,
      retry_if_unreachable: false,
    });
    state.connection = connection;
    connection.onopen = (session, details) => onJoined(connection, session, details);
    connection.onclose = (reason, details) => onClosed(connection, nick, reason, details || {});
    connection.open();
  }

  /// Autobahn's onclose. The page does its own reconnecting (Autobahn's is off), so it always returns true.
  function onClosed(connection, nick, reason, details) {
    if (connection !== state.connection) return true;  // an old connection, already replaced
    const wasJoined = state.session !== null;
    state.session = null;
    state.roomSubs = [];
    state.roomToken++;
    state.presenceReady = false;
    if (state.leaving) {
      state.connection = null;
      showLogin('');
      return true;
    }
    const uri = details.reason;
    // The connection broke or the router is restarting: come back under the same nickname.
    if (wasJoined && (reason === 'lost' || uri === 'wamp.close.system_shutdown')) state.resumeLeft = RESUME_RETRIES;
    // While coming back, a router not there yet, or still holding our previous session (after a reload or a
    // broken connection it notices a moment later), is worth another try.
    const worthRetrying = reason === 'lost' || reason === 'unreachable' ||
      uri === 'wamp.close.system_shutdown' || uri === 'flyover.error.authid_in_use';
    if (worthRetrying && state.resumeLeft > 0) {
      const delay = RESUME_DELAY_MS * 2 ** (RESUME_RETRIES - state.resumeLeft);
      state.resumeLeft--;
      setStatus('reconnecting…', 'warn');
      state.resumeTimer = setTimeout(() => connect(nick), delay);
      return true;
    }
    state.connection = null;
    sessionStorage.removeItem('flyover.chat.nick');
    showLogin(closeMessage(nick, reason, uri, details.message));
    return true;
  }

  function closeMessage(nick, reason, uri, message) {
    switch (uri) {
      case 'flyover.error.authid_in_use':
        return `Someone called “${nick}” is already in the chat. Pick another nickname.`;
      case 'wamp.error.not_authorized':
        return 'That nickname is not allowed (1 to 32 characters, no control characters).';
      case 'wamp.error.no_such_realm':
        return 'This router has no chat realm.';
      case 'wamp.close.system_shutdown':
        return 'The chat server shut down.';
      case 'wamp.close.killed':
        return 'You were removed from the chat.';
    }
    if (reason === 'unreachable') return 'Cannot reach the chat server (or it refused this page).';
    if (reason === 'lost') return 'The connection to the chat server was lost.';
    return uri ? `Disconnected: ${uri}${message ? ` (${message})` : ''}` : 'Disconnected.';
  }

  async function onJoined(connection, session, details) {
    if (connection !== state.connection) {
      connection.close();  // the user left (or logged in again) while this one was connecting
      return;
    }
    state.session = session;
    state.resumeLeft = 0;
    state.nick = details.authid;  // what the router calls us: the name everyone else sees
    sessionStorage.setItem('flyover.chat.nick', state.nick);
    localStorage.setItem('flyover.chat.lastNick', state.nick);
    showChat();
    setStatus('connected', 'ok');
    try {
      await watchPresence(session);
      await enterRoom(state.room);
    } catch (e) {
      if (session === state.session) setStatus(`error: ${errorText(e)}`, 'warn');
    }
  }

  function leave() {
    state.leaving = true;
    state.resumeLeft = 0;
    clearTimeout(state.resumeTimer);
    sessionStorage.removeItem('flyover.chat.nick');
    if (state.session) {
      state.connection.close();  // GOODBYE; onClosed shows the login form
    } else {
      state.connection = null;
      showLogin('');
    }
  }

  // ---- who is online ---------------------------------------------------------------------------------------

  async function watchPresence(session) {
    state.online.clear();
    state.gone.clear();
    state.presenceReady = false;
    renderOnline();
    // Subscribe first, then list: whoever joins or leaves meanwhile is caught by the events.
    await session.subscribe('wamp.session.on_join', (args) => {
      const info = args && args[0];
      if (!info || typeof info.authid !== 'string' || state.gone.has(info.session)) return;
      const known = state.online.has(info.session);
      state.online.set(info.session, info.authid);
      renderOnline();
      if (!known && info.session !== session.id) addNotice(`${info.authid} joined`, 'join');
    });
    await session.subscribe('wamp.session.on_leave', (args) => {
      // The spec's on_leave carries (session, authid, authrole); Crossbar's only the session.
      const [id, authid] = args || [];
      const nick = state.online.get(id) || (typeof authid === 'string' ? authid : null);
      if (!state.presenceReady) state.gone.add(id);
      if (state.online.delete(id)) renderOnline();
      if (nick && id !== session.id) addNotice(`${nick} left`, 'leave');
    });
    const ids = (await session.call('wamp.session.list')) || [];
    await Promise.all(ids.map(async (id) => {
      if (state.online.has(id) || state.gone.has(id)) return;
      try {
        const info = await session.call('wamp.session.get', [id]);
        if (info && typeof info.authid === 'string' && !state.gone.has(id)) state.online.set(id, info.authid);
      } catch (e) {
        // It left between list and get: on_leave said so already.
      }
    }));
    state.online.set(session.id, state.nick);
    state.presenceReady = true;
    state.gone.clear();
    renderOnline();
  }

  function renderOnline() {
    const list = $('online');
    const nicks = [...state.online.values()].sort((a, b) => a.localeCompare(b));
    list.replaceChildren(...nicks.map((nick) => {
      const li = document.createElement('li');
      li.textContent = nick;
      li.dataset.nick = nick;
      if (nick === state.nick) li.classList.add('me');
      return li;
    }));
    $('online-count').textContent = String(nicks.length);
  }

  // ---- rooms, messages, history ----------------------------------------------------------------------------

  async function enterRoom(room) {
    const session = state.session;
    if (!session) return;
    const token = ++state.roomToken;
    for (const sub of state.roomSubs) session.unsubscribe(sub).catch(() => {});
    state.roomSubs = [];
    state.room = room;
    rememberRoom(room);
    sessionStorage.setItem('flyover.chat.room', room);
    if (location.hash !== `#${room}`) history.replaceState(null, '', `#${room}`);
    $('room-name').textContent = room;
    document.title = `#${room} – Flyover chat`;
    $('messages').replaceChildren();
    state.shown.clear();
    renderRooms();

    // Live events that arrive while the history is on its way wait, so that the page shows them after it.
    let pending = [];
    const sub = await session.subscribe(messageTopic(room), (args, kwargs, event) => {
      if (token !== state.roomToken) return;
      const m = { publication: event.publication, author: event.publisher_authid, text: args && args[0], time: Date.now() };
      if (pending) pending.push(m); else showMessage(m);
    });
    const applause = await session.subscribe(applauseTopic(room), (args, kwargs, event) => {
      if (token === state.roomToken && pending === null) showApplause(event.publisher_authid);
    });
    if (token !== state.roomToken || session !== state.session) {
      session.unsubscribe(sub).catch(() => {});
      session.unsubscribe(applause).catch(() => {});
      return;
    }
    state.roomSubs = [sub, applause];

    let past = [];
    try {
      // The newest HISTORY_LIMIT events, newest first.
      past = await session.call('wamp.subscription.get_events', [sub.id], { limit: HISTORY_LIMIT, reverse: true });
    } catch (e) {
      addNotice(`no message history on this router (${errorText(e)})`, 'info');
    }
    if (token !== state.roomToken) return;
    for (const e of (Array.isArray(past) ? past : []).reverse()) {
      showMessage({
        publication: e.publication,
        author: e.details && e.details.publisher_authid,
        text: e.args && e.args[0],
        time: Date.parse(e.timestamp) || Date.now(),
        past: true,
      });
    }
    const waiting = pending;
    pending = null;
    for (const m of waiting) showMessage(m);
    $('text').focus();
  }

  function showMessage({ publication, author, text, time, past }) {
    // Only the router names authors: an event without a disclosed publisher is not shown, and whatever the
    // payload says about its author is ignored.
    if (typeof author !== 'string' || typeof text !== 'string' || text.trim() === '') return;
    if (publication !== undefined) {
      if (state.shown.has(publication)) return;
      state.shown.add(publication);
    }
    const li = document.createElement('li');
    li.className = 'message';
    if (author === state.nick) li.classList.add('mine');
    if (past) li.classList.add('past');
    li.dataset.author = author;
    const when = document.createElement('time');
    const date = new Date(time);
    when.dateTime = date.toISOString();
    when.title = date.toLocaleString();
    when.textContent = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const who = document.createElement('span');
    who.className = 'author';
    who.textContent = author;
    const what = document.createElement('span');
    what.className = 'text';
    what.textContent = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
    li.append(when, who, what);
    append(li);
  }

  function addNotice(text, kind) {
    const li = document.createElement('li');
    li.className = `notice ${kind}`;
    li.textContent = text;
    append(li);
  }

  function showApplause(author) {
    if (typeof author !== 'string') return;
    addNotice(`👏 ${author} applauds`, 'applause');
    const burst = $('applause-burst');
    const clap = document.createElement('span');
    clap.textContent = '👏';
    clap.style.left = `${10 + Math.random() * 80}%`;
    burst.append(clap);
    setTimeout(() => clap.remove(), 1600);
  }

  function append(li) {
    const list = $('messages');
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(li);
    while (list.childElementCount > MAX_SHOWN) list.firstElementChild.remove();
    if (atBottom || li.classList.contains('mine')) list.scrollTop = list.scrollHeight;
  }

  async function sendMessage() {
    const input = $('text');
    const text = input.value.trim();
    if (!text || !state.session) return;
    if (text.length > MAX_TEXT) {
      setStatus(`a message has at most ${MAX_TEXT} characters`, 'warn');
      return;
    }
    input.value = '';
    try {
      // disclose_me: subscribers get our nickname from the router; exclude_me false: we see our own message
      // through the same event as everyone else, so every page shows the same thing.
      await state.session.publish(messageTopic(state.room), [text], {},
        { acknowledge: true, disclose_me: true, exclude_me: false });
    } catch (e) {
      input.value = text;
      setStatus(`not sent: ${errorText(e)}`, 'warn');
    }
  }

  function applaud() {
    const now = Date.now();
    if (!state.session || now - state.lastApplause < 300) return;
    state.lastApplause = now;
    state.session.publish(applauseTopic(state.room), [], {}, { disclose_me: true, exclude_me: false });
  }

  // ---- room list -------------------------------------------------------------------------------------------

  function knownRooms() {
    let extra = [];
    try { extra = JSON.parse(sessionStorage.getItem('flyover.chat.rooms') || '[]'); } catch (e) { /* reset */ }
    return [...new Set([...DEFAULT_ROOMS, ...extra.filter((r) => ROOM_RE.test(r))])];
  }

  function rememberRoom(room) {
    const rooms = knownRooms();
    if (!rooms.includes(room)) {
      const extra = rooms.filter((r) => !DEFAULT_ROOMS.includes(r)).concat(room).slice(-20);
      sessionStorage.setItem('flyover.chat.rooms', JSON.stringify(extra));
    }
  }

  function renderRooms() {
    $('rooms').replaceChildren(...knownRooms().map((room) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = `#${room}`;
      button.dataset.room = room;
      if (room === state.room) button.setAttribute('aria-current', 'true');
      button.addEventListener('click', () => { if (room !== state.room) enterRoom(room); });
      li.append(button);
      return li;
    }));
  }

  // ---- views -----------------------------------------------------------------------------------------------

  function showLogin(error) {
    $('chat-view').hidden = true;
    $('login-view').hidden = false;
    $('login-error').textContent = error || '';
    $('login-room').value = state.room;
    setLoginBusy(false);
    $('nick').focus();
  }

  function showChat() {
    $('login-view').hidden = true;
    $('chat-view').hidden = false;
    $('me').textContent = state.nick;
  }

  function setLoginBusy(busy) {
    $('login-button').disabled = busy;
    $('login-button').textContent = busy ? 'Connecting…' : 'Enter the chat';
  }

  function setStatus(text, kind) {
    const status = $('status');
    status.textContent = text;
    status.dataset.kind = kind || '';
  }

  function errorText(e) {
    if (e && e.error) return e.args && e.args[0] ? `${e.error}: ${e.args[0]}` : e.error;
    return String(e && e.message ? e.message : e);
  }

  function roomFromHash() {
    const room = decodeURIComponent(location.hash.slice(1));
    return ROOM_RE.test(room) ? room : null;
  }

  // ---- wiring ----------------------------------------------------------------------------------------------

  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const nick = $('nick').value.trim();
    const room = $('login-room').value.trim().toLowerCase() || 'lobby';
    if (!NICK_RE.test(nick)) {
      showLogin('A nickname has 1 to 32 characters and no control characters.');
      return;
    }
    if (!ROOM_RE.test(room)) {
      showLogin('A room name has 1 to 32 lower-case letters, digits or _.');
      return;
    }
    state.room = room;
    $('login-error').textContent = '';
    state.resumeLeft = 0;
    connect(nick);
  });

  $('composer').addEventListener('submit', (ev) => { ev.preventDefault(); sendMessage(); });
  $('applaud').addEventListener('click', applaud);
  $('logout').addEventListener('click', leave);
  $('room-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const room = $('new-room').value.trim().toLowerCase();
    if (!ROOM_RE.test(room)) {
      setStatus('a room name has 1 to 32 lower-case letters, digits or _', 'warn');
      return;
    }
    $('new-room').value = '';
    if (room !== state.room) enterRoom(room);
  });
  window.addEventListener('hashchange', () => {
    const room = roomFromHash();
    if (room && room !== state.room && state.session) enterRoom(room);
  });

  state.room = roomFromHash() || sessionStorage.getItem('flyover.chat.room') || 'lobby';
  $('login-room').value = state.room;
  $('nick').value = localStorage.getItem('flyover.chat.lastNick') || '';
  renderRooms();
  // A reload in a logged-in tab logs back in with the same nickname.
  const resume = sessionStorage.getItem('flyover.chat.nick');
  if (resume) {
    state.resumeLeft = RESUME_RETRIES;
    connect(resume);
  }
})();
