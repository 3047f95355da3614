// The Job's pods: what the controller creates (template, finalizer, completion index) and
// how it reads them (finished, failed, their index and finish time), as kube's job
// controller does.

import type { OwnerReference } from '../../api/types.js';
import { batch } from '../../api/kinds/index.js';

const { COMPLETION_INDEX, JOB_TRACKING_FINALIZER } = batch;
import type { Pod } from '../replicaset/types.js';
import type { Job } from './types.js';
import { newControllerRef } from '../../api/owners.js';

/** The pod fields this controller reads beyond the replica controllers' view. */
interface PodStatusDetail {
  phase?: string;
  containerStatuses?: { restartCount?: number; state?: { terminated?: { finishedAt?: string } } }[];
  initContainerStatuses?: { restartCount?: number }[];
}

const statusOf = (p: Pod): PodStatusDetail => (p.status ?? {}) as PodStatusDetail;

export const hasTrackingFinalizer = (p: Pod): boolean =>
  p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;

export const isIndexed = (job: Job): boolean => job.spec?.completionMode === 'Indexed';

/** Whether only failed pods are replaced (podReplacementPolicy Failed, or a podFailurePolicy). */
export const onlyReplaceFailed = (job: Job): boolean =>
  job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy !== undefined;

/**
 * isPodFailed: phase Failed; and, unless only failed pods are replaced, a pod being deleted
 * before it succeeded (it may never reach a phase).
 */
export function isPodFailed(p: Pod, job: Job): boolean {
  const phase = statusOf(p).phase;
  if (phase === 'Failed') return true;
  if (onlyReplaceFailed(job)) return false;
  return !!p.metadata.deletionTimestamp && phase !== 'Succeeded';
}

export const isPodSucceeded = (p: Pod): boolean => statusOf(p).phase === 'Succeeded';

/** Neither finished nor being deleted. */
export const isPodActive = (p: Pod): boolean => {
  const phase = statusOf(p).phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !p.metadata.deletionTimestamp;
};

/** Being deleted and not yet in a final phase. */
export const isPodTerminating = (p: Pod): boolean => {
  const phase = statusOf(p).phase;
  return !!p.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
};

export const isPodReady = (p: Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** getCompletionIndex: the annotation (or label) as a non-negative integer. */
export function completionIndex(p: Pod): number | undefined {
  const text = p.metadata.annotations?.[COMPLETION_INDEX] ?? p.metadata.labels?.[COMPLETION_INDEX];
  if (text === undefined || !/^(0|[1-9][0-9]*)$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** When a finished pod finished: its last container's end, else its deletion, else now. */
export function finishTime(p: Pod, now: Date): number {
  let latest: number | undefined;
  for (const c of statusOf(p).containerStatuses ?? []) {
    const t = Date.parse(c.state?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(t) && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return latest;
  const deleted = Date.parse(p.metadata.deletionTimestamp ?? '');
  return Number.isNaN(deleted) ? now.getTime() : deleted;
}

/** Container restarts of a pod (pods that restart OnFailure count these against the limit). */
export function restarts(p: Pod): number {
  const s = statusOf(p);
  let n = 0;
  for (const c of [...(s.containerStatuses ?? []), ...(s.initContainerStatuses ?? [])])
    n += c.restartCount ?? 0;
  return n;
}

export const jobControllerRef = (job: Job): OwnerReference =>
  newControllerRef(job, 'batch/v1', 'Job');

const INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** addCompletionIndexEnvVariable: the index from the pod's annotation, unless already set. */
function withIndexEnv(containers: unknown): unknown {
  if (!Array.isArray(containers)) return containers;
  return containers.map((c: Record<string, unknown>) => {
    const env = Array.isArray(c.env) ? (c.env as { name?: string }[]) : [];
    if (env.some((e) => e.name === INDEX_ENV)) return c;
    return {
      ...c,
      env: [
        ...env,
        {
          name: INDEX_ENV,
          valueFrom: {
            fieldRef: {
              apiVersion: 'v1',
              fieldPath: `metadata.annotations['${COMPLETION_INDEX}']`,
            },
          },
        },
      ],
    };
  });
}

/** The longest generateName prefix before the API server's 5-character suffix. */
const MAX_GENERATE_NAME = 58;

/**
 * A new pod of the Job: the template's labels, annotations and finalizers plus the tracking
 * finalizer, the Job as controller, named `JOB-xxxxx`; an Indexed job's pod carries its index
 * (annotation, label, JOB_COMPLETION_INDEX) and is named `JOB-INDEX-xxxxx` with the host
 * name `JOB-INDEX`.
 */
export function jobPod(job: Job, index?: number): Pod {
  const t = job.spec?.template ?? {};
  const meta = t.metadata ?? {};
  const name = job.metadata.name ?? '';
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}) };
  const spec: Record<string, unknown> = structuredClone(t.spec ?? {});
  let generateName = `${name}-`;
  if (index !== undefined) {
    annotations[COMPLETION_INDEX] = String(index);
    labels[COMPLETION_INDEX] = String(index);
    spec.containers = withIndexEnv(spec.containers);
    spec.initContainers = withIndexEnv(spec.initContainers);
    if (spec.initContainers === undefined) delete spec.initContainers;
    if (!spec.hostname) spec.hostname = `${name}-${index}`;
    const withIndex = `${name}-${index}-`;
    if (withIndex.length <= MAX_GENERATE_NAME) generateName = withIndex;
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
      finalizers: [...(meta.finalizers ?? []), JOB_TRACKING_FINALIZER],
      ownerReferences: [jobControllerRef(job)],
    },
    spec,
  };
}

/**
 * The order pods go in when fewer are wanted (activePodsForRemoval): unscheduled before
 * scheduled, pending before running, not ready before ready, then the newest first.
 */
export function removalOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod): number[] => [
    p.spec?.nodeName ? 1 : 0,
    statusOf(p).phase === 'Pending' ? 0 : statusOf(p).phase === 'Running' ? 2 : 1,
    isPodReady(p) ? 1 : 0,
  ];
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return (ra[i] ?? 0) - (rb[i] ?? 0);
  return (
    Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? '')
  );
}
