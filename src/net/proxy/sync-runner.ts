// kube-proxy's bounded-frequency runner, for a proxy whose goal is an endpoint change live
// in well under 100 ms: a request runs the sync at once (events of the same tick coalesce),
// never two at a time, and never sooner than `minIntervalMs` after the last one started;
// requests while a sync runs make one more afterwards. A failed sync is retried with
// back-off until one succeeds.

export interface SyncRunner {
  /** Asks for a sync as soon as the bounds allow. */
  request(): void;
  /** Resolves when no sync is running or waiting (for tests and shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

export interface SyncRunnerOptions {
  minIntervalMs: number;
  /** First retry delay after a failure; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  onError?: (err: unknown, retryInMs: number) => void;
}

export function createSyncRunner(sync: () => Promise<void>, o: SyncRunnerOptions): SyncRunner {
  let running = false;
  let pending = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastStart = -Infinity;
  let failures = 0;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = (): void => {
    if (running || pending || timer) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const f of w) f();
  };

  const schedule = (delayMs: number): void => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void go();
    }, delayMs);
  };

  async function go(): Promise<void> {
    if (stopped || running) return;
    const wait = lastStart + o.minIntervalMs - performance.now();
    if (wait > 0) return schedule(wait);
    running = true;
    pending = false;
    lastStart = performance.now();
    try {
      await sync();
      failures = 0;
    } catch (err) {
      failures++;
      const delay = Math.min((o.retryMs ?? 1000) * 2 ** (failures - 1), o.maxRetryMs ?? 30_000);
      o.onError?.(err, delay);
      pending = false;
      running = false;
      schedule(delay);
      return;
    }
    running = false;
    if (pending) schedule(0);
    settleIdle();
  }

  return {
    request() {
      if (stopped) return;
      pending = true;
      if (running || timer) return;
      schedule(0);
    },
    idle() {
      return new Promise((res) => {
        idleWaiters.push(res);
        settleIdle();
      });
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = false;
      running = false;
      settleIdle();
    },
  };
}
