// The legacy Ingress versions, extensions/v1beta1 and networking.k8s.io/v1beta1, served from
// networking.k8s.io/v1 storage. Their shape differs from v1 only in backends
// (`serviceName`/`servicePort` for `service.name`/`service.port.{name|number}`) and in the
// spec's `backend` (v1's `defaultBackend`); their defaulter sets a path's missing pathType to
// ImplementationSpecific. The conversions follow kube's (pkg/apis/networking/v1beta1,
// pkg/apis/extensions/v1beta1): field order is kept, so a no-op write stays a no-op.

import type { KubeObject, ResourceDef } from '../types.js';
import { servedVersion, type VersionConversion } from '../versions.js';
import { asObj, type Obj } from './kindutil.js';

const V1 = { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' };
const V1_API_VERSION = 'networking.k8s.io/v1';

/** A copy of `o` with each entry passed through `entry` (which may rename or drop it). */
function mapEntries(o: Obj, entry: (key: string, value: unknown, out: Obj) => void): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) entry(k, v, out);
  return out;
}

/** Applies `f` to `v` when it is an object, and to each object item when it is a list. */
function mapObjects(v: unknown, f: (o: Obj) => Obj): unknown {
  if (Array.isArray(v)) return v.map((item) => mapObjects(item, f));
  const o = asObj(v);
  return o ? f(o) : structuredClone(v);
}

/** Convert_v1beta1_IngressBackend_To_networking_IngressBackend. */
function backendToV1(b: Obj): Obj {
  const name = b.serviceName;
  const port = b.servicePort;
  const hasService =
    (typeof name === 'string' && name !== '') ||
    typeof port === 'string' ||
    (typeof port === 'number' && port !== 0);
  return mapEntries(b, (k, v, out) => {
    if (k === 'serviceName' || k === 'servicePort') {
      if (!hasService || 'service' in out) return;
      const servicePort: Obj = {};
      // Go's omitempty: an empty name and a zero number are not written.
      if (typeof port === 'string' && port !== '') servicePort.name = port;
      else if (typeof port === 'number' && port !== 0) servicePort.number = port;
      out.service = { name: typeof name === 'string' ? name : '', port: servicePort };
    } else out[k] = structuredClone(v);
  });
}

/** Convert_networking_IngressBackend_To_v1beta1_IngressBackend. */
function backendFromV1(b: Obj): Obj {
  const out = mapEntries(b, (k, v, o) => {
    if (k !== 'service') {
      o[k] = structuredClone(v);
      return;
    }
    const service = asObj(v);
    if (!service) return;
    const port = asObj(service.port) ?? {};
    o.serviceName = typeof service.name === 'string' ? service.name : '';
    o.servicePort =
      typeof port.name === 'string' && port.name !== ''
        ? port.name
        : typeof port.number === 'number'
          ? port.number
          : 0;
  });
  // servicePort is a struct in Go: always written, 0 when there is no service.
  if (!('servicePort' in out)) return { servicePort: 0, ...out };
  return out;
}

/** A copy of `o` with the value at `key` (when present) passed through `f`. */
function withField(o: Obj, key: string, f: (v: unknown) => unknown): Obj {
  return mapEntries(o, (k, v, out) => {
    out[k] = k === key ? f(v) : structuredClone(v);
  });
}

/** `rules` with every path's backend converted by `backend`. */
function rulesWith(rules: unknown, backend: (b: Obj) => Obj): unknown {
  const path = (p: Obj): Obj => withField(p, 'backend', (b) => mapObjects(b, backend));
  const http = (h: Obj): Obj => withField(h, 'paths', (paths) => mapObjects(paths, path));
  return mapObjects(rules, (rule) => withField(rule, 'http', (h) => mapObjects(h, http)));
}

/** The object with its spec converted by `spec` and every other field copied. */
function withSpec(obj: KubeObject, apiVersion: string, spec: (s: Obj) => Obj): KubeObject {
  const out = withField(obj, 'spec', (v) => mapObjects(v, spec));
  out.apiVersion = apiVersion;
  out.kind = 'Ingress';
  return out as KubeObject;
}

/** v1beta1 (either group) → networking.k8s.io/v1. */
export function ingressToV1(obj: KubeObject): KubeObject {
  const out = withSpec(obj, V1_API_VERSION, (spec) =>
    mapEntries(spec, (k, v, o) => {
      if (k === 'backend') o.defaultBackend = mapObjects(v, backendToV1);
      else if (k === 'rules') o.rules = rulesWith(v, backendToV1);
      else o[k] = structuredClone(v);
    }),
  );
  // v1's IngressLoadBalancerIngress has no ipMode (core's LoadBalancerIngress has).
  const lb = asObj(asObj(out.status)?.loadBalancer);
  if (Array.isArray(lb?.ingress))
    for (const ing of lb.ingress) if (asObj(ing)) delete (ing as Obj).ipMode;
  return out;
}

/** networking.k8s.io/v1 → the v1beta1 shape, as `apiVersion`. */
export function ingressFromV1(obj: KubeObject, apiVersion: string): KubeObject {
  return withSpec(obj, apiVersion, (spec) =>
    mapEntries(spec, (k, v, o) => {
      if (k === 'defaultBackend') o.backend = mapObjects(v, backendFromV1);
      else if (k === 'rules') o.rules = rulesWith(v, backendFromV1);
      else o[k] = structuredClone(v);
    }),
  );
}

/** SetDefaults_HTTPIngressPath of both v1beta1 versions. */
export function defaultV1beta1Ingress(obj: KubeObject): void {
  const rules = asObj(obj.spec)?.rules;
  if (!Array.isArray(rules)) return;
  for (const rule of rules) {
    const paths = asObj(asObj(asObj(rule)?.http))?.paths;
    if (!Array.isArray(paths)) continue;
    for (const p of paths) {
      const path = asObj(p);
      if (path && (path.pathType === undefined || path.pathType === null))
        path.pathType = 'ImplementationSpecific';
    }
  }
}

function legacy(group: string, deprecated: readonly [number, number]): VersionConversion {
  const apiVersion = `${group}/v1beta1`;
  return {
    group,
    version: 'v1beta1',
    toStorage: ingressToV1,
    fromStorage: (obj) => ingressFromV1(obj, apiVersion),
    defaults: defaultV1beta1Ingress,
    // Both were removed in 1.22 (the generator's default: three releases after deprecation).
    lifecycle: { deprecated, removed: [1, 22], replacement: V1 },
  };
}

/**
 * extensions/v1beta1 and networking.k8s.io/v1beta1 Ingress, from the v1 definition. Unlike
 * kube 1.21's, they have no short name: kubectl 1.30+ warns on every `get ing` when a short
 * name matches resources in several groups, and `ing` should simply mean v1.
 */
export function legacyIngressResources(v1: ResourceDef): ResourceDef[] {
  return [legacy('networking.k8s.io', [1, 19]), legacy('extensions', [1, 14])].map((c) => {
    const { shortNames: _shortNames, ...def } = servedVersion(v1, c);
    return def;
  });
}
