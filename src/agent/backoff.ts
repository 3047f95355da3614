// The kubelet's per-container back-off: 10 s doubling to 300 s, forgotten after the
// container has run for 10 minutes (CrashLoopBackOff and ImagePullBackOff).

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
export const BACKOFF_RESET_MS = 600_000;

export class Backoff {
  private delay = 0;
  private until = 0;

  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Records a failure at `at` (ms); the next try may happen `delay` later. */
  fail(at = this.now()): void {
    this.delay = this.delay ? Math.min(this.delay * 2, BACKOFF_MAX_MS) : BACKOFF_INITIAL_MS;
    this.until = at + this.delay;
  }

  /** Forgets earlier failures (a container that ran long enough, an image that pulled). */
  reset(): void {
    this.delay = 0;
    this.until = 0;
  }

  /** Milliseconds still to wait before the next try (0 when it may go now). */
  remaining(at = this.now()): number {
    return Math.max(0, this.until - at);
  }

  get currentDelayMs(): number {
    return this.delay;
  }
}
