// A container's attempts on this node: the record the worker keeps for each container,
// which containers a sync (re)starts under the pod's restart policy, and the kubelet's
// crash-loop back-off before a container that ran before is started again.

import type { IContainer } from 'kubernetes-models/v1';
import type { ImageInfo } from '../../images/index.js';
import type { ContainerStatus } from '../runtime/index.js';
import { Backoff, BACKOFF_RESET_MS } from '../backoff.js';
import type { Prober } from '../probes.js';
import type { TerminatedState, Waiting } from './status.js';

export interface ContainerRecord {
  name: string;
  init: boolean;
  /** The current attempt's container, if one was created. */
  id?: string;
  attempt: number;
  status?: ContainerStatus | undefined;
  image?: ImageInfo | undefined;
  waiting?: Waiting | undefined;
  lastTerminated?: TerminatedState;
  crash: Backoff;
  pull: Backoff;
  ready: boolean;
  started: boolean;
  probes: Prober[];
  /** While it has not passed, the container is not `started` (nor probed otherwise). */
  startupProbe?: Prober | undefined;
}

export function newContainerRecord(
  name: string,
  init: boolean,
  now: () => number,
): ContainerRecord {
  return {
    name,
    init,
    attempt: 0,
    crash: new Backoff(now),
    pull: new Backoff(now),
    ready: false,
    started: false,
    probes: [],
  };
}

/**
 * Takes over a container found after an agent restart (by its labels), unless the record
 * already knows a later attempt. Returns whether it did.
 */
export function adoptAttempt(r: ContainerRecord, s: ContainerStatus, attempt: number): boolean {
  if (r.id && r.attempt > attempt) return false;
  r.id = s.id;
  r.attempt = attempt;
  r.status = s;
  r.started = true;
  return true;
}

export interface PodContainer {
  spec: IContainer;
  init: boolean;
}

/**
 * The containers a sync starts (or restarts), in order: the first init container not yet
 * done (none while one runs, or failed under restartPolicy Never); once all are done, every
 * app container not running that the restart policy lets run again.
 */
export function containersToStart(
  specs: PodContainer[],
  statusOf: (name: string) => ContainerStatus | undefined,
  restartPolicy: string,
): PodContainer[] {
  for (const c of specs.filter((x) => x.init)) {
    const st = statusOf(c.spec.name);
    if (st?.state === 'exited' && st.exitCode === 0) continue;
    if (st?.state === 'running' || st?.state === 'created') return [];
    if (st?.state === 'exited' && restartPolicy === 'Never') return [];
    return [c];
  }
  return specs.filter((c) => {
    if (c.init) return false;
    const st = statusOf(c.spec.name);
    if (st?.state === 'running' || st?.state === 'created') return false;
    if (st?.state === 'exited' || st?.state === 'unknown') {
      const code = st.exitCode ?? 0;
      if (restartPolicy === 'Never' || (restartPolicy === 'OnFailure' && code === 0)) return false;
    }
    return true;
  });
}

/**
 * Before a container that ran before is started again: records its exit in the crash-loop
 * back-off (once per exit; forgotten after a run of 10 minutes) and, while the back-off
 * lasts, sets the CrashLoopBackOff reason. Returns how long to wait (none: start now) and,
 * when the back-off has just begun, the message of the kubelet's BackOff event.
 */
export function crashLoopBackOff(
  r: ContainerRecord,
  now: number,
  pod: { name?: string | undefined; namespace?: string | undefined; uid: string },
): { waitMs: number; event?: string } | undefined {
  if (!r.status || !r.id) return undefined;
  const inBackOff = r.waiting?.reason === 'CrashLoopBackOff';
  if (!inBackOff) {
    const { startedAt, finishedAt } = r.status;
    const ranFor = startedAt && finishedAt ? finishedAt.getTime() - startedAt.getTime() : 0;
    if (ranFor >= BACKOFF_RESET_MS) r.crash.reset();
    r.crash.fail(finishedAt?.getTime() ?? now);
  }
  const waitMs = r.crash.remaining();
  if (waitMs <= 0) return undefined;
  const who = `${pod.name}_${pod.namespace}(${pod.uid})`;
  r.waiting = {
    reason: 'CrashLoopBackOff',
    message: `back-off ${Math.round(r.crash.currentDelayMs / 1000)}s restarting failed container=${r.name} pod=${who}`,
  };
  if (inBackOff) return { waitMs };
  return { waitMs, event: `Back-off restarting failed container ${r.name} in pod ${who}` };
}

/** What is known of an attempt whose create or start failed and left no container. */
export function failedStartStatus(id: string, now: Date): ContainerStatus {
  return {
    id,
    state: 'exited',
    createdAt: now,
    startedAt: now,
    finishedAt: now,
    exitCode: 128,
    reason: 'Error',
    logPath: '',
    labels: {},
    annotations: {},
  };
}
