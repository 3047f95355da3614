// maxSurge / maxUnavailable: int-or-percent values scaled against spec.replicas, with
// kube's rounding (surge rounds up, unavailability rounds down) and its fencepost rule.

import { isRollingUpdate, specReplicas, type Deployment, type IntOrString } from './types.js';

/**
 * An int, or a percent of `total` (`"25%"`), rounded up or down. Throws on anything else
 * (`"3"` is not a percent), as intstr.GetScaledValueFromIntOrPercent does.
 */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return Math.trunc(v);
  if (!v.endsWith('%'))
    throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits))
    throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
  const scaled = (Number(digits) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * The resolved [surge, unavailable] for `desired` replicas. When both round to zero,
 * one pod may be unavailable, so a rollout can always make progress.
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): [number, number] {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

function fenceposts(d: Deployment): [number, number] {
  const ru = d.spec?.strategy?.rollingUpdate;
  try {
    return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, specReplicas(d));
  } catch {
    // Validation keeps bad values out; treat what slipped through as zero, as kube does.
    return [0, 0];
  }
}

/** How many pods above spec.replicas a rolling update may run (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  return fenceposts(d)[0];
}

/** How many of spec.replicas may be unavailable during a rolling update (0 for Recreate). */
export function maxUnavailable(d: Deployment): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d)[1], replicas);
}
