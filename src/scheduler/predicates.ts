// The filters kube-scheduler runs to decide whether a pod fits a node, each returning the
// reason text its "0/N nodes are available" message uses.

import type { KubeObject } from '../api/types.js';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
}
export interface Taint {
  key: string;
  value?: string;
  effect: string;
}
interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}
interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

type Spec = Record<string, unknown>;
const specOf = (o: KubeObject): Spec => (o['spec'] ?? {}) as Spec;

export function tolerates(tolerations: Toleration[], t: Taint): boolean {
  return tolerations.some((tol) => {
    if (tol.effect && tol.effect !== t.effect) return false;
    if (tol.operator === 'Exists') return !tol.key || tol.key === t.key;
    return tol.key === t.key && (tol.value ?? '') === (t.value ?? '');
  });
}

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(r.values?.[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(r.values?.[0]);
    default:
      return false;
  }
}

function matchesTerm(term: NodeSelectorTerm, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  return (
    exprs.every((r) => matchRequirement(r, labels[r.key])) &&
    fields.every((r) =>
      matchRequirement(r, r.key === 'metadata.name' ? node.metadata.name : undefined),
    )
  );
}

/** nodeSelector and required node affinity. */
export function matchesNodeSelector(pod: KubeObject, node: KubeObject): boolean {
  const spec = specOf(pod);
  const sel = (spec['nodeSelector'] ?? {}) as Record<string, string>;
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(sel)) if (labels[k] !== v) return false;
  const required = ((spec['affinity'] as Spec | undefined)?.['nodeAffinity'] as Spec | undefined)?.[
    'requiredDuringSchedulingIgnoredDuringExecution'
  ] as { nodeSelectorTerms?: NodeSelectorTerm[] } | undefined;
  if (required?.nodeSelectorTerms?.length)
    return required.nodeSelectorTerms.some((t) => matchesTerm(t, node));
  return true;
}

/** The first NoSchedule/NoExecute taint the pod does not tolerate. */
export function untoleratedTaint(pod: KubeObject, node: KubeObject): Taint | undefined {
  const taints = ((specOf(node)['taints'] ?? []) as Taint[]).filter(
    (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute',
  );
  const tolerations = (specOf(pod)['tolerations'] ?? []) as Toleration[];
  return taints.find((t) => !tolerates(tolerations, t));
}

// ---- resources ----

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/** A quantity (`500m`, `128Mi`, `1.5`, `2e3`) as a number. */
export function quantity(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return 0;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(
    q.trim(),
  );
  if (!m) return 0;
  return Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? 1);
}

/** Effective requests: the sum over app containers, at least the largest init container's. */
export function podRequests(pod: KubeObject): Record<string, number> {
  const spec = specOf(pod);
  const sum: Record<string, number> = {};
  const add = (into: Record<string, number>, c: Spec): void => {
    const req = ((c['resources'] as Spec | undefined)?.['requests'] ?? {}) as Record<
      string,
      unknown
    >;
    for (const [k, v] of Object.entries(req)) into[k] = (into[k] ?? 0) + quantity(v);
  };
  for (const c of (spec['containers'] ?? []) as Spec[]) add(sum, c);
  for (const c of (spec['initContainers'] ?? []) as Spec[]) {
    const one: Record<string, number> = {};
    add(one, c);
    for (const [k, v] of Object.entries(one)) sum[k] = Math.max(sum[k] ?? 0, v);
  }
  const overhead = (spec['overhead'] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(overhead)) sum[k] = (sum[k] ?? 0) + quantity(v);
  return sum;
}

/** Resources the pod asks for beyond what is left on the node, as `Insufficient cpu`. */
export function insufficient(
  pod: KubeObject,
  node: KubeObject,
  podsOnNode: KubeObject[],
): string[] {
  const alloc = (((node['status'] ?? {}) as Spec)['allocatable'] ?? {}) as Record<string, unknown>;
  const want = podRequests(pod);
  const used: Record<string, number> = {};
  for (const p of podsOnNode)
    for (const [k, v] of Object.entries(podRequests(p))) used[k] = (used[k] ?? 0) + v;
  const out: string[] = [];
  const maxPods = quantity(alloc['pods'] ?? '110');
  if (podsOnNode.length + 1 > maxPods) out.push('Too many pods');
  for (const [k, v] of Object.entries(want)) {
    if (v <= 0) continue;
    if (alloc[k] === undefined) {
      out.push(`Insufficient ${k}`);
      continue;
    }
    // Compare in milli-units to avoid floating-point noise.
    if (
      Math.round((used[k] ?? 0) * 1000) + Math.round(v * 1000) >
      Math.round(quantity(alloc[k]) * 1000)
    )
      out.push(`Insufficient ${k}`);
  }
  return out;
}

export function nodeReady(node: KubeObject): boolean {
  const conds = (((node['status'] ?? {}) as Spec)['conditions'] ?? []) as {
    type: string;
    status: string;
  }[];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}
