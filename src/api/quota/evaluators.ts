// The quota evaluators of kube's registry (pkg/quota/v1/evaluator/core and the generic
// object counter): for each group-resource, which quota resource names it tracks, how an
// object matches a quota's scopes, what the object uses, and what it must specify.

import type { KubeObject } from '../types.js';
import { isJsonObject } from '../json.js';
import { fromLabelSelectorObject, matchesLabels } from '../labels.js';
import { claimClass } from '../kinds/storage/index.js';
import { compareQuantity, parseQuantity, type Quantity } from '../quantity.js';
import {
  isBestEffort,
  isExtendedResourceName,
  isNativeResource,
  isTerminating,
  podLimits,
  podRequests,
  podUsage,
  computeUsage,
  usesCrossNamespacePodAffinity,
} from './pods.js';
import { count, one, parseResourceList, type ResourceList } from './resources.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isJsonObject(v) ? v : {});

/** One requirement of a quota's scopes (spec.scopes are `Exists` requirements). */
export interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values?: string[];
}

export type Operation = 'create' | 'update';

export interface QuotaEvaluator {
  /** The group-resource it measures ('' for core). */
  group: string;
  resource: string;
  /** The quota resource names among `names` it tracks. */
  matchingResources(names: readonly string[]): string[];
  /** Whether the object is in the scope a requirement names. */
  matchesScope(req: ScopeRequirement, o: KubeObject): boolean;
  /** What the object counts for. */
  usage(o: KubeObject, now: Date): ResourceList;
  /** What the object must specify for the quota's resources: an error text, or undefined. */
  constraints(required: readonly string[], o: KubeObject): string | undefined;
  /** Whether the operation can change what is counted. */
  handles(op: Operation): boolean;
}

/** generic.ObjectCountQuotaResourceNameFor: `count/<resource>[.<group>]`. */
export const countName = (group: string, resource: string): string =>
  group ? `count/${resource}.${group}` : `count/${resource}`;

const intersect = (names: readonly string[], tracked: ReadonlySet<string>): string[] =>
  names.filter((n) => tracked.has(n));

// ---- pods ----

const POD_RESOURCES = new Set([
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
]);

/** Tracked cpu and memory names require every container to say them (kube's old rule). */
const VALIDATION_SET = new Set([
  'cpu',
  'memory',
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
]);

const podEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'pods',
  matchingResources(names) {
    const out = intersect(names, POD_RESOURCES);
    for (const n of names) {
      if (n.startsWith('hugepages-') || n.startsWith('requests.hugepages-')) out.push(n);
      if (!isNativeResource(n) && n.startsWith('requests.')) out.push(n);
    }
    return out;
  },
  matchesScope(req, pod) {
    switch (req.scopeName) {
      case 'Terminating':
        return isTerminating(pod);
      case 'NotTerminating':
        return !isTerminating(pod);
      case 'BestEffort':
        return isBestEffort(pod);
      case 'NotBestEffort':
        return !isBestEffort(pod);
      case 'PriorityClass': {
        // As kube's evaluator: Exists means a class is named; otherwise the requirement is a
        // label selector over {PriorityClass: name}, a set without the key for a pod that
        // names no class.
        const pc = obj(pod.spec).priorityClassName;
        const name = typeof pc === 'string' ? pc : '';
        if (req.operator === 'Exists') return name !== '';
        const selector = fromLabelSelectorObject({
          matchExpressions: [
            { key: 'PriorityClass', operator: req.operator, values: req.values ?? [] },
          ],
        });
        return matchesLabels(selector ?? [], name ? { PriorityClass: name } : {});
      }
      case 'CrossNamespacePodAffinity':
        return usesCrossNamespacePodAffinity(pod);
      default:
        return false;
    }
  },
  usage: podUsage,
  constraints(required, pod) {
    const wanted = required.filter((r) => VALIDATION_SET.has(r));
    if (!wanted.length) return undefined;
    const missing = new Map<string, Set<string>>();
    const spec = obj(pod.spec);
    const containers = [
      ...(Array.isArray(spec.containers) ? spec.containers : []),
      ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
    ].map(obj);
    for (const c of containers) {
      const res = obj(c.resources);
      const has = computeUsage(parseResourceList(res.requests), parseResourceList(res.limits));
      for (const r of wanted) {
        if (has.has(r)) continue;
        const names = missing.get(r) ?? new Set<string>();
        names.add(typeof c.name === 'string' ? c.name : '');
        missing.set(r, names);
      }
    }
    if (!missing.size) return undefined;
    const parts = [...missing.keys()]
      .sort()
      .map((r) => `${r} for: ${[...(missing.get(r) ?? [])].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
  handles: (op) => op === 'create',
};

// ---- services ----

const SERVICE_RESOURCES = new Set([
  'count/services',
  'services',
  'services.nodeports',
  'services.loadbalancers',
]);

const serviceEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'services',
  matchingResources: (names) => intersect(names, SERVICE_RESOURCES),
  matchesScope: () => false,
  usage(svc) {
    const spec = obj(svc.spec);
    const ports = Array.isArray(spec.ports) ? spec.ports.map(obj) : [];
    const out: ResourceList = new Map([
      ['count/services', one()],
      ['services', one()],
      ['services.loadbalancers', count(0)],
      ['services.nodeports', count(0)],
    ]);
    if (spec.type === 'NodePort') out.set('services.nodeports', count(ports.length));
    if (spec.type === 'LoadBalancer') {
      const nodePorts =
        spec.allocateLoadBalancerNodePorts === false
          ? ports.filter((p) => typeof p.nodePort === 'number' && p.nodePort !== 0).length
          : ports.length;
      out.set('services.nodeports', count(nodePorts));
      out.set('services.loadbalancers', one());
    }
    return out;
  },
  constraints: () => undefined,
  handles: (op) => op === 'create' || op === 'update',
};

// ---- persistent volume claims ----

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];

/** The bytes a claim counts for: its request, or more if more was allocated; whole bytes. */
function claimStorage(pvc: KubeObject): Quantity | undefined {
  const req = parseQuantity(obj(obj(obj(pvc.spec).resources).requests).storage);
  if (!req) return undefined;
  const roundUp = (q: Quantity): Quantity => {
    if (q.exp >= 0) return q;
    const div = 10n ** BigInt(-q.exp);
    const whole = q.n / div + (q.n % div === 0n ? 0n : 1n);
    return { n: whole, exp: 0, format: q.format };
  };
  const allocated = parseQuantity(obj(obj(pvc.status).allocatedResources).storage);
  if (allocated && compareQuantity(allocated, req) > 0) return roundUp(allocated);
  return roundUp(req);
}

const pvcEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'persistentvolumeclaims',
  matchingResources: (names) =>
    names.filter(
      (n) =>
        n === 'count/persistentvolumeclaims' ||
        PVC_RESOURCES.includes(n) ||
        PVC_RESOURCES.some((r) => n.endsWith(`${STORAGE_CLASS_SUFFIX}${r}`)),
    ),
  matchesScope: () => false,
  usage(pvc) {
    const out: ResourceList = new Map([
      ['persistentvolumeclaims', one()],
      ['count/persistentvolumeclaims', one()],
    ]);
    const cls = claimClass(pvc);
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, one());
    const storage = claimStorage(pvc);
    if (storage) {
      out.set('requests.storage', storage);
      if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
    }
    return out;
  },
  constraints: () => undefined,
  handles: (op) => op === 'create' || op === 'update',
};

// ---- object counts ----

/** generic.NewObjectCountEvaluator: `count/<resource>[.<group>]` and a legacy alias. */
export function objectCountEvaluator(
  group: string,
  resource: string,
  alias?: string,
): QuotaEvaluator {
  const names = new Set([countName(group, resource), ...(alias ? [alias] : [])]);
  return {
    group,
    resource,
    matchingResources: (input) => intersect(input, names),
    matchesScope: () => false,
    usage: () => new Map([...names].map((n) => [n, one()])),
    constraints: () => undefined,
    handles: (op) => op === 'create',
  };
}

const LEGACY_ALIASES: [string, string][] = [
  ['configmaps', 'configmaps'],
  ['resourcequotas', 'resourcequotas'],
  ['replicationcontrollers', 'replicationcontrollers'],
  ['secrets', 'secrets'],
];

/** The evaluators with logic of their own, and the legacy counted kinds with their aliases. */
export const STATIC_EVALUATORS: readonly QuotaEvaluator[] = [
  podEvaluator,
  serviceEvaluator,
  pvcEvaluator,
  ...LEGACY_ALIASES.map(([r, alias]) => objectCountEvaluator('', r, alias)),
];

/** Resources quota never counts (kube's default ignored resources). */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

export const isIgnoredResource = (group: string, resource: string): boolean =>
  IGNORED.has(`${group}/${resource}`);

const generic = new Map<string, QuotaEvaluator>();

/** The evaluator of a group-resource: a static one, or a plain object counter. */
export function evaluatorFor(group: string, resource: string): QuotaEvaluator {
  const s = STATIC_EVALUATORS.find((e) => e.group === group && e.resource === resource);
  if (s) return s;
  const key = `${group}/${resource}`;
  let e = generic.get(key);
  if (!e) {
    e = objectCountEvaluator(group, resource);
    generic.set(key, e);
  }
  return e;
}

/** `count/deployments.apps` → { group: 'apps', resource: 'deployments' }. */
export function parseCountName(name: string): { group: string; resource: string } | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  if (!rest) return undefined;
  const dot = rest.indexOf('.');
  return dot < 0
    ? { group: '', resource: rest }
    : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

/**
 * The evaluators a quota with these hard names needs (kube's CalculateUsage walks every
 * registered evaluator; a counted resource no evaluator knows gets an object counter).
 */
export function evaluatorsFor(names: readonly string[]): QuotaEvaluator[] {
  const out = STATIC_EVALUATORS.filter((e) => e.matchingResources(names).length > 0);
  for (const n of names) {
    const gr = parseCountName(n);
    if (!gr || isIgnoredResource(gr.group, gr.resource)) continue;
    const e = evaluatorFor(gr.group, gr.resource);
    if (!out.includes(e)) out.push(e);
  }
  return out;
}

export { isExtendedResourceName, podLimits, podRequests };
