// The status arithmetic of kube's disruption controller (pkg/controller/disruption), without
// I/O: how many pods a budget expects and needs healthy, which noted disruptions still hold,
// how many pods are healthy, and the next status with its DisruptionAllowed condition.

import { pdb as pdbKind } from '../../api/kinds/index.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';

/** DeletionTimeout: how long an eviction's noted pod is expected to take to go. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

export interface Pod extends KubeObject {
  status?: { phase?: string; conditions?: { type?: string; status?: string }[] };
}

export interface Budget extends KubeObject {
  spec?: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: unknown;
    unhealthyPodEvictionPolicy?: string;
  };
  status?: pdbKind.PdbStatus & {
    currentHealthy?: number;
    desiredHealthy?: number;
    expectedPods?: number;
    disruptedPods?: Record<string, string>;
  };
}

/** A pod's controller and its scale (controllerAndScale). */
export interface ControllerScale {
  uid: string;
  scale: number;
}

/**
 * Finds the scale of a pod's controller: undefined when this finder does not know it (another
 * kind, gone, another uid); throws when it cannot tell.
 */
export type ScaleFinder = (
  ref: OwnerReference,
  namespace: string,
) => Promise<ControllerScale | undefined>;

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (!v.endsWith('%'))
    throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits))
    throw new Error(
      `invalid value for IntOrString: invalid value "${v}": strconv.Atoi: parsing "${digits}": invalid syntax`,
    );
  const exact = (Number(digits) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export const controllerOf = (o: KubeObject): OwnerReference | undefined =>
  (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);

/**
 * getExpectedScale: the sum of the scales of the pods' controllers, each counted once; pods
 * without a controller are returned apart.
 */
export async function expectedScale(
  pods: Pod[],
  finders: ScaleFinder[],
): Promise<{ expected: number; unmanaged: string[] }> {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    let found: ControllerScale | undefined;
    for (const finder of finders) {
      found = await finder(ref, pod.metadata.namespace ?? '');
      if (found) break;
    }
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name ?? ''}"`);
    scales.set(found.uid, found.scale);
  }
  let expected = 0;
  for (const n of scales.values()) expected += n;
  return { expected, unmanaged };
}

export interface Expectation {
  expected: number;
  desiredHealthy: number;
  unmanaged: string[];
}

/** getExpectedPodCount. */
export async function expectedPodCount(
  budget: Budget,
  pods: Pod[],
  finders: ScaleFinder[],
): Promise<Expectation> {
  const spec = budget.spec ?? {};
  if (isSet(spec.maxUnavailable)) {
    const { expected, unmanaged } = await expectedScale(pods, finders);
    const maxUnavailable = scaledValue(spec.maxUnavailable as number | string, expected, true);
    return { expected, desiredHealthy: Math.max(0, expected - maxUnavailable), unmanaged };
  }
  if (isSet(spec.minAvailable)) {
    if (typeof spec.minAvailable === 'number')
      return { expected: pods.length, desiredHealthy: spec.minAvailable, unmanaged: [] };
    const { expected, unmanaged } = await expectedScale(pods, finders);
    return {
      expected,
      desiredHealthy: scaledValue(spec.minAvailable as string, expected, true),
      unmanaged,
    };
  }
  return { expected: 0, desiredHealthy: 0, unmanaged: [] };
}

const millis = (t: string | undefined): number => Date.parse(t ?? '');

/**
 * buildDisruptedPodMap: the noted disruptions of pods still here, not being deleted, and
 * noted less than DeletionTimeout ago; the pods overdue; when to look again.
 */
export function disruptedPodMap(
  pods: Pod[],
  budget: Budget,
  now: Date,
): { disrupted: Record<string, string>; overdue: Pod[]; recheckAt: number | undefined } {
  const noted = budget.status?.disruptedPods;
  const disrupted: Record<string, string> = {};
  const overdue: Pod[] = [];
  let recheckAt: number | undefined;
  if (!noted) return { disrupted, overdue, recheckAt };
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = noted[pod.metadata.name ?? ''];
    if (at === undefined) continue;
    const expectedDeletion = millis(at) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now.getTime()) overdue.push(pod);
    else {
      if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
      disrupted[pod.metadata.name ?? ''] = at;
    }
  }
  return { disrupted, overdue, recheckAt };
}

const isReady = (pod: Pod): boolean =>
  (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** countHealthyPods: ready pods neither being deleted nor about to be. */
export function countHealthy(pods: Pod[], disrupted: Record<string, string>, now: Date): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name ?? ''];
    if (at !== undefined && millis(at) + DELETION_TIMEOUT_MS > now.getTime()) continue;
    if (isReady(pod)) healthy++;
  }
  return healthy;
}

export interface Counts {
  currentHealthy: number;
  desiredHealthy: number;
  expected: number;
  disrupted: Record<string, string>;
}

const sameMap = (a: Record<string, string> | undefined, b: Record<string, string>): boolean => {
  const ak = Object.keys(a ?? {});
  return ak.length === Object.keys(b).length && ak.every((k) => a?.[k] === b[k]);
};

/**
 * updatePdbStatus: the status to write, or undefined when the stored one already says it.
 * Disruptions are allowed only while the budget expects pods (a budget that matches none
 * stays safe until the controller has seen its first pods).
 */
export function nextStatus(budget: Budget, c: Counts, now: Date): Budget['status'] | undefined {
  let allowed = c.currentHealthy - c.desiredHealthy;
  if (c.expected <= 0 || allowed <= 0) allowed = 0;
  const old = budget.status ?? {};
  const generation = budget.metadata.generation ?? 0;
  if (
    old.currentHealthy === c.currentHealthy &&
    old.desiredHealthy === c.desiredHealthy &&
    old.expectedPods === c.expected &&
    old.disruptionsAllowed === allowed &&
    sameMap(old.disruptedPods, c.disrupted) &&
    (old.observedGeneration ?? 0) === generation &&
    pdbKind.conditionsAreUpToDate(old, generation)
  )
    return undefined;
  const status: NonNullable<Budget['status']> = {
    ...(generation ? { observedGeneration: generation } : {}),
    ...(Object.keys(c.disrupted).length ? { disruptedPods: c.disrupted } : {}),
    disruptionsAllowed: allowed,
    currentHealthy: c.currentHealthy,
    desiredHealthy: c.desiredHealthy,
    expectedPods: c.expected,
    ...(old.conditions ? { conditions: old.conditions } : {}),
  };
  pdbKind.updateDisruptionAllowedCondition(status, now);
  return status;
}

/** failSafe: no disruption allowed, and the condition says why. */
export function failSafeStatus(budget: Budget, err: string, now: Date): Budget['status'] {
  const status: NonNullable<Budget['status']> = { ...(budget.status ?? {}), disruptionsAllowed: 0 };
  status.conditions = pdbKind.setStatusCondition(
    status.conditions ?? [],
    {
      type: pdbKind.DISRUPTION_ALLOWED,
      status: 'False',
      ...(status.observedGeneration ? { observedGeneration: status.observedGeneration } : {}),
      reason: pdbKind.SYNC_FAILED,
      message: err,
    },
    now,
  );
  return status;
}
