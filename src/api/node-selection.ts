// Whether a node suits a pod or a volume, as kube's component-helpers/scheduling/corev1 decide
// it for the scheduler, the DaemonSet controller and the volume binder alike: node selector
// terms (label expressions and the metadata.name field), a pod's nodeSelector with its
// required node affinity, and tolerations against taints.

import type { KubeObject } from './types.js';

export interface NodeSelectorRequirement {
  key?: string;
  operator?: string;
  values?: string[];
}
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}
export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

function requirementHolds(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

/** One term: all its expressions and fields hold (an empty term matches nothing). */
function termMatches(term: NodeSelectorTerm, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  return (
    exprs.every((r) => requirementHolds(r, labels[r.key ?? ''])) &&
    fields.every((r) =>
      requirementHolds(r, r.key === 'metadata.name' ? node.metadata.name : undefined),
    )
  );
}

/** A NodeSelector: any of its terms matches. */
export const matchesAnyTerm = (terms: readonly NodeSelectorTerm[], node: KubeObject): boolean =>
  terms.some((t) => termMatches(t, node));

/** A pod spec's nodeSelector and required node affinity (none: any node). */
export function podSpecFitsNode(spec: Record<string, unknown>, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  const sel = (spec['nodeSelector'] ?? {}) as Record<string, string>;
  if (Object.entries(sel).some(([k, v]) => labels[k] !== v)) return false;
  const affinity = spec['affinity'] as
    | {
        nodeAffinity?: {
          requiredDuringSchedulingIgnoredDuringExecution?: {
            nodeSelectorTerms?: NodeSelectorTerm[];
          };
        };
      }
    | undefined;
  const terms =
    affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !terms?.length || matchesAnyTerm(terms, node);
}

/** Whether one of the tolerations tolerates the taint. */
export function tolerates(tolerations: readonly Toleration[], t: Taint): boolean {
  return tolerations.some((tol) => {
    if (tol.effect && tol.effect !== t.effect) return false;
    if (tol.operator === 'Exists') return !tol.key || tol.key === t.key;
    return tol.key === t.key && (tol.value ?? '') === (t.value ?? '');
  });
}
