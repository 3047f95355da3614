// discovery.k8s.io/v1 EndpointSlice: port defaults, ValidateEndpointSlice(+Update), the
// generation bump on any non-metadata change, and printEndpointSlice.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  duplicate,
  immutable,
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  notSupported,
  required,
  validateLabels,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import {
  asNum,
  asObj,
  asStr,
  column,
  fqdn,
  listWithMore,
  nonSpecialIP,
  objs,
  parseIP,
  strs,
  tooMany,
  validIP,
} from './kindutil.js';
import { equalIgnoringEmpty } from '../json.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;
const MAX_TOPOLOGY_LABELS = 16;

export function defaultEndpointSlice(obj: KubeObject): void {
  for (const p of objs(obj.ports)) {
    if (p.name === undefined || p.name === null) p.name = '';
    if (!p.protocol) p.protocol = 'TCP';
  }
}

function validateEndpointList(obj: KubeObject): FieldError[] {
  const endpoints = objs(obj.endpoints);
  if (endpoints.length > MAX_ENDPOINTS)
    return [tooMany('endpoints', endpoints.length, MAX_ENDPOINTS)];
  const errs: FieldError[] = [];
  const type = asStr(obj.addressType);
  endpoints.forEach((ep, i) => {
    const path = `endpoints[${i}]`;
    const addrs = strs(ep.addresses);
    if (addrs.length === 0)
      errs.push(required(`${path}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > MAX_ADDRESSES)
      errs.push(tooMany(`${path}.addresses`, addrs.length, MAX_ADDRESSES));
    addrs.forEach((a, j) => {
      const ap = `${path}.addresses[${j}]`;
      if (type === 'IP') errs.push(...validIP(ap, a));
      else if (type === 'IPv4') {
        if (parseIP(a) !== 4) errs.push(invalidValue(ap, a, 'must be a valid IPv4 address'));
        errs.push(...nonSpecialIP(ap, a));
      } else if (type === 'IPv6') {
        if (parseIP(a) !== 6) errs.push(invalidValue(ap, a, 'must be a valid IPv6 address'));
        errs.push(...nonSpecialIP(ap, a));
      } else if (type === 'FQDN') errs.push(...fqdn(ap, a));
    });
    const topology = asObj(ep.deprecatedTopology);
    if (topology) {
      if (Object.keys(topology).length > MAX_TOPOLOGY_LABELS)
        errs.push(
          tooMany(`${path}.deprecatedTopology`, Object.keys(topology).length, MAX_TOPOLOGY_LABELS),
        );
      errs.push(...validateLabels(topology, `${path}.deprecatedTopology`));
    }
    if (ep.nodeName !== undefined && ep.nodeName !== null)
      for (const m of isDNS1123Subdomain(asStr(ep.nodeName)))
        errs.push(invalidValue(`${path}.nodeName`, ep.nodeName, m));
    if (ep.hostname !== undefined && ep.hostname !== null)
      for (const m of isDNS1123Label(asStr(ep.hostname)))
        errs.push(invalidValue(`${path}.hostname`, ep.hostname, m));
  });
  return errs;
}

function validatePorts(obj: KubeObject): FieldError[] {
  const ports = objs(obj.ports);
  if (ports.length > MAX_PORTS) return [tooMany('ports', ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `ports[${i}]`;
    const name = asStr(p.name);
    if (name)
      for (const m of isDNS1123Label(name)) errs.push(invalidValue(`${path}.name`, name, m));
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    else names.add(name);
    if (!p.protocol) errs.push(required(`${path}.protocol`));
    else if (!PROTOCOLS.includes(asStr(p.protocol)))
      errs.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
    if (p.appProtocol !== undefined && p.appProtocol !== null)
      for (const m of isQualifiedName(asStr(p.appProtocol)))
        errs.push(invalidValue(`${path}.appProtocol`, p.appProtocol, m));
  });
  return errs;
}

function validateAddressType(obj: KubeObject, allowed: string[]): FieldError[] {
  const t = asStr(obj.addressType);
  if (!t) return [required('addressType')];
  return allowed.includes(t) ? [] : [notSupported('addressType', t, allowed)];
}

/** ValidateEndpointSlice minus the address-type check, which differs on update. */
function validateCommon(obj: KubeObject): FieldError[] {
  return [...validateObjectMeta(obj, true), ...validateEndpointList(obj), ...validatePorts(obj)];
}

function prepareForCreate(obj: KubeObject): void {
  obj.metadata.generation = 1;
}

/** Any change besides metadata (or a label change) bumps the generation. */
function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
  const body = (o: KubeObject): unknown => ({
    ...o,
    metadata: undefined,
    apiVersion: undefined,
    kind: undefined,
  });
  const prev = old.metadata.generation ?? 0;
  obj.metadata.generation =
    !equalIgnoringEmpty(body(obj), body(old)) ||
    !equalIgnoringEmpty(obj.metadata.labels, old.metadata.labels)
      ? prev + 1
      : prev;
}

export const endpointSliceResource: ResourceDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  listKind: 'EndpointSliceList',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  verbs: [...STANDARD_VERBS],
  strategy: {
    defaults: (obj) => defaultEndpointSlice(obj),
    prepareForCreate: (obj) => prepareForCreate(obj),
    prepareForUpdate: (obj, old) => prepareForUpdate(obj, old),
    // kube-apiserver still accepts the deprecated `IP` type on update of old objects; no such
    // object can be created, so the create rule applies throughout.
    validate: (obj) => [...validateAddressType(obj, ADDRESS_TYPES), ...validateCommon(obj)],
    validateUpdate: (obj, old) => immutable(obj.addressType, old.addressType, 'addressType'),
    columns: [
      NAME_COLUMN,
      column(
        'AddressType',
        'addressType specifies the type of address carried by this EndpointSlice.',
      ),
      column(
        'Ports',
        'ports specifies the list of network ports exposed by each endpoint in this slice.',
      ),
      column('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
      AGE_COLUMN,
    ],
    row: (obj, now) => [
      obj.metadata.name ?? '',
      asStr(obj.addressType),
      formatPorts(obj.ports),
      formatAddresses(obj.endpoints),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};

function formatPorts(ports: unknown): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const p of objs(ports)) {
    if (list.length < 3) {
      const n = p.port;
      list.push(
        typeof n === 'number' ? String(asNum(n)) : typeof p.name === 'string' ? p.name : '*',
      );
    } else if (list.length === 3) more = true;
    count++;
  }
  return listWithMore(list, more, count, 3);
}

function formatAddresses(endpoints: unknown): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ep of objs(endpoints))
    for (const a of strs(ep.addresses)) {
      if (list.length < 3) list.push(a);
      else if (list.length === 3) more = true;
      count++;
    }
  return listWithMore(list, more, count, 3);
}
