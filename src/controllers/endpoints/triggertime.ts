// The `endpoints.kubernetes.io/last-change-trigger-time` value: the earliest change (pod
// readiness transition or service creation) not yet published, as
// k8s.io/endpointslice/util's TriggerTimeTracker computes it.

import { formatTimeNano } from '../../api/time.js';
import { readyCondition } from './pods.js';
import type { Pod, Service } from './types.js';

interface State {
  service: number;
  pods: Map<string, number>;
}

export interface TriggerTimeTracker {
  /** The time to publish (undefined: clear the annotation); remembers what it saw. */
  compute(service: Service, pods: Pod[]): string | undefined;
  forget(namespace: string, name: string): void;
}

const ms = (t: string | null | undefined): number => {
  const v = t ? Date.parse(t) : NaN;
  return Number.isNaN(v) ? 0 : v;
};

export function createTriggerTimeTracker(): TriggerTimeTracker {
  const states = new Map<string, State>();
  return {
    compute(service, pods) {
      const key = `${service.metadata.namespace}/${service.metadata.name}`;
      const prev = states.get(key);
      let min = 0;
      const consider = (t: number): void => {
        if (min === 0 || t < min) min = t;
      };
      const podTimes = new Map<string, number>();
      for (const pod of pods) {
        const t = ms(readyCondition(pod)?.lastTransitionTime);
        if (!t) continue;
        const name = pod.metadata.name ?? '';
        podTimes.set(name, t);
        if (t > (prev?.pods.get(name) ?? 0)) consider(t);
      }
      const svcTime = ms(service.metadata.creationTimestamp);
      if (svcTime > (prev?.service ?? 0)) consider(svcTime);
      states.set(key, { service: svcTime, pods: podTimes });
      // A service seen for the first time publishes its own creation time.
      if (!prev) return svcTime ? formatTimeNano(svcTime) : undefined;
      return min ? formatTimeNano(min) : undefined;
    },
    forget(namespace, name) {
      states.delete(`${namespace}/${name}`);
    },
  };
}
