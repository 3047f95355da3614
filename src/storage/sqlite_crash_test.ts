// Acknowledged writes survive kill -9: a child process writes in a loop and prints each
// acknowledged revision; it is killed mid-stream, and the reopened store must hold every
// key it acknowledged.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSqliteStore } from './sqlite.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'skiff-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Ack {
  revision: number;
  key: string;
  kind: string;
}

/** Runs the writer until it has acknowledged `until` writes, then SIGKILLs it. */
function runAndKill(path: string, until: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'sqlite_crash_child.ts'), path],
      { cwd: join(here, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const acks: Ack[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [revision, key, kind] = line.split(' ');
        acks.push({ revision: Number(revision), key: key!, kind: kind! });
      }
      if (acks.length >= until && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`writer exited early (code ${code}): ${stderr}`));
    });
  });
}

void it('keeps every acknowledged write after the process is killed with SIGKILL', async () => {
  const path = join(root, 'state.db');
  // Two runs: the second starts from the file the first one's crash left behind.
  const firstRun = await runAndKill(path, 3000);
  const secondRun = await runAndKill(path, 2000);
  assert.ok(firstRun.length >= 3000 && secondRun.length >= 2000);
  assert.ok(secondRun[0]!.revision > firstRun[firstRun.length - 1]!.revision);

  const store = createSqliteStore({ path });
  try {
    const last = secondRun[secondRun.length - 1]!;
    assert.ok(store.currentRevision() >= last.revision, 'the revision counter is back');
    for (const ack of [...firstRun, ...secondRun]) {
      const kv = await store.get(ack.key);
      assert.ok(kv, `acknowledged key ${ack.key} is missing`);
      if (ack.kind === 'update') assert.equal(kv.modRevision, ack.revision);
      else assert.equal(kv.createRevision, ack.revision);
    }
    const next = await store.create('/registry/configmaps/crash/after', '{}');
    assert.equal(next.modRevision, store.currentRevision());
    assert.ok(next.modRevision > last.revision);
  } finally {
    await store.close();
  }
});
