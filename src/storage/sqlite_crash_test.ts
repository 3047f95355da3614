// Acknowledged writes survive kill -9: a child process writes in a loop and reports each
// acknowledged revision; the parent SIGKILLs it as soon as it has read a given number of
// acknowledgements — a count, never a time, so a busy machine only makes the test slower —
// while the writer is still writing. The reopened store must hold every acknowledged write,
// with its revision and value, in a log with no hole.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createSqliteStore } from './sqlite.js';
import type { Store, StoreEvent } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'skiff-crash-'));
const live = new Set<ChildProcess>();
after(() => {
  // Only reached with a writer alive if the test failed or timed out.
  for (const child of live) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/**
 * Writes the writer may do beyond the kill point. The writer runs at most one socket buffer
 * (a few hundred lines) ahead of the parent's reading, so this is never reached unless the
 * parent stopped reading; even then the writer waits to be killed instead of exiting.
 */
const BUDGET_BEYOND_KILL = 10_000;

interface Ack {
  revision: number;
  key: string;
  kind: 'create' | 'update';
}

const ACK_LINE = /^(\d+) (\/registry\/configmaps\/crash\/cm-(\d+)-\d+) (create|update)$/;

/** Runs a writer on path until it has acknowledged `killAt` writes, then SIGKILLs it. */
function runAndKill(path: string, killAt: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    // The writer is this node process itself (tsx hooks run in-process): the SIGKILL reaches
    // the process that acknowledged the writes, which the pid inside each key confirms.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(here, 'sqlite_crash_child.ts'),
        path,
        String(killAt + BUDGET_BEYOND_KILL),
      ],
      { cwd: join(here, '..', '..'), stdio: ['pipe', 'pipe', 'pipe', 'pipe'] },
    );
    live.add(child);
    const acks: Ack[] = [];
    const errors: string[] = [];
    let output = '';
    let killedAfter: number | undefined;
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      // Only whole lines are acknowledgements; a line may span chunks.
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const match = ACK_LINE.exec(line);
        if (!match || Number(match[3]) !== child.pid) {
          errors.push(`not an acknowledgement of writer ${child.pid}: ${JSON.stringify(line)}`);
          continue;
        }
        acks.push({
          revision: Number(match[1]),
          key: match[2]!,
          kind: match[4] as Ack['kind'],
        });
      }
      if (acks.length >= killAt && killedAfter === undefined) {
        killedAfter = acks.length;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    // 'close' comes after every stdio stream has ended: no acknowledgement is still unread.
    child.on('close', (code, signal) => {
      live.delete(child);
      if (errors.length) reject(new Error(errors.slice(0, 5).join('\n')));
      else if (signal === 'SIGKILL' && killedAfter !== undefined) resolve(acks);
      else {
        const how = signal ? `signal ${signal}` : `code ${code}`;
        reject(new Error(`writer ended (${how}) after ${acks.length} acks, unkilled: ${output}`));
      }
    });
  });
}

/** Every event of the log, replayed from its first revision up to the current one. */
async function replayLog(store: Store): Promise<StoreEvent[]> {
  const events: StoreEvent[] = [];
  const head = store.currentRevision();
  if (head === 0) return events;
  const controller = new AbortController();
  try {
    for await (const event of store.watch('/', { afterRevision: 0, signal: controller.signal })) {
      events.push(event);
      if (event.kv.modRevision >= head) break;
    }
  } finally {
    controller.abort();
  }
  return events;
}

void it(
  'keeps every acknowledged write after the process is killed with SIGKILL',
  // Only a guard against a hung writer; the test waits for acknowledgements, not for time.
  { timeout: 600_000 },
  async (t) => {
    const path = join(root, 'state.db');
    // Each run starts from the file the previous one's crash left behind.
    const runs: Ack[][] = [];
    const killPoints = [3000, 2000, 1000];
    for (const killAt of killPoints) {
      const acks = await runAndKill(path, killAt);
      assert.ok(acks.length >= killAt, `killed after ${acks.length} of ${killAt} acks`);
      const previous = runs.at(-1);
      if (previous) assert.ok(acks[0]!.revision > previous.at(-1)!.revision, 'revisions go on');
      runs.push(acks);
    }
    const acked = runs.flat();

    const store = createSqliteStore({ path });
    try {
      const check = new Database(path, { readonly: true });
      try {
        assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
      } finally {
        check.close();
      }

      const last = acked.at(-1)!;
      assert.ok(store.currentRevision() >= last.revision, 'the revision counter is back');
      for (const ack of acked) {
        const kv = await store.get(ack.key);
        assert.ok(kv, `acknowledged key ${ack.key} is missing`);
        assert.equal(kv.modRevision, ack.revision, `revision of ${ack.key}`);
        // A key's update directly follows its create: one writer, one key at a time.
        const created = ack.kind === 'update' ? ack.revision - 1 : ack.revision;
        assert.equal(kv.createRevision, created, `create revision of ${ack.key}`);
        const value = JSON.parse(kv.value) as { key: string; generation: number };
        assert.deepEqual(
          [value.key, value.generation],
          [ack.key, ack.kind === 'update' ? 2 : 1],
          `value of ${ack.key}`,
        );
      }

      // The log is whole: one event per revision from 1 to the current one (a crash may only
      // lose the writes after the last acknowledged one), each acknowledged write among them.
      const log = await replayLog(store);
      assert.deepEqual(
        log.map((e) => e.kv.modRevision),
        Array.from({ length: store.currentRevision() }, (_, i) => i + 1),
        'the log has a hole or a duplicate',
      );
      for (const ack of acked) {
        const event = log[ack.revision - 1]!;
        assert.deepEqual([event.type, event.kv.key], [ack.kind, ack.key], `log at ${ack.revision}`);
      }

      // How far each writer had gone when the kill reached it: acknowledgements read after
      // the kill was sent, and writes committed whose acknowledgement was never sent.
      const ahead = runs.map((acks, i) => acks.length - killPoints[i]!);
      const firsts = [...runs.slice(1).map((acks) => acks[0]!.revision), log.length + 1];
      const unacked = runs.map((acks, i) => firsts[i]! - 1 - acks.at(-1)!.revision);
      t.diagnostic(`acks after the kill: ${ahead}; committed, never acked: ${unacked}`);

      const next = await store.create('/registry/configmaps/crash/after', '{}');
      assert.equal(next.modRevision, store.currentRevision());
      assert.equal(next.modRevision, log.length + 1);
    } finally {
      await store.close();
    }
  },
);
