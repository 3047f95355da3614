// networking.k8s.io/v1 Ingress: ValidateIngressCreate's rules (hosts, wildcards, paths,
// pathType, backends, TLS), status reset like the ingress strategy, and printIngress.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  invalidValue,
  isDNS1035Label,
  isDNS1123Subdomain,
  isValidPortName,
  notSupported,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import {
  PORT_RANGE_MSG,
  asNum,
  asObj,
  asStr,
  column,
  isPathSegmentName,
  isWildcardDNS1123Subdomain,
  loadBalancerIngress,
  objs,
  parseIP,
  portNumOK,
  specOf,
  strs,
  validIP,
  type Obj,
} from './kindutil.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

function validateBackend(b: Obj, path: string): FieldError[] {
  const resource = asObj(b.resource);
  const service = asObj(b.service);
  if (resource && service)
    return [invalidValue(path, '', 'cannot set both resource and service backends')];
  if (resource) return validateTypedReference(resource, `${path}.resource`);
  if (!service) return [invalidValue(path, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const name = asStr(service.name);
  if (!name) errs.push(required(`${path}.service.name`));
  else
    for (const m of isDNS1035Label(name)) errs.push(invalidValue(`${path}.service.name`, name, m));
  const port = asObj(service.port) ?? {};
  const portName = asStr(port.name);
  const portNumber = asNum(port.number);
  if (portName && portNumber)
    errs.push(invalidValue(path, '', 'cannot set both port name & port number'));
  else if (portName)
    for (const m of isValidPortName(portName))
      errs.push(invalidValue(`${path}.service.port.name`, portName, m));
  else if (portNumber) {
    if (!portNumOK(portNumber))
      errs.push(invalidValue(`${path}.service.port.number`, portNumber, PORT_RANGE_MSG));
  } else errs.push(required(path, 'port name or number is required'));
  return errs;
}

function validateTypedReference(ref: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (ref.apiGroup !== undefined && ref.apiGroup !== null)
    for (const m of isDNS1123Subdomain(asStr(ref.apiGroup)))
      errs.push(invalidValue(`${path}.apiGroup`, ref.apiGroup, m));
  for (const f of ['kind', 'name']) {
    const v = asStr(ref[f]);
    if (!v) errs.push(required(`${path}.${f}`));
    else for (const m of isPathSegmentName(v)) errs.push(invalidValue(`${path}.${f}`, v, m));
  }
  return errs;
}

function validatePath(p: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.pathType === undefined || p.pathType === null)
    return [required(`${path}.pathType`, 'pathType must be specified')];
  const value = asStr(p.path);
  const pathType = asStr(p.pathType);
  if (pathType === 'Exact' || pathType === 'Prefix') {
    if (!value.startsWith('/'))
      errs.push(invalidValue(`${path}.path`, value, 'must be an absolute path'));
    if (value) {
      for (const seq of INVALID_PATH_SEQUENCES)
        if (value.includes(seq))
          errs.push(invalidValue(`${path}.path`, value, `must not contain '${seq}'`));
      for (const suf of INVALID_PATH_SUFFIXES)
        if (value.endsWith(suf))
          errs.push(invalidValue(`${path}.path`, value, `cannot end with '${suf}'`));
    }
  } else if (pathType === 'ImplementationSpecific') {
    if (value && !value.startsWith('/'))
      errs.push(invalidValue(`${path}.path`, value, 'must be an absolute path'));
  } else {
    errs.push(notSupported(`${path}.pathType`, pathType, PATH_TYPES));
  }
  errs.push(...validateBackend(asObj(p.backend) ?? {}, `${path}.backend`));
  return errs;
}

function validateRules(rules: Obj[]): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    const host = asStr(rule.host);
    if (host) {
      if (parseIP(host))
        errs.push(invalidValue(`${path}.host`, host, 'must be a DNS name, not an IP address'));
      const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const m of msgs) errs.push(invalidValue(`${path}.host`, host, m));
    }
    const http = asObj(rule.http);
    if (http) {
      const paths = objs(http.paths);
      if (paths.length === 0) errs.push(required(`${path}.http.paths`));
      paths.forEach((p, j) => errs.push(...validatePath(p, `${path}.http.paths[${j}]`)));
    }
  });
  return errs;
}

export function validateIngress(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, true);
  const spec = specOf(obj);
  const rules = objs(spec.rules);
  const defaultBackend = asObj(spec.defaultBackend);
  if (rules.length === 0 && !defaultBackend)
    errs.push(
      invalidValue(
        'spec',
        spec.rules ?? null,
        'either `defaultBackend` or `rules` must be specified',
      ),
    );
  if (defaultBackend) errs.push(...validateBackend(defaultBackend, 'spec.defaultBackend'));
  errs.push(...validateRules(rules));
  objs(spec.tls).forEach((tls, i) => {
    strs(tls.hosts).forEach((h, j) => {
      const msgs = h.includes('*') ? isWildcardDNS1123Subdomain(h) : isDNS1123Subdomain(h);
      for (const m of msgs) errs.push(invalidValue(`spec.tls[${i}].hosts[${j}]`, h, m));
    });
    const secret = asStr(tls.secretName);
    if (secret)
      for (const m of isDNS1123Subdomain(secret))
        errs.push(invalidValue(`spec.tls[${i}].secretName`, secret, m));
  });
  const className = spec.ingressClassName;
  if (className !== undefined && className !== null) {
    for (const m of isDNS1123Subdomain(asStr(className)))
      errs.push(invalidValue('spec.ingressClassName', className, m));
    const ann = obj.metadata.annotations?.[CLASS_ANNOTATION];
    if (ann !== undefined && ann !== className)
      errs.push(
        invalidValue(
          `annotations.${CLASS_ANNOTATION}`,
          ann,
          'must match `ingressClassName` when both are specified',
        ),
      );
  }
  return errs;
}

/** ValidateIngressStatusUpdate: load-balancer entries. */
export function validateIngressStatusUpdate(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  objs(asObj(asObj(obj.status)?.loadBalancer)?.ingress).forEach((ing, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    const ip = asStr(ing.ip);
    if (ip) errs.push(...validIP(`${p}.ip`, ip));
    const host = asStr(ing.hostname);
    if (host) {
      for (const m of isDNS1123Subdomain(host)) errs.push(invalidValue(`${p}.hostname`, host, m));
      if (parseIP(host))
        errs.push(invalidValue(`${p}.hostname`, host, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

function prepareForCreate(obj: KubeObject): void {
  obj.status = { loadBalancer: {} };
}

function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
  obj.status = structuredClone(old.status ?? { loadBalancer: {} });
}

/** ingresses/status: the spec is the stored one. */
export function prepareForStatusUpdate(obj: KubeObject, old: KubeObject): void {
  obj.spec = structuredClone(old.spec);
}

/** formatHosts: the first three hosts, `*` when none. */
function formatHosts(rules: Obj[]): string {
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === 3) more = true;
    const host = asStr(r.host);
    if (!more && host) list.push(host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${rules.length - 3} more...` : ret;
}

export const ingressResource: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  listKind: 'IngressList',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  statusStrategy: {
    prepareForUpdate: prepareForStatusUpdate,
    validateUpdate: validateIngressStatusUpdate,
  },
  strategy: {
    prepareForCreate: (obj) => prepareForCreate(obj),
    prepareForUpdate: (obj, old) => prepareForUpdate(obj, old),
    validate: (obj) => validateIngress(obj),
    tracksGeneration: true,
    columns: [
      NAME_COLUMN,
      column(
        'Class',
        'The name of the IngressClass resource that should be used for additional configuration',
      ),
      column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
      column('Address', 'Address is a list containing ingress points for the load-balancer'),
      column('Ports', 'Ports of TLS configurations that open'),
      AGE_COLUMN,
    ],
    row: (obj, now) => {
      const spec = specOf(obj);
      const className = spec.ingressClassName;
      return [
        obj.metadata.name ?? '',
        typeof className === 'string' ? className : '<none>',
        formatHosts(objs(spec.rules)),
        loadBalancerIngress(asObj(obj.status)?.loadBalancer),
        objs(spec.tls).length > 0 ? '80, 443' : '80',
        age(obj.metadata.creationTimestamp, now),
      ];
    },
  },
};
