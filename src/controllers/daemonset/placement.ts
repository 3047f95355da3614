// Where a daemon pod belongs (kube's NodeShouldRunDaemonPod): the template's node selector
// and node affinity must match the node, and its tolerations — with the ones every daemon
// pod gets — must cover the node's NoSchedule and NoExecute taints. A pod on a node whose
// untolerated taints are only NoSchedule may keep running there.

import {
  podSpecFitsNode,
  tolerates,
  type Taint,
  type Toleration,
} from '../../api/node-selection.js';
import type { Pod } from '../replicaset/types.js';
import type { DaemonSet, Node } from './types.js';

// The scheduler's node-fit filters (node selector, required node affinity, taints), as the
// DaemonSet controller applies them itself: src/api/node-selection.ts.

export type { Toleration };

/** The tolerations AddOrUpdateDaemonPodTolerations adds, in its order. */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t = (key: string, effect: string): Toleration => ({
    key: `node.kubernetes.io/${key}`,
    operator: 'Exists',
    effect,
  });
  return [
    t('not-ready', 'NoExecute'),
    t('unreachable', 'NoExecute'),
    t('disk-pressure', 'NoSchedule'),
    t('memory-pressure', 'NoSchedule'),
    t('pid-pressure', 'NoSchedule'),
    t('unschedulable', 'NoSchedule'),
    ...(hostNetwork ? [t('network-unavailable', 'NoSchedule')] : []),
  ];
}

const sameToleration = (a: Toleration, b: Toleration): boolean =>
  (a.key ?? '') === (b.key ?? '') &&
  (a.effect ?? '') === (b.effect ?? '') &&
  (a.operator ?? '') === (b.operator ?? '') &&
  (a.value ?? '') === (b.value ?? '');

/** The pod spec's tolerations with the daemon ones added (each once). */
export function withDaemonTolerations(spec: Record<string, unknown>): Toleration[] {
  const out = [...((spec['tolerations'] ?? []) as Toleration[])];
  for (const t of daemonTolerations(spec['hostNetwork'] === true))
    if (!out.some((o) => sameToleration(o, t))) out.push(t);
  return out;
}

export interface Placement {
  /** A daemon pod should be created here if there is none. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

export function placement(ds: DaemonSet, node: Node): Placement {
  const spec = (ds.spec?.template?.spec ?? {}) as Record<string, unknown>;
  const nodeName = spec['nodeName'];
  if (
    (typeof nodeName === 'string' && nodeName && nodeName !== node.metadata.name) ||
    !podSpecFitsNode(spec, node)
  )
    return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec);
  const taints = (((node['spec'] ?? {}) as Record<string, unknown>)['taints'] ?? []) as Taint[];
  const untolerated = (effects: string[]): boolean =>
    taints.some((t) => effects.includes(t.effect) && !tolerates(tolerations, t));
  if (!untolerated(['NoSchedule', 'NoExecute']))
    return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: !untolerated(['NoExecute']) };
}

/** GetTargetNodeName: the pod's node, or the one its node affinity pins it to. */
export function targetNode(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const affinity = pod.spec?.['affinity'] as
    | {
        nodeAffinity?: {
          requiredDuringSchedulingIgnoredDuringExecution?: {
            nodeSelectorTerms?: {
              matchFields?: { key: string; operator: string; values?: string[] }[];
            }[];
          };
        };
      }
    | undefined;
  const terms =
    affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms)
    for (const f of term.matchFields ?? [])
      if (f.key === 'metadata.name' && f.operator === 'In')
        return f.values?.length === 1 ? f.values[0] : undefined;
  return undefined;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: required node affinity = exactly this node. */
export function pinToNode(spec: Record<string, unknown>, node: string): void {
  const affinity = { ...((spec['affinity'] ?? {}) as Record<string, unknown>) };
  const nodeAffinity = { ...((affinity['nodeAffinity'] ?? {}) as Record<string, unknown>) };
  nodeAffinity['requiredDuringSchedulingIgnoredDuringExecution'] = {
    nodeSelectorTerms: [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] },
    ],
  };
  affinity['nodeAffinity'] = nodeAffinity;
  spec['affinity'] = affinity;
}
