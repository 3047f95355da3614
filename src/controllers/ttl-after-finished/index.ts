// The TTL-after-finished controller (kube's pkg/controller/ttlafterfinished): a finished Job
// (Complete or Failed) with spec.ttlSecondsAfterFinished is deleted, with its pods
// (foreground), that many seconds after it finished. Before deleting, the Job is read again
// from the API, so a TTL changed meanwhile counts.

import type { KubeObject } from '../../api/types.js';
import { createWorkQueue, isNotFound, keyOf, splitKey, type Client } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { JOBS, type Job } from '../job/index.js';

export const COMPONENT = 'ttl-after-finished-controller';

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** When the Job finished: its Complete or Failed condition's transition time. */
export function finishedAt(job: Job): number | undefined {
  for (const c of job.status?.conditions ?? [])
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') {
      const t = Date.parse(c.lastTransitionTime ?? '');
      return Number.isNaN(t) ? undefined : t;
    }
  return undefined;
}

/** Milliseconds until the Job expires (≤ 0: now), or undefined if it never does. */
export function msUntilExpiry(job: Job, now: Date): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (typeof ttl !== 'number' || job.metadata.deletionTimestamp) return undefined;
  const at = finishedAt(job);
  return at === undefined ? undefined : at + ttl * 1000 - now.getTime();
}

export interface TtlAfterFinishedOptions {
  /** The longest a Job waits before it is looked at again (tests on a fake clock set it short). */
  maxRequeueMs?: number;
}

export function createTtlAfterFinishedController(o: TtlAfterFinishedOptions = {}): Controller {
  return { name: COMPONENT, start: (ctx) => start(ctx, o) };
}

export const ttlAfterFinishedController: Controller = createTtlAfterFinishedController();

async function deleteExpired(client: Client, fresh: Job): Promise<void> {
  await client.delete(JOBS, fresh.metadata.namespace ?? '', fresh.metadata.name ?? '', {
    propagationPolicy: 'Foreground',
    preconditions: { uid: fresh.metadata.uid ?? '' },
  });
}

function start(ctx: ControllerContext, o: TtlAfterFinishedOptions): void {
  const jobs = ctx.informers.for<Job>(JOBS);
  const queue = createWorkQueue();
  const consider = (job: KubeObject): void => {
    if (msUntilExpiry(job as Job, ctx.clock.now()) !== undefined) queue.add(keyOf(job));
  };
  jobs.on({ add: consider, update: (_old, cur) => consider(cur) });

  async function sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cached = jobs.get(ns, name);
    if (!cached) return;
    const left = msUntilExpiry(cached, ctx.clock.now());
    if (left === undefined) return;
    if (left > 0) {
      queue.addAfter(key, Math.min(left, o.maxRequeueMs ?? Infinity));
      return;
    }
    // The cache may be stale: check the TTL on the Job as it is now.
    let fresh: Job;
    try {
      fresh = await ctx.client.get<Job>(JOBS, ns, name);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const freshLeft = msUntilExpiry(fresh, ctx.clock.now());
    if (freshLeft === undefined) return;
    if (freshLeft > 0) {
      queue.addAfter(key, Math.min(freshLeft, o.maxRequeueMs ?? Infinity));
      return;
    }
    try {
      await deleteExpired(ctx.client, fresh);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  void (async () => {
    await jobs.synced();
    if (ctx.signal.aborted) return;
    await queue.run(2, sync, ctx.signal, (key, err) =>
      ctx.logger.info('sync failed', { key, err: errorText(err) }),
    );
  })();
}
