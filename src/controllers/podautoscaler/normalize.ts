// What the controller remembers between syncs and how it turns a metric's proposal into
// the replica count it sets (horizontal.go): recent recommendations for the stabilization
// windows, recent scale events for the behavior policies' rates, and the limits — min and
// max replicas, and without a behavior the old rule of at most doubling (or 4) per step.

import type { ScalingRules } from './types.js';

interface Recommendation {
  replicas: number;
  atMs: number;
}

interface ScaleEvent {
  change: number;
  atMs: number;
}

/** A limit applied, as the ScalingLimited condition reports it. */
export interface Limited {
  replicas: number;
  reason: string;
  message: string;
}

const WITHIN_RANGE = {
  reason: 'DesiredWithinRange',
  message: 'the desired count is within the acceptable range',
};
const TOO_MANY = {
  reason: 'TooManyReplicas',
  message: 'the desired replica count is more than the maximum replica count',
};
const TOO_FEW = {
  reason: 'TooFewReplicas',
  message: 'the desired replica count is less than the minimum replica count',
};
const SCALE_UP_LIMIT = {
  reason: 'ScaleUpLimit',
  message: 'the desired replica count is increasing faster than the maximum scale rate',
};
const SCALE_DOWN_LIMIT = {
  reason: 'ScaleDownLimit',
  message: 'the desired replica count is decreasing faster than the maximum scale rate',
};
export const SCALE_UP_STABILIZED = {
  reason: 'ScaleUpStabilized',
  message:
    'recent recommendations were lower than current one, applying the lowest recent recommendation',
};
export const SCALE_DOWN_STABILIZED = {
  reason: 'ScaleDownStabilized',
  message:
    'recent recommendations were higher than current one, applying the highest recent recommendation',
};

/** scaleUpLimitFactor and scaleUpLimitMinimum: without a behavior, at most ×2 (or 4). */
const scaleUpLimit = (current: number): number => Math.max(2 * current, 4);

/** The memory of one HPA: its recent recommendations and scale events. */
export class AutoscalerHistory {
  private recommendations: Recommendation[] = [];
  private upEvents: ScaleEvent[] = [];
  private downEvents: ScaleEvent[] = [];

  /** recordInitialRecommendation: the current size is the first recommendation. */
  initialize(current: number, nowMs: number): void {
    if (this.recommendations.length === 0)
      this.recommendations.push({ replicas: current, atMs: nowMs });
  }

  /** stabilizeRecommendation (no behavior): the highest within the downscale window. */
  stabilize(desired: number, windowMs: number, nowMs: number): number {
    let highest = desired;
    let old = -1;
    this.recommendations.forEach((r, i) => {
      if (r.atMs < nowMs - windowMs) old = i;
      else if (r.replicas > highest) highest = r.replicas;
    });
    this.record(old, desired, nowMs);
    return highest;
  }

  /**
   * stabilizeRecommendationWithBehaviors: the current size brought within the lowest
   * recommendation of the scale-up window and the highest of the scale-down one.
   */
  stabilizeWithBehavior(
    current: number,
    desired: number,
    upWindowS: number,
    downWindowS: number,
    nowMs: number,
  ): number {
    const upCutoff = nowMs - upWindowS * 1000;
    const downCutoff = nowMs - downWindowS * 1000;
    let up = desired;
    let down = desired;
    let old = -1;
    this.recommendations.forEach((r, i) => {
      if (r.atMs > upCutoff) up = Math.min(r.replicas, up);
      if (r.atMs > downCutoff) down = Math.max(r.replicas, down);
      if (r.atMs < upCutoff && r.atMs < downCutoff) old = i;
    });
    this.record(old, desired, nowMs);
    return Math.min(Math.max(current, up), down);
  }

  private record(oldIndex: number, replicas: number, nowMs: number): void {
    if (oldIndex >= 0) this.recommendations[oldIndex] = { replicas, atMs: nowMs };
    else this.recommendations.push({ replicas, atMs: nowMs });
  }

  /** storeScaleEvent: kept only for behaviors, forgotten after their longest period. */
  storeScaleEvent(
    rules: { scaleUp?: ScalingRules; scaleDown?: ScalingRules } | undefined,
    from: number,
    to: number,
    nowMs: number,
  ): void {
    if (!rules) return;
    const up = to > from;
    const longest = Math.max(
      0,
      ...((up ? rules.scaleUp : rules.scaleDown)?.policies ?? []).map((p) => p.periodSeconds),
    );
    const keep = (e: ScaleEvent): boolean => e.atMs >= nowMs - longest * 1000;
    const event = { change: Math.abs(to - from), atMs: nowMs };
    if (up) this.upEvents = [...this.upEvents.filter(keep), event];
    else this.downEvents = [...this.downEvents.filter(keep), event];
  }

  /** getReplicasChangePerPeriod. */
  private changeWithin(events: ScaleEvent[], periodSeconds: number, nowMs: number): number {
    const cutoff = nowMs - periodSeconds * 1000;
    return events.filter((e) => e.atMs > cutoff).reduce((sum, e) => sum + e.change, 0);
  }

  private periodStart(current: number, periodSeconds: number, nowMs: number): number {
    return (
      current -
      this.changeWithin(this.upEvents, periodSeconds, nowMs) +
      this.changeWithin(this.downEvents, periodSeconds, nowMs)
    );
  }

  /** calculateScaleUpLimitWithScalingRules. */
  scaleUpLimit(current: number, rules: ScalingRules, nowMs: number): number {
    if (rules.selectPolicy === 'Disabled') return current;
    const min = rules.selectPolicy === 'Min';
    let result = min ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
    for (const p of rules.policies ?? []) {
      const start = this.periodStart(current, p.periodSeconds, nowMs);
      const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      result = min ? Math.min(result, proposed) : Math.max(result, proposed);
    }
    return result;
  }

  /** calculateScaleDownLimitWithBehaviors. */
  scaleDownLimit(current: number, rules: ScalingRules, nowMs: number): number {
    if (rules.selectPolicy === 'Disabled') return current;
    const min = rules.selectPolicy === 'Min';
    let result = min ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
    for (const p of rules.policies ?? []) {
      const start = this.periodStart(current, p.periodSeconds, nowMs);
      const proposed =
        p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      result = min ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return result;
  }
}

/** convertDesiredReplicasWithRules: no behavior, min/max and the ×2 step limit. */
export function limitWithRules(
  current: number,
  desired: number,
  min: number,
  max: number,
): Limited {
  const step = scaleUpLimit(current);
  const [maximum, atMaximum] = max > step ? [step, SCALE_UP_LIMIT] : [max, TOO_MANY];
  if (desired < min) return { replicas: min, ...TOO_FEW };
  if (desired > maximum) return { replicas: maximum, ...atMaximum };
  return { replicas: desired, ...WITHIN_RANGE };
}

/** convertDesiredReplicasWithBehaviorRate: min/max and the behavior's policies. */
export function limitWithBehavior(
  history: AutoscalerHistory,
  current: number,
  desired: number,
  min: number,
  max: number,
  rules: { scaleUp: ScalingRules; scaleDown: ScalingRules },
  nowMs: number,
): Limited {
  if (desired > current) {
    const limit = Math.max(history.scaleUpLimit(current, rules.scaleUp, nowMs), current);
    const [maximum, why] = max > limit ? [limit, SCALE_UP_LIMIT] : [max, TOO_MANY];
    if (desired > maximum) return { replicas: maximum, ...why };
  } else if (desired < current) {
    const limit = Math.min(history.scaleDownLimit(current, rules.scaleDown, nowMs), current);
    const [minimum, why] = min < limit ? [limit, SCALE_DOWN_LIMIT] : [min, TOO_FEW];
    if (desired < minimum) return { replicas: minimum, ...why };
  }
  return { replicas: desired, ...WITHIN_RANGE };
}
