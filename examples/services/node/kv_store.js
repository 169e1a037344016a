'use strict';
// A backend service in Node (Autobahn|JS): an in-memory key-value store on a Flyover (or any WAMP) router.
//
//   com.example.kv.set(key, value) -> the previous value (or null); publishes com.example.kv.on_change [key, value]
//   com.example.kv.get(key)        -> the value, or the application error com.example.kv.no_such_key
//   com.example.kv.delete(key)     -> true if it existed; publishes com.example.kv.on_change [key, null]
//   com.example.kv.keys()          -> the keys, sorted
//
// Usage (from the repository root, which holds node_modules with autobahn@22.11.1):
//   node examples/services/node/kv_store.js [URL [REALM [json|msgpack]]]
//   (or FLYOVER_URL, FLYOVER_REALM, FLYOVER_SERIALIZER; defaults ws://127.0.0.1:8080/ws realm1 json)
//
// Autobahn|JS reconnects with backoff whenever the router goes away; onopen runs again for every new session,
// so the procedures are registered there. Ctrl-C or SIGTERM leaves cleanly.

const autobahn = require('autobahn');

const setting = (index, env, fallback) => process.argv[2 + index] || process.env[env] || fallback;
const url = setting(0, 'FLYOVER_URL', 'ws://127.0.0.1:8080/ws');
const realm = setting(1, 'FLYOVER_REALM', 'realm1');
const serializerName = setting(2, 'FLYOVER_SERIALIZER', 'json');
const serializers = {
  json: () => new autobahn.serializer.JSONSerializer(),
  msgpack: () => new autobahn.serializer.MsgpackSerializer(),
};
if (!serializers[serializerName]) {
  console.error('usage: node examples/services/node/kv_store.js [URL [REALM [json|msgpack]]]');
  process.exit(64);
}

const store = new Map();
const ON_CHANGE = 'com.example.kv.on_change';

function requireKey(key) {
  if (typeof key !== 'string' || key === '') {
    throw new autobahn.Error('wamp.error.invalid_argument', ['expected a non-empty string key']);
  }
  return key;
}

const connection = new autobahn.Connection({
  url,
  realm,
  serializers: [serializers[serializerName]()],
  max_retries: -1, // a service keeps trying for as long as it runs
  initial_retry_delay: 0.5,
  max_retry_delay: 10,
  retry_delay_growth: 2,
});

let stopping = false;

connection.onopen = async (session) => {
  const procedures = {
    'com.example.kv.set': ([key, value]) => {
      requireKey(key);
      const previous = store.has(key) ? store.get(key) : null;
      store.set(key, value === undefined ? null : value);
      session.publish(ON_CHANGE, [key, store.get(key)]);
      return previous;
    },
    'com.example.kv.get': ([key]) => {
      requireKey(key);
      if (!store.has(key)) {
        // An application error: the caller receives this URI, args and kwargs as an error value.
        throw new autobahn.Error('com.example.kv.no_such_key', [`no value for key "${key}"`], { key });
      }
      return store.get(key);
    },
    'com.example.kv.delete': ([key]) => {
      requireKey(key);
      const existed = store.delete(key);
      if (existed) session.publish(ON_CHANGE, [key, null]);
      return existed;
    },
    'com.example.kv.keys': () => [...store.keys()].sort(),
  };
  try {
    await Promise.all(Object.entries(procedures).map(([uri, fn]) => session.register(uri, fn)));
    console.log(`kv_store: ready (session ${session.id} on ${url}, realm ${realm})`);
  } catch (e) {
    console.error(`kv_store: register failed: ${e.error || e}`);
    connection.close();
  }
};

connection.onclose = (reason, details) => {
  if (stopping) {
    console.log('kv_store: stopped');
    return true;
  }
  const what = `kv_store: connection ${reason}${details.reason ? ` (${details.reason})` : ''}`;
  if (details.will_retry) {
    console.log(`${what}; retrying in ${details.retry_delay.toFixed(1)} s`);
    return false;
  }
  // Autobahn|JS stops retrying once the router ended the session with GOODBYE (e.g. wamp.close.system_shutdown
  // when it restarts); a service wants to come back, so it opens the connection again itself.
  console.log(`${what}; reconnecting in 1 s`);
  setTimeout(() => { if (!stopping) connection.open(); }, 1000);
  return true;
};

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    if (connection.isOpen) connection.close();
    else process.exit(0);
    setTimeout(() => process.exit(0), 5000).unref();
  });
}

connection.open();
