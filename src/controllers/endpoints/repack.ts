// RepackSubsets (pkg/api/v1/endpoints): expand subsets to (address, port, ready) triples and
// pack them back into the canonical layout, one subset per distinct set of addresses, with
// addresses sorted by IP and pod UID and ports and subsets in kube's hash order.

import {
  goInt,
  goPtr,
  goSlice,
  goString,
  goStruct,
  md5Hex,
  spewSharpV,
  type GoValue,
} from './gohash.js';
import type { EndpointAddress, EndpointPort, EndpointSubset, ObjectReference } from './types.js';

const optString = (v: string | undefined): GoValue =>
  goPtr('string', v === undefined ? null : goString(v));

function goObjectReference(r: ObjectReference | undefined): GoValue {
  if (!r) return goPtr('v1.ObjectReference', null);
  return goPtr(
    'v1.ObjectReference',
    goStruct('v1.ObjectReference', [
      ['Kind', goString(r.kind ?? '')],
      ['Namespace', goString(r.namespace ?? '')],
      ['Name', goString(r.name ?? '')],
      ['UID', goString(r.uid ?? '', 'types.UID')],
      ['APIVersion', goString(r.apiVersion ?? '')],
      ['ResourceVersion', goString(r.resourceVersion ?? '')],
      ['FieldPath', goString(r.fieldPath ?? '')],
    ]),
  );
}

const goAddress = (a: EndpointAddress): GoValue =>
  goStruct('v1.EndpointAddress', [
    ['IP', goString(a.ip)],
    ['Hostname', goString(a.hostname ?? '')],
    ['NodeName', optString(a.nodeName)],
    ['TargetRef', goObjectReference(a.targetRef)],
  ]);

const goPort = (p: EndpointPort): GoValue =>
  goStruct('v1.EndpointPort', [
    ['Name', goString(p.name ?? '')],
    ['Port', goInt(p.port)],
    ['Protocol', goString(p.protocol ?? '', 'v1.Protocol')],
    ['AppProtocol', optString(p.appProtocol)],
  ]);

const goAddresses = (list: EndpointAddress[] | undefined): GoValue =>
  goSlice('[]v1.EndpointAddress', list ? list.map(goAddress) : null);

const goSubset = (s: EndpointSubset): GoValue =>
  goStruct('v1.EndpointSubset', [
    ['Addresses', goAddresses(s.addresses)],
    ['NotReadyAddresses', goAddresses(s.notReadyAddresses)],
    ['Ports', goSlice('[]v1.EndpointPort', s.ports ? s.ports.map(goPort) : null)],
  ]);

const portHash = (p: EndpointPort): string => md5Hex(spewSharpV(goPort(p)));
const subsetHash = (s: EndpointSubset): string => md5Hex(spewSharpV(goSubset(s)));

/** LessEndpointAddress: by IP bytes, then target UID (no target first). */
export function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return Buffer.compare(Buffer.from(a.ip), Buffer.from(b.ip));
  const ua = a.targetRef ? (a.targetRef.uid ?? '') : undefined;
  const ub = b.targetRef ? (b.targetRef.uid ?? '') : undefined;
  if (ub === undefined) return ua === undefined ? 0 : 1;
  if (ua === undefined) return -1;
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

const byHash = <T>(hash: (x: T) => string) => {
  const cache = new Map<T, string>();
  const h = (x: T): string => {
    let v = cache.get(x);
    if (v === undefined) cache.set(x, (v = hash(x)));
    return v;
  };
  return (a: T, b: T): number => (h(a) < h(b) ? -1 : h(a) > h(b) ? 1 : 0);
};

/** SortSubsets: addresses by IP/UID, ports and subsets by hash. Sorts in place. */
export function sortSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  for (const s of subsets) {
    s.addresses?.sort(compareAddresses);
    s.notReadyAddresses?.sort(compareAddresses);
    s.ports?.sort(byHash(portHash));
  }
  return subsets.sort(byHash(subsetHash));
}

const portKey = (p: EndpointPort): string =>
  JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? null]);

// Subsets without ports keep their addresses under a sentinel port, as kube does.
const SENTINEL: EndpointPort = { name: '', port: -1, protocol: '' };

export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  // Addresses are de-duplicated by IP and pod UID; the first one seen is kept.
  const addrs = new Map<string, EndpointAddress>();
  const addrId = (a: EndpointAddress): string => JSON.stringify([a.ip, a.targetRef?.uid ?? '']);
  // port key -> (address id -> ready); not-ready wins over ready.
  const byPort = new Map<string, { port: EndpointPort; ready: Map<string, boolean> }>();
  const map = (a: EndpointAddress, port: EndpointPort, ready: boolean): void => {
    const id = addrId(a);
    if (!addrs.has(id)) addrs.set(id, a);
    const pk = portKey(port);
    let entry = byPort.get(pk);
    if (!entry) byPort.set(pk, (entry = { port, ready: new Map() }));
    if (entry.ready.get(id) !== false) entry.ready.set(id, ready);
  };
  for (const s of subsets) {
    const ports = s.ports?.length ? s.ports : [SENTINEL];
    for (const port of ports) {
      for (const a of s.addresses ?? []) map(a, port, true);
      for (const a of s.notReadyAddresses ?? []) map(a, port, false);
    }
  }
  // Group ports offered by exactly the same addresses with the same readiness.
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] | null }>();
  for (const { port, ready } of byPort.values()) {
    const key = JSON.stringify(
      [...ready.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ready, ports: null }));
    if (port.port > 0) (g.ports ??= []).push(port);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const s: EndpointSubset = {};
    for (const [id, ready] of g.ready) {
      const a = addrs.get(id);
      if (!a) continue;
      if (ready) (s.addresses ??= []).push(a);
      else (s.notReadyAddresses ??= []).push(a);
    }
    if (g.ports) s.ports = g.ports;
    out.push(s);
  }
  return sortSubsets(out);
}
