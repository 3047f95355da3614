// The filters kube-scheduler runs to decide whether a pod fits a node, each returning the
// reason text its "0/N nodes are available" message uses.

import {
  matchesAnyTerm,
  podSpecFitsNode,
  tolerates,
  type Taint,
  type Toleration,
} from '../api/node-selection.js';
import type { KubeObject } from '../api/types.js';
import {
  ZERO,
  addQuantity,
  approximateNumber,
  compareQuantity,
  parseQuantity,
} from '../api/quantity.js';
import type { Quantity } from '../api/quantity.js';

export type { Taint, Toleration };
/** Whether a node matches any of the terms (a NodeSelector: volume node affinity). */
export { matchesAnyTerm };

type Spec = Record<string, unknown>;
const specOf = (o: KubeObject): Spec => (o['spec'] ?? {}) as Spec;

/** nodeSelector and required node affinity. */
export const matchesNodeSelector = (pod: KubeObject, node: KubeObject): boolean =>
  podSpecFitsNode(specOf(pod), node);

/** The first NoSchedule/NoExecute taint the pod does not tolerate. */
export function untoleratedTaint(pod: KubeObject, node: KubeObject): Taint | undefined {
  const taints = ((specOf(node)['taints'] ?? []) as Taint[]).filter(
    (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute',
  );
  const tolerations = (specOf(pod)['tolerations'] ?? []) as Toleration[];
  return taints.find((t) => !tolerates(tolerations, t));
}

// ---- resources ----

const quantityOf = (v: unknown): Quantity => parseQuantity(v) ?? ZERO;

/** Effective requests, exact: the sum over app containers, at least the largest init container's. */
function podRequestQuantities(pod: KubeObject): Map<string, Quantity> {
  const spec = specOf(pod);
  const sum = new Map<string, Quantity>();
  const add = (into: Map<string, Quantity>, list: unknown): void => {
    for (const [k, v] of Object.entries((list ?? {}) as Record<string, unknown>))
      into.set(k, addQuantity(into.get(k) ?? ZERO, quantityOf(v)));
  };
  for (const c of (spec['containers'] ?? []) as Spec[])
    add(sum, (c['resources'] as Spec | undefined)?.['requests']);
  for (const c of (spec['initContainers'] ?? []) as Spec[]) {
    const one = new Map<string, Quantity>();
    add(one, (c['resources'] as Spec | undefined)?.['requests']);
    for (const [k, v] of one) {
      const cur = sum.get(k) ?? ZERO;
      if (compareQuantity(v, cur) > 0) sum.set(k, v);
    }
  }
  add(sum, spec['overhead']);
  return sum;
}

/** Effective requests as numbers, for the spreading score only (comparisons stay exact). */
export function podRequests(pod: KubeObject): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of podRequestQuantities(pod)) out[k] = approximateNumber(v);
  return out;
}

/** Resources the pod asks for beyond what is left on the node, as `Insufficient cpu`. */
export function insufficient(
  pod: KubeObject,
  node: KubeObject,
  podsOnNode: KubeObject[],
): string[] {
  const alloc = (((node['status'] ?? {}) as Spec)['allocatable'] ?? {}) as Record<string, unknown>;
  const want = podRequestQuantities(pod);
  const used = new Map<string, Quantity>();
  for (const p of podsOnNode)
    for (const [k, v] of podRequestQuantities(p)) used.set(k, addQuantity(used.get(k) ?? ZERO, v));
  const out: string[] = [];
  const maxPods = quantityOf(alloc['pods'] ?? '110');
  if (compareQuantity(quantityOf(podsOnNode.length + 1), maxPods) > 0) out.push('Too many pods');
  for (const [k, v] of want) {
    if (compareQuantity(v, ZERO) <= 0) continue;
    if (alloc[k] === undefined) {
      out.push(`Insufficient ${k}`);
      continue;
    }
    if (compareQuantity(addQuantity(used.get(k) ?? ZERO, v), quantityOf(alloc[k])) > 0)
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
