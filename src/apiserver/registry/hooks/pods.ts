// Pod deletion is graceful once a node runs the pod: the node agent finishes it.

import type { KubeObject, ResourceDef } from '../../../api/types.js';
import type { ResourceHooks } from '../types.js';
import { admitServiceAccount } from './serviceaccount-admission.js';
import { admitPodLimits } from './limitranger.js';
import { admitPodPriority } from './priority.js';

export const podHooks = (
  serviceAccounts: ResourceDef,
  limitRanges: ResourceDef,
  priorityClasses: ResourceDef,
): ResourceHooks => ({
  beforeCreate: async (pod, ctx) => {
    await admitServiceAccount(pod, ctx, serviceAccounts);
    await admitPodLimits(pod, ctx, limitRanges);
    await admitPodPriority(pod, ctx, priorityClasses);
  },
  gracePeriodSeconds(pod: KubeObject, requested: number | undefined): number {
    const spec = (pod['spec'] ?? {}) as {
      nodeName?: string;
      terminationGracePeriodSeconds?: number;
    };
    const phase = ((pod['status'] ?? {}) as { phase?: string }).phase;
    // Not on a node yet, or already finished: nothing to stop, so it goes at once.
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    // An explicit 0 (kubectl --force) removes the object at once.
    if (requested === 0) return 0;
    const g = requested ?? spec.terminationGracePeriodSeconds ?? 30;
    return g;
  },
  returnDeletedObject: true,
});
