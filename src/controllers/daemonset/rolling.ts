// RollingUpdate (kube's rollingUpdate): which old pods to delete and which nodes get a new
// pod next. Without surge, old pods go at most maxUnavailable at a time (unavailable ones
// first) and the manage step recreates them; with surge, a new pod starts beside an old one
// on at most maxSurge nodes and the old pod goes once the new one is available.

import type { Pod } from '../replicaset/types.js';
import { available, isPodUpdated, templateGeneration } from './pods.js';
import type { DaemonSet } from './types.js';

/** GetScaledValueFromIntOrPercent, rounding up. */
function scaled(v: number | string | undefined, total: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v))
    return Math.ceil((Number(v.slice(0, -1)) * total) / 100);
  return Number.isInteger(Number(v)) ? Number(v) : 0;
}

export function surgeAndUnavailable(
  ds: DaemonSet,
  desired: number,
): { surge: number; unavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
  const surge = scaled(ru.maxSurge, desired);
  let unavailable = scaled(ru.maxUnavailable, desired);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export const allowsSurge = (ds: DaemonSet): boolean =>
  ds.spec?.updateStrategy?.type === 'RollingUpdate' &&
  scaled(ds.spec.updateStrategy.rollingUpdate?.maxSurge, 1) !== 0;

/** findUpdatedPodsOnNode: the node's one new and one old pod, or undefined if it has more. */
function splitPods(
  ds: DaemonSet,
  pods: Pod[],
  hash: string,
): { newPod?: Pod; oldPod?: Pod } | undefined {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  const generation = templateGeneration(ds);
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, generation)) {
      if (newPod) return undefined;
      newPod = p;
    } else {
      if (oldPod) return undefined;
      oldPod = p;
    }
  }
  return { ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}) };
}

export interface RollingStep {
  deletePods: Pod[];
  createOn: string[];
}

/** `podsByNode` holds every node with daemon pods and every node that should have one. */
export function rollingUpdateStep(
  ds: DaemonSet,
  podsByNode: Map<string, Pod[]>,
  desired: number,
  hash: string,
  now: Date,
): RollingStep {
  const { surge, unavailable } = surgeAndUnavailable(ds, desired);
  const nodes = [...podsByNode.keys()].sort();
  if (surge === 0) {
    let numUnavailable = 0;
    const allowed: Pod[] = [];
    const candidates: Pod[] = [];
    for (const node of nodes) {
      const split = splitPods(ds, podsByNode.get(node) ?? [], hash);
      if (!split) {
        numUnavailable++;
        continue;
      }
      const { newPod, oldPod } = split;
      if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
      else if (newPod) {
        if (!available(newPod, ds, now)) numUnavailable++;
      } else if (oldPod) {
        if (!available(oldPod, ds, now)) allowed.push(oldPod);
        else if (numUnavailable < unavailable) candidates.push(oldPod);
      }
    }
    const remaining = Math.min(Math.max(unavailable - numUnavailable, 0), candidates.length);
    return { deletePods: [...allowed, ...candidates.slice(0, remaining)], createOn: [] };
  }
  let numSurge = 0;
  const allowedNodes: string[] = [];
  const candidateNodes: string[] = [];
  const deletePods: Pod[] = [];
  for (const node of nodes) {
    const split = splitPods(ds, podsByNode.get(node) ?? [], hash);
    if (!split) {
      numSurge++;
      continue;
    }
    const { newPod, oldPod } = split;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod, ds, now)) allowedNodes.push(node);
      else if (numSurge < surge) candidateNodes.push(node);
    } else if (!available(newPod, ds, now)) numSurge++;
    else deletePods.push(oldPod);
  }
  const remaining = Math.min(Math.max(surge - numSurge, 0), candidateNodes.length);
  return { deletePods, createOn: [...allowedNodes, ...candidateNodes.slice(0, remaining)] };
}
