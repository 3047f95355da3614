// The LimitRanger admission step, as kube-apiserver's plugin runs it with the LimitRanges of
// the object's namespace. Pods, on create only (their resources cannot change afterwards):
// each container and init container without a limit or a request gets the `default` and
// `defaultRequest` of the Container items, noted in the `kubernetes.io/limit-ranger`
// annotation; then the Container items' min, max and maxLimitRequestRatio hold for every
// container, and the Pod items' for the pod's totals. PersistentVolumeClaims, on create and
// on update: the requested storage within the PersistentVolumeClaim items' min and max.
// A refusal is 403 Forbidden, naming every broken constraint of the first LimitRange broken.

import type { FieldError, KubeObject, ResourceDef } from '../../../api/types.js';
import { forbidden, invalid } from '../../../api/errors.js';
import {
  addQuantity,
  compareQuantity,
  formatQuantity,
  integerValue,
  milliValue,
  parseQuantity,
} from '../../../api/quantity.js';
import type { Quantity } from '../../../api/quantity.js';
import { podQOSClass, validateResources } from '../../../api/kinds/index.js';
import { resourcePrefix } from '../keys.js';
import type { HookContext } from '../types.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type Obj = Record<string, unknown>;
type ResourceList = Map<string, Quantity>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objOf = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);
const objsOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** A JSON resource list as quantities (entries that do not parse are left out). */
function resourceList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, text] of Object.entries(objOf(v) ?? {})) {
    const q = parseQuantity(text);
    if (q) out.set(name, q);
  }
  return out;
}

/** The LimitRanges of a namespace, in name order. */
export async function namespaceLimitRanges(
  ctx: HookContext,
  limitRanges: ResourceDef,
  namespace: string,
): Promise<KubeObject[]> {
  const stored = await ctx.registry.store.list(resourcePrefix(limitRanges, namespace));
  return stored.items.map((kv) => JSON.parse(kv.value) as KubeObject);
}

const itemsOf = (lr: KubeObject): Obj[] => objsOf(objOf(lr['spec'])?.['limits']);

// ---- defaults ----

/** mergeContainerResources: what it set, as the annotation words it. */
function mergeContainer(c: Obj, limits: Obj, requests: Obj, kind: string): string[] {
  const resources = objOf(c['resources']) ?? {};
  c['resources'] = resources;
  const fill = (key: 'limits' | 'requests', from: Obj): string[] => {
    const set: string[] = [];
    for (const [name, q] of Object.entries(from)) {
      const into = objOf(resources[key]) ?? {};
      if (name in into) continue;
      into[name] = q;
      resources[key] = into;
      set.push(name);
    }
    return set.sort();
  };
  const setLimits = fill('limits', limits);
  const setRequests = fill('requests', requests);
  const name = String(c['name'] ?? '');
  const notes: string[] = [];
  if (setRequests.length) notes.push(`${setRequests.join(', ')} request for ${kind} ${name}`);
  if (setLimits.length) notes.push(`${setLimits.join(', ')} limit for ${kind} ${name}`);
  return notes;
}

/**
 * PodMutateLimitFunc: the Container items' defaults for every container and init container.
 * Returns the field paths of the containers it changed.
 */
export function defaultPodResources(pod: KubeObject, lr: KubeObject): string[] {
  const limits: Obj = {};
  const requests: Obj = {};
  for (const item of itemsOf(lr)) {
    if (item['type'] !== 'Container') continue;
    Object.assign(requests, objOf(item['defaultRequest']));
    Object.assign(limits, objOf(item['default']));
  }
  const spec = objOf(pod['spec']) ?? {};
  const notes: string[] = [];
  const changed: string[] = [];
  for (const [key, kind] of [
    ['containers', 'container'],
    ['initContainers', 'init container'],
  ] as const)
    objsOf(spec[key]).forEach((c, i) => {
      const set = mergeContainer(c, limits, requests, kind);
      if (set.length) changed.push(`spec.${key}[${i}].resources`);
      notes.push(...set);
    });
  if (notes.length)
    pod.metadata.annotations = {
      ...pod.metadata.annotations,
      [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}`,
    };
  return changed;
}

// ---- constraints ----

/** resource.MaxMilliValue. */
const MAX_MILLI_VALUE = 9223372036854775n;
const ZERO: Quantity = { n: 0n, exp: 0, format: 'DecimalSI' };

/** requestLimitEnforcedValues: the three at milli precision when none overflows. */
function enforcedValues(
  req: Quantity,
  lim: Quantity,
  enforced: Quantity,
): [bigint, bigint, bigint] {
  const values: [bigint, bigint, bigint] = [
    integerValue(req),
    integerValue(lim),
    integerValue(enforced),
  ];
  if (values.every((v) => v <= MAX_MILLI_VALUE))
    return [milliValue(req), milliValue(lim), milliValue(enforced)];
  return values;
}

const text = formatQuantity;

function minConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  requests: ResourceList,
  limits: ResourceList,
): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = enforcedValues(req ?? ZERO, lim ?? ZERO, enforced);
  if (!req)
    return `minimum ${name} usage per ${type} is ${text(enforced)}.  No request is specified`;
  if (r < e)
    return `minimum ${name} usage per ${type} is ${text(enforced)}, but request is ${text(req)}`;
  if (lim && l < e)
    return `minimum ${name} usage per ${type} is ${text(enforced)}, but limit is ${text(lim)}`;
  return undefined;
}

function maxConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  requests: ResourceList,
  limits: ResourceList,
): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = enforcedValues(req ?? ZERO, lim ?? ZERO, enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${text(enforced)}.  No limit is specified`;
  if (l > e)
    return `maximum ${name} usage per ${type} is ${text(enforced)}, but limit is ${text(lim)}`;
  if (req && r > e)
    return `maximum ${name} usage per ${type} is ${text(enforced)}, but request is ${text(req)}`;
  return undefined;
}

/** maxRequestConstraint: the max of a kind that has requests only (claims). */
function maxRequestConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  requests: ResourceList,
): string | undefined {
  const req = requests.get(name);
  const [r, , e] = enforcedValues(req ?? ZERO, ZERO, enforced);
  if (!req)
    return `maximum ${name} usage per ${type} is ${text(enforced)}.  No request is specified`;
  if (r > e)
    return `maximum ${name} usage per ${type} is ${text(enforced)}, but request is ${text(req)}`;
  return undefined;
}

function ratioConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  requests: ResourceList,
  limits: ResourceList,
): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l] = enforcedValues(req ?? ZERO, lim ?? ZERO, enforced);
  const head = `${name} max limit to request ratio per ${type} is ${text(enforced)}`;
  if (!req || r === 0n) return `${head}, but no request is specified or request is 0`;
  if (!lim || l === 0n) return `${head}, but no limit is specified or limit is 0`;
  const shown = Number(l) / Number(r);
  let observed = shown;
  let max = Number(integerValue(enforced));
  if (integerValue(enforced) <= MAX_MILLI_VALUE) {
    observed = shown * 1000;
    max = Number(milliValue(enforced));
  }
  if (observed > max) return `${head}, but provided ratio is ${shown.toFixed(6)}`;
  return undefined;
}

/** min, max and ratio of one item over one set of requests and limits. */
function checkItem(item: Obj, requests: ResourceList, limits: ResourceList): string[] {
  const type = String(item['type']);
  const out: (string | undefined)[] = [];
  for (const [name, q] of resourceList(item['min']))
    out.push(minConstraint(type, name, q, requests, limits));
  for (const [name, q] of resourceList(item['max']))
    out.push(maxConstraint(type, name, q, requests, limits));
  for (const [name, q] of resourceList(item['maxLimitRequestRatio']))
    out.push(ratioConstraint(type, name, q, requests, limits));
  return out.filter((m): m is string => m !== undefined);
}

const containerLists = (c: Obj): [ResourceList, ResourceList] => {
  const res = objOf(c['resources']) ?? {};
  return [resourceList(res['requests']), resourceList(res['limits'])];
};

function addInto(list: ResourceList, add: ResourceList): void {
  for (const [name, q] of add) {
    const cur = list.get(name);
    list.set(name, cur ? addQuantity(cur, q) : q);
  }
}

function maxInto(list: ResourceList, other: ResourceList): void {
  for (const [name, q] of other) {
    const cur = list.get(name);
    if (!cur || compareQuantity(q, cur) > 0) list.set(name, q);
  }
}

/**
 * The pod's requests or limits as the Pod items see them: the containers' sum, with the
 * init containers' peak (each on top of the sidecars started before it) where it is higher,
 * and sidecars (restartPolicy Always) counted with the containers.
 */
export function podTotals(pod: KubeObject, which: 0 | 1): ResourceList {
  const spec = objOf(pod['spec']) ?? {};
  const total: ResourceList = new Map();
  for (const c of objsOf(spec['containers'])) addInto(total, containerLists(c)[which]);
  const sidecars: ResourceList = new Map();
  const initPeak: ResourceList = new Map();
  for (const c of objsOf(spec['initContainers'])) {
    const own = containerLists(c)[which];
    let running: ResourceList;
    if (c['restartPolicy'] === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      running = sidecars;
    } else {
      running = new Map();
      addInto(running, own);
      addInto(running, sidecars);
    }
    maxInto(initPeak, running);
  }
  maxInto(total, initPeak);
  return total;
}

/** PodValidateLimitFunc: every broken constraint of one LimitRange. */
export function podLimitViolations(pod: KubeObject, lr: KubeObject): string[] {
  const spec = objOf(pod['spec']) ?? {};
  const errs: string[] = [];
  for (const item of itemsOf(lr)) {
    if (item['type'] === 'Container') {
      for (const c of [...objsOf(spec['containers']), ...objsOf(spec['initContainers'])])
        errs.push(...checkItem(item, ...containerLists(c)));
    } else if (item['type'] === 'Pod') {
      errs.push(...checkItem(item, podTotals(pod, 0), podTotals(pod, 1)));
    }
  }
  return errs;
}

/** PersistentVolumeClaimValidateLimitFunc: storage requests within min and max. */
export function claimLimitViolations(claim: KubeObject, lr: KubeObject): string[] {
  const requests = resourceList(objOf(objOf(claim['spec'])?.['resources'])?.['requests']);
  const errs: (string | undefined)[] = [];
  for (const item of itemsOf(lr)) {
    if (item['type'] !== 'PersistentVolumeClaim') continue;
    const type = 'PersistentVolumeClaim';
    for (const [name, q] of resourceList(item['min']))
      errs.push(minConstraint(type, name, q, requests, new Map()));
    for (const [name, q] of resourceList(item['max']))
      errs.push(maxRequestConstraint(type, name, q, requests));
  }
  return errs.filter((m): m is string => m !== undefined);
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated in brackets. */
export function aggregateMessage(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}

// ---- the admission steps ----

const PODS = { group: '', resource: 'pods' };
const CLAIMS = { group: '', resource: 'persistentvolumeclaims' };

/** LimitRanger on a pod being created: defaults first, then every LimitRange's constraints. */
export async function admitPodLimits(
  pod: KubeObject,
  ctx: HookContext,
  limitRanges: ResourceDef,
): Promise<void> {
  const ranges = await namespaceLimitRanges(ctx, limitRanges, pod.metadata.namespace ?? '');
  if (ranges.length === 0) return;
  const changed = new Set<string>();
  for (const lr of ranges) for (const path of defaultPodResources(pod, lr)) changed.add(path);
  // The defaults come before the pod's validation on kube-apiserver: what they make of a
  // container's resources is validated as the pod's own.
  const spec = objOf(pod['spec']) ?? {};
  const errs: FieldError[] = [];
  for (const key of ['containers', 'initContainers'])
    objsOf(spec[key]).forEach((c, i) => {
      const path = `spec.${key}[${i}].resources`;
      if (changed.has(path)) errs.push(...validateResources(c['resources'], path));
    });
  if (errs.length) throw invalid('Pod', '', pod.metadata.name ?? '', errs);
  // The QoS class is set after admission on kube-apiserver: it follows the defaults.
  const status = objOf(pod['status']);
  if (changed.size && status) status['qosClass'] = podQOSClass(spec);
  for (const lr of ranges) {
    const violations = podLimitViolations(pod, lr);
    if (violations.length) throw forbidden(PODS, pod.metadata.name, aggregateMessage(violations));
  }
}

/** LimitRanger on a claim being created or updated (not its status, nor once it is deleted). */
export async function admitClaimLimits(
  claim: KubeObject,
  old: KubeObject | undefined,
  ctx: HookContext,
  limitRanges: ResourceDef,
): Promise<void> {
  if (ctx.subresource) return;
  if (old?.metadata.deletionTimestamp) return;
  const ranges = await namespaceLimitRanges(ctx, limitRanges, claim.metadata.namespace ?? '');
  for (const lr of ranges) {
    const violations = claimLimitViolations(claim, lr);
    if (violations.length)
      throw forbidden(CLAIMS, claim.metadata.name, aggregateMessage(violations));
  }
}
