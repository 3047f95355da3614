// Who controls whom: a pod's owner chain (pod → replica set → deployment, pod → job → cron
// job) read from ownerReferences, and the memory a workload uses summed over the pods under it.

import type { KObject } from '../api/reducer.js';
import { parseQuantity } from './quantity.js';

export type OwnerRef = NonNullable<KObject['metadata']['ownerReferences']>[number];

/** The controller among an object's owners (the one `kubectl describe` names "Controlled By"). */
export function controllerOf(o: KObject): OwnerRef | undefined {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? undefined;
}

/**
 * The uids above an object, nearest first, following controller references through the
 * objects given (replica sets, jobs): pod → [rs uid, deployment uid]. Stops at a loop.
 */
export function ownerChain(o: KObject, byUid: ReadonlyMap<string, KObject>): string[] {
  const chain: string[] = [];
  let ref = controllerOf(o);
  while (ref && !chain.includes(ref.uid)) {
    chain.push(ref.uid);
    const parent = byUid.get(ref.uid);
    ref = parent ? controllerOf(parent) : undefined;
  }
  return chain;
}

export function indexByUid(objects: Iterable<KObject>): Map<string, KObject> {
  const m = new Map<string, KObject>();
  for (const o of objects) if (o.metadata.uid) m.set(o.metadata.uid, o);
  return m;
}

/** A PodMetrics' memory: the sum of its containers' working sets, in bytes. */
export function podMetricsMemory(pm: KObject): number {
  let sum = 0;
  for (const c of (pm.containers ?? []) as any[]) {
    const v = parseQuantity(c.usage?.memory);
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

/** A PodMetrics' CPU in cores. */
export function podMetricsCpu(pm: KObject): number {
  let sum = 0;
  for (const c of (pm.containers ?? []) as any[]) {
    const v = parseQuantity(c.usage?.cpu);
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

const nsName = (o: KObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Memory by pod (namespace/name), from a PodMetrics list. */
export function memoryByPod(metrics: Iterable<KObject>): Map<string, number> {
  const m = new Map<string, number>();
  for (const pm of metrics) m.set(nsName(pm), podMetricsMemory(pm));
  return m;
}

/**
 * Memory by owner uid: every pod with metrics adds its memory to each object above it, so a
 * deployment gets its replica sets' pods and a cron job its jobs' pods. `between` are the
 * objects a chain passes through (replica sets, jobs). Pods without metrics add nothing, and
 * an owner none of whose pods has metrics is absent (shown as "—", not as 0).
 */
export function memoryByOwner(
  pods: Iterable<KObject>,
  byPod: ReadonlyMap<string, number>,
  between: Iterable<KObject>,
): Map<string, number> {
  const byUid = indexByUid(between);
  const sums = new Map<string, number>();
  for (const pod of pods) {
    const mem = byPod.get(nsName(pod));
    if (mem === undefined) continue;
    for (const uid of ownerChain(pod, byUid)) sums.set(uid, (sums.get(uid) ?? 0) + mem);
  }
  return sums;
}

/** The objects among `candidates` whose chain passes through `uid` (the pods a deployment runs). */
export function controlledBy(
  uid: string,
  candidates: Iterable<KObject>,
  between: Iterable<KObject>,
): KObject[] {
  const byUid = indexByUid(between);
  const out: KObject[] = [];
  for (const c of candidates) if (ownerChain(c, byUid).includes(uid)) out.push(c);
  return out;
}

/** Objects directly owned by `uid` (a deployment's replica sets, a cron job's jobs). */
export function ownedBy(uid: string, candidates: Iterable<KObject>): KObject[] {
  const out: KObject[] = [];
  for (const c of candidates)
    if ((c.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) out.push(c);
  return out;
}

/** Does a label selector (matchLabels and matchExpressions) select these labels? */
export function selects(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: any[] } | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}))
    if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const values: string[] = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A selector the way kubectl writes it: `app=web,tier in (a,b),!legacy`. */
export function selectorString(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: any[] } | undefined,
): string {
  if (!selector) return '';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const vs = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vs})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vs})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
