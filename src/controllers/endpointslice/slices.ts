// How a service and its pods become EndpointSlice parts: address types, ports, endpoints
// with their conditions, labels, and new (or placeholder) slices.

import { StatusError } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import {
  findPort,
  HEADLESS_LABEL,
  isHeadless,
  isPodReady,
  podIPs,
  shouldSetHostname,
  type Pod,
  type Service,
} from '../endpoints/index.js';
import {
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  type EndpointSlice,
  type SliceEndpoint,
  type SlicePort,
} from './types.js';
import { newControllerRef } from '../../api/owners.js';

export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
const RESERVED = new Set([LABEL_SERVICE_NAME, LABEL_MANAGED_BY, HEADLESS_LABEL]);

const isIPv6 = (ip: string): boolean => ip.includes(':');

/** The address types a service's slices carry, from its IP families. */
export function addressTypes(svc: Service): string[] {
  const out = new Set<string>();
  for (const f of svc.spec?.ipFamilies ?? []) {
    if (f === 'IPv4') out.add('IPv4');
    if (f === 'IPv6') out.add('IPv6');
  }
  if (out.size) return [...out];
  const ip = svc.spec?.clusterIP ?? '';
  if (ip && ip !== 'None') return [isIPv6(ip) ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

export const ownedBy = (s: EndpointSlice, svc: Service): boolean =>
  (s.metadata.ownerReferences ?? []).some(
    (o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1',
  );

export function endpointPorts(svc: Service, pod: Pod): SlicePort[] {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0 && svc.spec?.clusterIP === 'None') return [];
  const out: SlicePort[] = [];
  for (const sp of ports) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const p: SlicePort = { name: sp.name ?? '', protocol: sp.protocol || 'TCP', port };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

export function podToEndpoint(
  pod: Pod,
  node: KubeObject | undefined,
  svc: Service,
  addressType: string,
): SliceEndpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  // For compatibility, ready is never true for a terminating pod unless the service
  // publishes not-ready addresses.
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const ep: SliceEndpoint = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec?.hostname ?? '';
  ep.targetRef = {
    kind: 'Pod',
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  return ep;
}

/** The slice's labels: the service's (minus reserved ones) plus ours; and whether they differ. */
export function sliceLabels(
  slice: EndpointSlice | undefined,
  svc: Service,
): [Record<string, string>, boolean] {
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries(slice?.metadata.labels ?? {}))
    if (!RESERVED.has(k)) own[k] = v;
  const want: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!RESERVED.has(k)) want[k] = v;
  const changed =
    Object.keys(own).length !== Object.keys(want).length ||
    Object.keys(own).some((k) => own[k] !== want[k]);
  if (isHeadless(svc)) want[HEADLESS_LABEL] = '';
  want[LABEL_SERVICE_NAME] = svc.metadata.name ?? '';
  want[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return [want, changed];
}

export function newSlice(svc: Service, ports: SlicePort[], addressType: string): EndpointSlice {
  const prefix = `${svc.metadata.name}-`;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      // A prefix too long for a name goes without its dash.
      generateName: prefix.length <= 253 ? prefix : (svc.metadata.name ?? ''),
      namespace: svc.metadata.namespace ?? '',
      labels: sliceLabels(undefined, svc)[0],
      ownerReferences: [newControllerRef(svc, 'v1', 'Service')],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

/** Whether an existing slice is already the placeholder we would create (namespace, labels, owner). */
export function isPlaceholderOf(s: EndpointSlice, p: EndpointSlice): boolean {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const sortedEntries = (m: Record<string, string> | undefined) =>
    Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const owners = (x: EndpointSlice) =>
    (x.metadata.ownerReferences ?? []).map((r) => [
      r.apiVersion,
      r.kind,
      r.name,
      r.uid,
      !!r.controller,
      !!r.blockOwnerDeletion,
    ]);
  return (
    s.metadata.namespace === p.metadata.namespace &&
    same(sortedEntries(s.metadata.labels), sortedEntries(p.metadata.labels)) &&
    same(owners(s), owners(p)) &&
    s.addressType === p.addressType &&
    (s.endpoints ?? []).length === 0 &&
    (s.ports ?? []).length === 0
  );
}

export const namespaceTerminating = (e: unknown): boolean =>
  e instanceof StatusError &&
  ((e.status['details'] as { causes?: { type?: string }[] } | undefined)?.causes ?? []).some(
    (c) => c.type === 'NamespaceTerminating',
  );
