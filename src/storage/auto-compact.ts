// Periodic compaction: every intervalMs, forget history older than the newest
// keepRevisions revisions. Runs never overlap; the timer does not keep the process alive.

import type { Store } from './types.js';

export interface CompactorOptions {
  /** Revisions of history to keep behind the current revision. */
  keepRevisions: number;
  /** Time between runs. */
  intervalMs: number;
  /** Stops the compactor. */
  signal: AbortSignal;
  /** Told about a failed run (the compactor keeps going). Default: console.error. */
  onError?: (error: unknown) => void;
}

export interface Compactor {
  /** Compacts now; resolves to the revision compacted to, or undefined when nothing was due. */
  runOnce(): Promise<number | undefined>;
}

export function startCompactor(store: Store, options: CompactorOptions): Compactor {
  const { keepRevisions, intervalMs, signal } = options;
  if (!Number.isInteger(keepRevisions) || keepRevisions < 0) {
    throw new RangeError(`keepRevisions must be a non-negative integer, not ${keepRevisions}`);
  }
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, not ${intervalMs}`);
  const onError =
    options.onError ?? ((error: unknown) => console.error('storage compaction failed:', error));

  let running: Promise<number | undefined> | undefined;
  const runOnce = (): Promise<number | undefined> => {
    running ??= compactOnce(store, keepRevisions).finally(() => {
      running = undefined;
    });
    return running;
  };

  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (signal.aborted) return;
    timer = setTimeout(() => {
      runOnce().catch(onError).finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  schedule();
  return { runOnce };
}

async function compactOnce(store: Store, keepRevisions: number): Promise<number | undefined> {
  const target = store.currentRevision() - keepRevisions;
  if (target <= store.compactRevision()) return undefined;
  await store.compact(target);
  return target;
}
