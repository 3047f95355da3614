// The one polling helper for tests and harnesses: wait for a condition, never for a fixed time.

export interface EventuallyOptions {
  /** How long to keep polling before failing (default 10 s). */
  timeoutMs?: number;
  /** The pause between two polls (default 20 ms). */
  intervalMs?: number;
}

/**
 * Polls `check` until it returns a value other than `undefined` or `false`, and returns that
 * value. An exception counts as "not yet". After the deadline it fails with an error naming
 * `what` was awaited (a function is called then, to show state at the time), with the last
 * exception if there was one. `check` always runs at least
 * once, and once more after the deadline, so a slow machine does not fail a condition that
 * just became true.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string | (() => string),
  options: number | EventuallyOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20 } =
    typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const expired = Date.now() > deadline;
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (expired) {
      const cause = last === undefined ? '' : `; last error: ${errorText(last)}`;
      const awaited = typeof what === 'function' ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${awaited}${cause}`, {
        cause: last,
      });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
