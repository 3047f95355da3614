// One writer at a time for the store's index: an in-process queue plus a lock file (with
// the holder's pid) so `skiff images …` and a running node agent do not trample each other.

import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const chains = new Map<string, Promise<unknown>>();
const WAIT_MS = 60_000;

function alive(pid: number): boolean {
  if (pid === process.pid) return false; // our own chain is serialized, so a file with our pid is stale
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file without a pid is either being written right now or left by a crash. */
async function abandoned(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  return !!st && Date.now() - st.mtimeMs > 5_000;
}

async function acquire(path: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let holder = 0;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (holder ? !alive(holder) : await abandoned(path)) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`the image store is locked by process ${holder} (${path})`);
    await sleep(delay);
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(path) ?? Promise.resolve();
  const run = prev.then(
    () => locked(path, fn),
    () => locked(path, fn),
  );
  const tail = run.catch(() => {});
  chains.set(path, tail);
  try {
    return await run;
  } finally {
    if (chains.get(path) === tail) chains.delete(path);
  }
}

async function locked<T>(path: string, fn: () => Promise<T>): Promise<T> {
  await acquire(path);
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => {});
  }
}
