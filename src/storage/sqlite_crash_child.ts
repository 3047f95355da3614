// Child process for sqlite_crash_test.ts: writes keys until the parent kills it, and reports
// each write as "<revision> <key> <create|update>" on fd 3 once the store has acknowledged it.
//
// The report is a blocking write(2) on a descriptor of its own, not process.stdout. On a pipe
// process.stdout is asynchronous, and this loop never gives the event loop a turn (the
// store's calls complete synchronously), so once the pipe was full — the parent a little
// slow under load — every later line stayed queued in this process and the parent saw no
// more acknowledgements: it never killed the writer. A blocking write keeps the writer at
// most one socket buffer (a few hundred lines) ahead of what the parent has read.
//
// The parent passes a budget far beyond that lead. Having used it (which means the parent
// stopped reading), the writer waits to be killed rather than exiting; if the parent is gone,
// its stdin ends (or the next report fails with EPIPE) and the writer exits.

import { writeSync } from 'node:fs';
import { createSqliteStore } from './sqlite.js';

const ACKS_FD = 3;
const [path, budgetArg] = process.argv.slice(2);
const budget = Number(budgetArg);
if (!path || !Number.isInteger(budget) || budget <= 0) {
  throw new Error('usage: sqlite_crash_child.ts <database path> <number of writes>');
}
const store = createSqliteStore({ path });
const payload = 'x'.repeat(1500);

function report(line: string): void {
  const bytes = Buffer.from(line);
  for (let sent = 0; sent < bytes.length;) sent += writeSync(ACKS_FD, bytes, sent);
}

for (let i = 0; i < budget; i++) {
  const key = `/registry/configmaps/crash/cm-${process.pid}-${i}`;
  const kv = await store.create(key, JSON.stringify({ key, generation: 1, payload }));
  // Every fifth write is an update, so the log holds more than creates.
  if (i % 5 === 4) {
    const value = JSON.stringify({ key, generation: 2, payload });
    const updated = await store.update(key, value, kv.modRevision);
    report(`${updated.modRevision} ${key} update\n`);
  } else {
    report(`${kv.modRevision} ${key} create\n`);
  }
}
process.stderr.write(`writer used its budget of ${budget} writes; waiting to be killed\n`);
process.stdin.resume();
process.stdin.on('close', () => process.exit(3));
