// Closed-loop load: N clients, each issuing its next operation as soon as the previous one
// answered, until `total` operations are done. Every operation is timed.

export interface LoadResult {
  /** Per-operation latency in ms, in completion order. */
  latencies: number[];
  wallMs: number;
  opsPerSec: number;
}

export interface LoadOptions {
  clients: number;
  total: number;
  /** Operation number i (0..total-1) made by client c; throws on failure. */
  op: (i: number, client: number) => Promise<void>;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const errors: unknown[] = [];
  const client = async (c: number): Promise<void> => {
    while (errors.length === 0) {
      const i = next++;
      if (i >= o.total) return;
      const t0 = performance.now();
      try {
        await o.op(i, c);
      } catch (e) {
        errors.push(e);
        return;
      }
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.clients }, (_, c) => client(c)));
  const wallMs = performance.now() - t0;
  if (errors.length) {
    const first = errors[0];
    throw new Error(`${errors.length} operation(s) failed; first: ${String(first)}`, {
      cause: first,
    });
  }
  return { latencies, wallMs, opsPerSec: (latencies.length / wallMs) * 1000 };
}
