// The status a DaemonSet should show (updateDaemonSetStatus): per node that should run the
// daemon, whether it has a pod and whether the oldest one is ready, available and current;
// pods on nodes that should not run it are misscheduled.

import { isPodReady } from '../replicaset/podutil.js';
import type { Pod } from '../replicaset/types.js';
import { placement } from './placement.js';
import { available, byAgeScheduledFirst, isPodUpdated, templateGeneration } from './pods.js';
import type { DaemonSet, DaemonSetStatus, Node } from './types.js';

const COUNTERS = [
  'desiredNumberScheduled',
  'currentNumberScheduled',
  'numberMisscheduled',
  'numberReady',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
] as const;

export function calculateStatus(
  ds: DaemonSet,
  nodes: Node[],
  podsByNode: Map<string, Pod[]>,
  hash: string,
  now: Date,
): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let availableCount = 0;
  let updated = 0;
  const generation = templateGeneration(ds);
  for (const node of nodes) {
    const pods = podsByNode.get(node.metadata.name ?? '') ?? [];
    if (!placement(ds, node).shouldRun) {
      if (pods.length) misscheduled++;
      continue;
    }
    desired++;
    if (!pods.length) continue;
    current++;
    const pod = [...pods].sort(byAgeScheduledFirst)[0] as Pod;
    if (isPodReady(pod)) {
      ready++;
      if (available(pod, ds, now)) availableCount++;
    }
    if (isPodUpdated(pod, hash, generation)) updated++;
  }
  const status: DaemonSetStatus = {
    ...structuredClone(ds.status ?? {}),
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
  };
  const optional = (
    k: 'updatedNumberScheduled' | 'numberAvailable' | 'numberUnavailable',
    n: number,
  ): void => {
    if (n) status[k] = n;
    else delete status[k];
  };
  optional('updatedNumberScheduled', updated);
  optional('numberAvailable', availableCount);
  optional('numberUnavailable', desired - availableCount);
  return status;
}

export function statusChanged(ds: DaemonSet, next: DaemonSetStatus): boolean {
  const cur = ds.status ?? {};
  return (
    COUNTERS.some((k) => (cur[k] ?? 0) !== (next[k] ?? 0)) ||
    (cur.observedGeneration ?? 0) !== (next.observedGeneration ?? 0)
  );
}
