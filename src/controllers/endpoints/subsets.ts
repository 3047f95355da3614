// The subsets an Endpoints object should hold for a service and the pods it selects
// (syncService in pkg/controller/endpoint), before and after the 1000-address cap.

import { findPort, isPodReady, podIPs, shouldPodBeInEndpoints, shouldSetHostname } from './pods.js';
import { repackSubsets } from './repack.js';
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from './types.js';

/** More addresses than this are truncated and the object annotated over-capacity. */
export const MAX_CAPACITY = 1000;

const isIPv6 = (ip: string): boolean => ip.includes(':');

/** The pod's address for the service's (first) IP family; undefined when it has none. */
function podAddress(svc: Service, pod: Pod): EndpointAddress | undefined {
  const spec = svc.spec ?? {};
  const ips = podIPs(pod);
  let v6: boolean;
  if (spec.ipFamilies?.length) v6 = spec.ipFamilies[0] === 'IPv6';
  else if (spec.clusterIP && spec.clusterIP !== 'None') v6 = isIPv6(spec.clusterIP);
  else v6 = isIPv6(ips[0] ?? '');
  const ip = ips.find((a) => isIPv6(a) === v6);
  if (!ip) return undefined;
  const addr: EndpointAddress = { ip };
  if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec?.hostname ?? '';
  if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
  addr.targetRef = {
    kind: 'Pod',
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
  };
  return addr;
}

/** The repacked subsets for `svc` given the pods its selector matches. */
export function desiredSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const tolerate = !!svc.spec?.publishNotReadyAddresses;
  const ports = svc.spec?.ports ?? [];
  const headless = svc.spec?.clusterIP === 'None';
  const subsets: EndpointSubset[] = [];
  const add = (pod: Pod, addr: EndpointAddress, port: EndpointPort | undefined): void => {
    const s: EndpointSubset =
      tolerate || isPodReady(pod) ? { addresses: [addr] } : { notReadyAddresses: [addr] };
    if (port) s.ports = [port];
    subsets.push(s);
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerate)) continue;
    const addr = podAddress(svc, pod);
    if (!addr) continue;
    // A headless service may have no ports at all.
    if (ports.length === 0) {
      if (headless) add(pod, addr, undefined);
      continue;
    }
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const ep: EndpointPort = { port, protocol: sp.protocol || 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      add(pod, { ...addr }, withNameFirst(ep));
    }
  }
  return repackSubsets(subsets);
}

// Field order as the Go struct serializes it (name, port, protocol, appProtocol).
const withNameFirst = (p: EndpointPort): EndpointPort => ({
  ...(p.name !== undefined ? { name: p.name } : {}),
  port: p.port,
  ...(p.protocol !== undefined ? { protocol: p.protocol } : {}),
  ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}),
});

const count = (subsets: EndpointSubset[], f: (s: EndpointSubset) => number): number =>
  subsets.reduce((n, s) => n + f(s), 0);

/**
 * truncateEndpoints: over MAX_CAPACITY addresses, keep ready ones first, spreading what fits
 * over the subsets in proportion to their size. Returns whether anything was cut.
 */
export function truncate(subsets: EndpointSubset[]): boolean {
  const ready = count(subsets, (s) => s.addresses?.length ?? 0);
  const notReady = count(subsets, (s) => s.notReadyAddresses?.length ?? 0);
  if (ready + notReady <= MAX_CAPACITY) return false;
  const cutReady = ready > MAX_CAPACITY;
  const max = cutReady ? MAX_CAPACITY : MAX_CAPACITY - ready;
  const total = cutReady ? ready : notReady;
  let room = max;
  for (const s of subsets) {
    const n = (cutReady ? s.addresses?.length : s.notReadyAddresses?.length) ?? 0;
    const take = Math.min(Math.ceil((n / total) * max), room);
    if (cutReady) {
      if (s.addresses) s.addresses = s.addresses.slice(0, take);
      delete s.notReadyAddresses;
      room -= s.addresses?.length ?? 0;
    } else {
      if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, take);
      room -= s.notReadyAddresses?.length ?? 0;
    }
  }
  return true;
}

/** Whether the subsets hold more addresses than the cap allows. */
export const overCapacity = (subsets: EndpointSubset[]): boolean =>
  count(subsets, (s) => (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0)) >
  MAX_CAPACITY;

// Canonical JSON for comparison: empty lists are absent, target resourceVersions ignored.
function canonical(subsets: EndpointSubset[] | undefined): string {
  const addr = (a: EndpointAddress) => ({
    ip: a.ip,
    hostname: a.hostname || undefined,
    nodeName: a.nodeName,
    targetRef: a.targetRef
      ? [
          a.targetRef.kind ?? '',
          a.targetRef.namespace ?? '',
          a.targetRef.name ?? '',
          a.targetRef.uid ?? '',
          a.targetRef.apiVersion ?? '',
          a.targetRef.fieldPath ?? '',
        ]
      : undefined,
  });
  const list = <T, U>(l: T[] | undefined, f: (x: T) => U): U[] | undefined =>
    l && l.length ? l.map(f) : undefined;
  return JSON.stringify(
    (subsets ?? []).map((s) => ({
      addresses: list(s.addresses, addr),
      notReadyAddresses: list(s.notReadyAddresses, addr),
      ports: list(s.ports, (p) => ({
        name: p.name || undefined,
        port: p.port,
        protocol: p.protocol,
        appProtocol: p.appProtocol,
      })),
    })),
  );
}

export const sameSubsets = (a: EndpointSubset[] | undefined, b: EndpointSubset[]): boolean =>
  canonical(a) === canonical(b);
