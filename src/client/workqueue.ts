// A keyed work queue in the style of client-go's: a key waiting is queued once however
// often it is added; a key being processed is never handed out twice at once (an add
// while it runs queues it again for after); failures retry with per-key exponential
// back-off, kept apart from the sync function itself.

export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
  /** Re-adds after this key's next back-off delay (5 ms doubling, at most maxDelayMs). */
  addRateLimited(key: string): void;
  /** Resets the key's back-off. */
  forget(key: string): void;
  /** How many times the key has failed in a row. */
  retries(key: string): number;
  len(): number;
  /**
   * Runs `workers` loops calling sync(key) until the signal aborts. A throwing sync is
   * retried with back-off; a successful one resets the back-off.
   */
  run(
    workers: number,
    sync: (key: string) => Promise<void>,
    signal: AbortSignal,
    onError?: (key: string, err: unknown) => void,
  ): Promise<void>;
}

export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Which waiting key to hand out first: a positive number when `a` goes before `b`.
   * Keys that compare equal (and every key, without it) go in the order they were added.
   */
  precedes?: (a: string, b: string) => number;
}

export function createWorkQueue(o: WorkQueueOptions = {}): WorkQueue {
  const base = o.baseDelayMs ?? 5;
  const max = o.maxDelayMs ?? 30_000;
  const queue: string[] = [];
  const queued = new Set<string>();
  const processing = new Set<string>();
  const dirty = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let waiters: (() => void)[] = [];
  let stopped = false;

  // One waiting worker per key added (waking them all would have every idle worker of a
  // large pool re-check the queue on each add); all of them when the queue stops.
  const wakeOne = (): void => waiters.shift()?.();
  const wakeAll = (): void => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const add = (key: string): void => {
    if (stopped) return;
    if (processing.has(key)) {
      dirty.add(key);
      return;
    }
    if (queued.has(key)) return;
    queued.add(key);
    queue.push(key);
    wakeOne();
  };
  const addAfter = (key: string, ms: number): void => {
    if (stopped) return;
    if (ms <= 0) return add(key);
    const t = setTimeout(() => {
      timers.delete(t);
      add(key);
    }, ms);
    t.unref();
    timers.add(t);
  };
  const takeFirst = (precedes: (a: string, b: string) => number): string | undefined => {
    let best = 0;
    for (let i = 1; i < queue.length; i++)
      if (precedes(queue[i] ?? '', queue[best] ?? '') > 0) best = i;
    return queue.splice(best, 1)[0];
  };
  const next = async (signal: AbortSignal): Promise<string | undefined> => {
    while (!signal.aborted) {
      const key = o.precedes ? takeFirst(o.precedes) : queue.shift();
      if (key !== undefined) {
        queued.delete(key);
        processing.add(key);
        return key;
      }
      // No abort listener per wait: run() wakes every waiter when its signal aborts.
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    return undefined;
  };
  const done = (key: string): void => {
    processing.delete(key);
    if (dirty.delete(key)) add(key);
  };
  const q: WorkQueue = {
    add,
    addAfter,
    addRateLimited(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      addAfter(key, Math.min(max, base * 2 ** n));
    },
    forget: (key) => void failures.delete(key),
    retries: (key) => failures.get(key) ?? 0,
    len: () => queue.length,
    async run(workers, sync, signal, onError) {
      signal.addEventListener(
        'abort',
        () => {
          stopped = true;
          for (const t of timers) clearTimeout(t);
          wakeAll();
        },
        { once: true },
      );
      const loop = async (): Promise<void> => {
        for (;;) {
          const key = await next(signal);
          if (key === undefined) return;
          try {
            await sync(key);
            q.forget(key);
          } catch (e) {
            onError?.(key, e);
            if (!signal.aborted) q.addRateLimited(key);
          } finally {
            done(key);
          }
        }
      };
      await Promise.all(Array.from({ length: workers }, loop));
    },
  };
  return q;
}
