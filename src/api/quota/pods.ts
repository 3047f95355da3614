// What a pod counts against a quota, as kube's pod evaluator measures it: PodRequests and
// PodLimits (init containers as the largest of any one step, sidecars added up, overhead
// on top), the compute usage names derived from them, the QoS class and the scopes.

import { compareQuantity } from '../quantity.js';
import type { KubeObject } from '../types.js';
import { isJsonObject } from '../json.js';
import { isQualifiedName } from '../validation/common.js';
import { addQ, add, count, one, parseResourceList, type ResourceList } from './resources.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isJsonObject(v) ? v : {});
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);

const HUGEPAGES_PREFIX = 'hugepages-';
const REQUESTS_PREFIX = 'requests.';

/** Partially qualified names, or names in a kubernetes.io domain. */
export const isNativeResource = (name: string): boolean =>
  !name.includes('/') || name.includes('kubernetes.io/');

/** helper.IsExtendedResourceName. */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith(REQUESTS_PREFIX)) return false;
  return isQualifiedName(`${REQUESTS_PREFIX}${name}`).length === 0;
}

function addInto(into: ResourceList, list: ResourceList): void {
  for (const [k, v] of list) {
    const cur = into.get(k);
    into.set(k, cur ? addQ(cur, v) : v);
  }
}

function maxInto(into: ResourceList, list: ResourceList): void {
  for (const [k, v] of list) {
    const cur = into.get(k);
    if (!cur || compareQuantity(v, cur) > 0) into.set(k, v);
  }
}

function aggregate(pod: KubeObject, which: 'requests' | 'limits'): ResourceList {
  const spec = obj(pod.spec);
  const total: ResourceList = new Map();
  for (const c of objs(spec.containers)) addInto(total, parseResourceList(obj(c.resources)[which]));
  const sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of objs(spec.initContainers)) {
    const own = parseResourceList(obj(c.resources)[which]);
    if (c.restartPolicy === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      maxInto(initMax, sidecars);
    } else {
      const step: ResourceList = new Map();
      addInto(step, own);
      addInto(step, sidecars);
      maxInto(initMax, step);
    }
  }
  maxInto(total, initMax);
  return total;
}

/** resourcehelper.PodRequests: containers, init containers and overhead. */
export function podRequests(pod: KubeObject): ResourceList {
  const reqs = aggregate(pod, 'requests');
  addInto(reqs, parseResourceList(obj(pod.spec).overhead));
  return reqs;
}

/** resourcehelper.PodLimits: overhead is added only to limits that are set. */
export function podLimits(pod: KubeObject): ResourceList {
  const limits = aggregate(pod, 'limits');
  for (const [k, v] of parseResourceList(obj(pod.spec).overhead)) {
    const cur = limits.get(k);
    if (cur) limits.set(k, addQ(cur, v));
  }
  return limits;
}

/** podComputeUsageHelper: the quota names a set of requests and limits counts for. */
export function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', one()]]);
  const pair = (res: string, plain: boolean): void => {
    const r = requests.get(res);
    if (r) {
      if (plain) out.set(res, r);
      out.set(`requests.${res}`, r);
    }
    const l = limits.get(res);
    if (l) out.set(`limits.${res}`, l);
  };
  pair('cpu', true);
  pair('memory', true);
  pair('ephemeral-storage', true);
  for (const [k, v] of requests) {
    if (k.startsWith(HUGEPAGES_PREFIX)) {
      out.set(k, v);
      out.set(`${REQUESTS_PREFIX}${k}`, v);
    }
    if (isExtendedResourceName(k)) out.set(`${REQUESTS_PREFIX}${k}`, v);
  }
  return out;
}

/** QuotaV1Pod: not terminal, and not past its deletion grace period. */
export function podCountsForQuota(pod: KubeObject, now: Date): boolean {
  const phase = obj(pod.status).phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const ts = pod.metadata.deletionTimestamp;
  const grace = pod.metadata.deletionGracePeriodSeconds;
  if (ts && typeof grace === 'number') {
    if (now.getTime() > new Date(ts).getTime() + grace * 1000) return false;
  }
  return true;
}

/** PodUsageFunc: count/pods always, compute resources while the pod counts. */
export function podUsage(pod: KubeObject, now: Date): ResourceList {
  const base: ResourceList = new Map([['count/pods', count(1)]]);
  if (!podCountsForQuota(pod, now)) return base;
  return add(base, computeUsage(podRequests(pod), podLimits(pod)));
}

const QOS_RESOURCES = new Set(['cpu', 'memory']);

/** GetPodQOS(pod) === BestEffort: no container asks for or limits cpu or memory. */
export function isBestEffort(pod: KubeObject): boolean {
  const spec = obj(pod.spec);
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    const res = obj(c.resources);
    for (const which of ['requests', 'limits'])
      for (const [k, v] of parseResourceList(res[which]))
        if (QOS_RESOURCES.has(k) && v.n !== 0n) return false;
  }
  return true;
}

/** The Terminating scope: spec.activeDeadlineSeconds set (and not negative). */
export function isTerminating(pod: KubeObject): boolean {
  const d = obj(pod.spec).activeDeadlineSeconds;
  return typeof d === 'number' && d >= 0;
}

const crossNamespaceTerm = (t: Obj): boolean =>
  (Array.isArray(t.namespaces) && t.namespaces.length > 0) || t.namespaceSelector != null;

/** The CrossNamespacePodAffinity scope: an (anti-)affinity term naming other namespaces. */
export function usesCrossNamespacePodAffinity(pod: KubeObject): boolean {
  const affinity = obj(obj(pod.spec).affinity);
  for (const key of ['podAffinity', 'podAntiAffinity']) {
    const a = obj(affinity[key]);
    if (objs(a.requiredDuringSchedulingIgnoredDuringExecution).some(crossNamespaceTerm))
      return true;
    if (
      objs(a.preferredDuringSchedulingIgnoredDuringExecution).some((w) =>
        crossNamespaceTerm(obj(w.podAffinityTerm)),
      )
    )
      return true;
  }
  return false;
}
