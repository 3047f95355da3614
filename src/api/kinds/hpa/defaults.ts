// SetDefaults_HorizontalPodAutoscaler of autoscaling/v2 (and v1's, which only sets
// minReplicas): one replica at least, 80 % average CPU when no metric is given, and, once a
// behavior is given, every unset scaling rule field of scaleUp and scaleDown filled.

import type { KubeObject } from '../../types.js';
import { asObj, ensureObj, type Obj } from '../kindutil.js';

/** autoscaling.DefaultCPUUtilization. */
export const DEFAULT_CPU_UTILIZATION = 80;

export const defaultCpuMetric = (): Obj => ({
  type: 'Resource',
  resource: {
    name: 'cpu',
    target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION },
  },
});

/** The rules kube's HPA followed before behaviors existed: the scale-up default. */
const scaleUpDefaults = (): Obj => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});

/**
 * The scale-down default: no stabilization window of its own, as the controller's
 * `--horizontal-pod-autoscaler-downscale-stabilization` fills it at run time.
 */
const scaleDownDefaults = (): Obj => ({
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** copyHPAScalingRules: every field the user set wins over the default's. */
function scalingRules(given: unknown, defaults: Obj): Obj {
  const from = asObj(given);
  if (!from) return defaults;
  const out: Obj = {};
  const window = isSet(from.stabilizationWindowSeconds)
    ? from.stabilizationWindowSeconds
    : defaults.stabilizationWindowSeconds;
  if (window !== undefined) out.stabilizationWindowSeconds = window;
  out.selectPolicy = isSet(from.selectPolicy) ? from.selectPolicy : defaults.selectPolicy;
  out.policies = isSet(from.policies) ? from.policies : defaults.policies;
  return out;
}

/** v1's defaulter (the CPU target is v1's conversion's, which knows every metric). */
export function defaultHpaV1(hpa: KubeObject): void {
  const spec = ensureObj(hpa as Obj, 'spec');
  if (!isSet(spec.minReplicas)) spec.minReplicas = 1;
}

export function defaultHpa(hpa: KubeObject): void {
  const spec = ensureObj(hpa as Obj, 'spec');
  if (!isSet(spec.minReplicas)) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0)
    spec.metrics = [defaultCpuMetric()];
  const behavior = asObj(spec.behavior);
  if (behavior) {
    behavior.scaleUp = scalingRules(behavior.scaleUp, scaleUpDefaults());
    behavior.scaleDown = scalingRules(behavior.scaleDown, scaleDownDefaults());
  }
}
