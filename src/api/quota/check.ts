// What quota admission decides (CheckRequest of apiserver's resourcequota plugin) and what
// the controller computes (CalculateUsage), on plain objects: no I/O here.

import type { KubeObject } from '../types.js';
import { isJsonObject } from '../json.js';
import type { Operation, QuotaEvaluator, ScopeRequirement } from './evaluators.js';
import {
  add,
  exceeded,
  mask,
  negatives,
  parseResourceList,
  prettyPrint,
  removeZeros,
  subtractNonNegative,
  equals,
  type ResourceList,
} from './resources.js';
import { ZERO } from '../quantity.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isJsonObject(v) ? v : {});

/** spec.scopes as `Exists` requirements, then spec.scopeSelector's expressions. */
export function scopeSelectorsOf(quota: KubeObject): ScopeRequirement[] {
  const spec = obj(quota.spec);
  const out: ScopeRequirement[] = [];
  if (Array.isArray(spec.scopes))
    for (const s of spec.scopes)
      if (typeof s === 'string') out.push({ scopeName: s, operator: 'Exists' });
  const exprs = obj(spec.scopeSelector).matchExpressions;
  if (Array.isArray(exprs))
    for (const e of exprs.map(obj))
      out.push({
        scopeName: typeof e.scopeName === 'string' ? e.scopeName : '',
        operator: typeof e.operator === 'string' ? e.operator : '',
        values: Array.isArray(e.values) ? e.values.filter((v) => typeof v === 'string') : [],
      });
  return out;
}

export const statusHard = (q: KubeObject): ResourceList => parseResourceList(obj(q.status).hard);
export const statusUsed = (q: KubeObject): ResourceList => parseResourceList(obj(q.status).used);
const hasUsed = (q: KubeObject, name: string): boolean =>
  Object.hasOwn(obj(obj(q.status).used), name);

/** generic.Matches: the quota tracks one of the evaluator's resources and every scope holds. */
export function quotaMatches(quota: KubeObject, ev: QuotaEvaluator, o: KubeObject): boolean {
  if (!ev.matchingResources([...statusHard(quota).keys()]).length) return false;
  return scopeSelectorsOf(quota).every((s) => ev.matchesScope(s, o));
}

/**
 * CalculateUsage for one quota: for each evaluator that tracks one of spec.hard's names,
 * the usage of the namespace's objects in the quota's scopes, every tracked name present.
 */
export function calculateUsage(
  quota: KubeObject,
  evaluators: readonly QuotaEvaluator[],
  objectsOf: (ev: QuotaEvaluator) => readonly KubeObject[],
  now: Date,
): ResourceList {
  const hardNames = [...parseResourceList(obj(quota.spec).hard).keys()];
  const scopes = scopeSelectorsOf(quota);
  let used: ResourceList = new Map();
  for (const ev of evaluators) {
    const names = ev.matchingResources(hardNames);
    if (!names.length) continue;
    let sum: ResourceList = new Map(names.map((n) => [n, ZERO]));
    for (const o of objectsOf(ev))
      if (scopes.every((s) => ev.matchesScope(s, o))) sum = add(sum, ev.usage(o, now));
    used = add(used, mask(sum, names));
  }
  return used;
}

/**
 * The status the controller writes: hard = spec.hard; used = the previous used overlaid
 * with the new usage, masked to the hard names. Undefined when nothing changed.
 */
export function nextStatus(
  quota: KubeObject,
  usage: ResourceList,
): { hard: ResourceList; used: ResourceList } | undefined {
  const status = obj(quota.status);
  const hard = parseResourceList(obj(quota.spec).hard);
  const prevUsed = parseResourceList(status.used);
  const used = mask(new Map([...prevUsed, ...usage]), hard.keys());
  const dirty =
    !isJsonObject(status.hard) ||
    !isJsonObject(status.used) ||
    !equals(hard, parseResourceList(status.hard)) ||
    !equals(used, prevUsed);
  return dirty ? { hard, used } : undefined;
}

/** A refusal, with the text after `<resource> "<name>" is forbidden: `. */
export class QuotaRefusal extends Error {}

export interface QuotaRequest {
  op: Operation;
  object: KubeObject;
  old?: KubeObject;
  now: Date;
}

/**
 * CheckRequest: the new `status.used` of every quota this request changes (by index into
 * `quotas`); throws QuotaRefusal when a quota refuses it.
 */
export function checkRequest(
  quotas: readonly KubeObject[],
  ev: QuotaEvaluator,
  req: QuotaRequest,
): Map<number, ResourceList> {
  const changed = new Map<number, ResourceList>();
  if (!ev.handles(req.op)) return changed;
  const interesting: number[] = [];
  quotas.forEach((quota, i) => {
    if (!quotaMatches(quota, ev, req.object)) return;
    const name = quota.metadata.name ?? '';
    const restricted = ev.matchingResources([...statusHard(quota).keys()]);
    const err = ev.constraints(restricted, req.object);
    if (err) throw new QuotaRefusal(`failed quota: ${name}: ${err}`);
    const unknown = restricted.filter((r) => !hasUsed(quota, r));
    if (unknown.length)
      throw new QuotaRefusal(
        `status unknown for quota: ${name}, resources: ${[...restricted].sort().join(',')}`,
      );
    interesting.push(i);
  });
  if (!interesting.length) return changed;
  const input = ev.usage(req.object, req.now);
  const neg = negatives(input);
  if (neg.length)
    throw new QuotaRefusal(`quota usage is negative for resource(s): ${neg.join(',')}`);
  const deltas = new Map<number, ResourceList>(interesting.map((i) => [i, input]));
  if (req.op === 'update' && req.old?.metadata.resourceVersion) {
    const delta = subtractNonNegative(input, ev.usage(req.old, req.now));
    for (const i of interesting)
      if (quotaMatches(quotas[i] as KubeObject, ev, req.old)) deltas.set(i, delta);
  }
  for (const i of interesting) {
    const quota = quotas[i] as KubeObject;
    const delta = removeZeros(deltas.get(i) ?? new Map());
    if (!delta.size) continue;
    const hard = statusHard(quota);
    const used = statusUsed(quota);
    const requested = mask(delta, hard.keys());
    const newUsage = add(used, requested);
    const over = exceeded(mask(newUsage, requested.keys()), hard);
    if (over.length)
      throw new QuotaRefusal(
        `exceeded quota: ${quota.metadata.name ?? ''}, requested: ${prettyPrint(mask(requested, over))}, used: ${prettyPrint(mask(used, over))}, limited: ${prettyPrint(mask(hard, over))}`,
      );
    if (!equals(newUsage, used)) changed.set(i, newUsage);
  }
  return changed;
}
