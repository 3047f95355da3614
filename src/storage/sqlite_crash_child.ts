// Child process for sqlite_crash_test.ts: writes keys until killed (or its own limit),
// printing "<revision> <key>" only after each write has been acknowledged.

import { createSqliteStore } from './sqlite.js';

const path = process.argv[2];
if (!path) throw new Error('usage: sqlite_crash_child.ts <database path>');
const store = createSqliteStore({ path });
const value = JSON.stringify({ kind: 'ConfigMap', data: { payload: 'x'.repeat(1500) } });

// Bounded, in case the parent never kills it: at most this many writes and this long.
const MAX_WRITES = 20_000;
const deadline = Date.now() + 60_000;

for (let i = 0; i < MAX_WRITES && Date.now() < deadline; i++) {
  const key = `/registry/configmaps/crash/cm-${process.pid}-${i}`;
  const kv = await store.create(key, value);
  // Every fifth write is an update, so the log holds more than creates.
  if (i % 5 === 4) {
    const updated = await store.update(key, `${value} `, kv.modRevision);
    process.stdout.write(`${updated.modRevision} ${key} update\n`);
  } else {
    process.stdout.write(`${kv.modRevision} ${key} create\n`);
  }
}
process.stderr.write('writer stopped by its own limit before being killed\n');
process.exit(3);
