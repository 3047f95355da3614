// core/v1 Endpoints: port protocol defaults to TCP; ValidateEndpoints; printEndpoints.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  notSupported,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import {
  PORT_RANGE_MSG,
  asNum,
  asStr,
  column,
  nonSpecialIP,
  objs,
  portNumOK,
  validIP,
} from './kindutil.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export function defaultEndpoints(obj: KubeObject): void {
  for (const ss of objs(obj.subsets))
    for (const p of objs(ss.ports)) if (!p.protocol) p.protocol = 'TCP';
}

function validateAddress(a: Record<string, unknown>, path: string): FieldError[] {
  const ip = asStr(a.ip);
  const errs = validIP(`${path}.ip`, ip);
  const host = asStr(a.hostname);
  if (host)
    for (const m of isDNS1123Label(host)) errs.push(invalidValue(`${path}.hostname`, host, m));
  if (a.nodeName !== undefined && a.nodeName !== null)
    for (const m of isDNS1123Subdomain(asStr(a.nodeName)))
      errs.push(invalidValue(`${path}.nodeName`, a.nodeName, m));
  errs.push(...nonSpecialIP(`${path}.ip`, ip));
  return errs;
}

export function validateEndpoints(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, true);
  objs(obj.subsets).forEach((ss, i) => {
    const path = `subsets[${i}]`;
    const addrs = objs(ss.addresses);
    const notReady = objs(ss.notReadyAddresses);
    if (addrs.length === 0 && notReady.length === 0)
      errs.push(required(path, 'must specify `addresses` or `notReadyAddresses`'));
    addrs.forEach((a, j) => errs.push(...validateAddress(a, `${path}.addresses[${j}]`)));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, `${path}.notReadyAddresses[${j}]`)));
    const ports = objs(ss.ports);
    ports.forEach((p, j) => {
      const pp = `${path}.ports[${j}]`;
      const name = asStr(p.name);
      if (ports.length > 1 && !name) errs.push(required(`${pp}.name`));
      else if (name)
        for (const m of isDNS1123Label(name)) errs.push(invalidValue(`${pp}.name`, name, m));
      if (!portNumOK(p.port)) errs.push(invalidValue(`${pp}.port`, p.port ?? 0, PORT_RANGE_MSG));
      if (!p.protocol) errs.push(required(`${pp}.protocol`));
      else if (!PROTOCOLS.includes(asStr(p.protocol)))
        errs.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
      if (p.appProtocol !== undefined && p.appProtocol !== null)
        for (const m of isQualifiedName(asStr(p.appProtocol)))
          errs.push(invalidValue(`${pp}.appProtocol`, p.appProtocol, m));
    });
  });
  return errs;
}

const joinHostPort = (ip: string, port: number): string =>
  ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;

/** formatEndpoints: the first three `ip:port` pairs, then `+ N more...`. */
export function formatEndpoints(obj: KubeObject): string {
  const subsets = objs(obj.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = objs(ss.addresses);
    const ports = objs(ss.ports);
    if (ports.length === 0) {
      // Headless services may have endpoints without ports.
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(asStr(a.ip));
      }
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(asStr(a.ip), asNum(p.port)));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  verbs: [...STANDARD_VERBS],
  strategy: {
    defaults: (obj) => defaultEndpoints(obj),
    validate: (obj) => validateEndpoints(obj),
    columns: [
      NAME_COLUMN,
      column('Endpoints', 'The set of all endpoints is the union of all subsets.'),
      AGE_COLUMN,
    ],
    row: (obj, now) => [
      obj.metadata.name ?? '',
      formatEndpoints(obj),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
