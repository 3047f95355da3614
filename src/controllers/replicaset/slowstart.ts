// Slow start: call `fn` `count` times in batches of 1, 2, 4, … run concurrently, stopping
// after the first batch with a failure. An owner whose pods all fail the same way (a quota,
// an invalid template) makes one failing request per sync instead of hundreds.

export const SLOW_START_INITIAL_BATCH = 1;

export async function slowStartBatch(
  count: number,
  initial: number,
  fn: () => Promise<unknown>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += size - failed.length;
    if (failed.length) return { successes, error: failed[0]?.reason };
    remaining -= size;
  }
  return { successes };
}
