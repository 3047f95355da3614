// Identity of endpoints and port lists inside EndpointSlices (k8s.io/endpointslice/util):
// an endpoint is known by its addresses, hostname and target; a group of slices by its ports.

import { fnv128aHex, goInt, goPtr, goString, goStruct, spewSharpV } from '../endpoints/index.js';
import type { SliceEndpoint, SlicePort } from './types.js';

const optStr = (type: string, v: string | undefined) =>
  goPtr(type, v === undefined ? null : goString(v, type));

function computePortHash(p: SlicePort): string {
  return fnv128aHex(
    spewSharpV(
      goStruct('v1.EndpointPort', [
        ['Name', optStr('string', p.name)],
        ['Protocol', optStr('v1.Protocol', p.protocol)],
        ['Port', goPtr('int32', p.port === undefined ? null : goInt(p.port))],
        ['AppProtocol', optStr('string', p.appProtocol)],
      ]),
    ),
  );
}

// Services have few distinct ports; remember their hashes (bounded).
const portHashes = new Map<string, string>();
function portHash(p: SlicePort): string {
  const key = JSON.stringify([p.name, p.protocol, p.port, p.appProtocol]);
  let h = portHashes.get(key);
  if (h === undefined) {
    h = computePortHash(p);
    if (portHashes.size >= 4096) portHashes.clear();
    portHashes.set(key, h);
  }
  return h;
}

/** Ports in kube's order (by hash), the order slices publish them in. */
export function sortPorts(ports: SlicePort[] | null | undefined): SlicePort[] {
  const hashes = new Map((ports ?? []).map((p) => [p, portHash(p)]));
  return [...hashes.keys()].sort((a, b) => {
    const ha = hashes.get(a) ?? '';
    const hb = hashes.get(b) ?? '';
    return ha < hb ? -1 : ha > hb ? 1 : 0;
  });
}

/** NewPortMapKey: a key naming a set of ports, whatever their order. */
export function portMapKey(ports: SlicePort[] | null | undefined): string {
  return JSON.stringify(
    sortPorts(ports).map((p) => [
      p.name ?? null,
      p.protocol ?? null,
      p.port ?? null,
      p.appProtocol ?? null,
    ]),
  );
}

export function endpointKey(ep: SliceEndpoint): string {
  return JSON.stringify([
    [...ep.addresses].sort(),
    ep.hostname ?? '',
    ep.targetRef?.namespace ?? '',
    ep.targetRef?.name ?? '',
  ]);
}

const refKey = (ep: SliceEndpoint): string =>
  ep.targetRef
    ? JSON.stringify([
        ep.targetRef.kind ?? '',
        ep.targetRef.namespace ?? '',
        ep.targetRef.name ?? '',
        ep.targetRef.uid ?? '',
        ep.targetRef.apiVersion ?? '',
        ep.targetRef.fieldPath ?? '',
      ])
    : '';

/** EndpointsEqualBeyondHash: the attributes the key leaves out (target resourceVersion ignored). */
export function sameBeyondKey(a: SliceEndpoint, b: SliceEndpoint): boolean {
  return (
    a.nodeName === b.nodeName &&
    a.zone === b.zone &&
    a.conditions?.ready === b.conditions?.ready &&
    a.conditions?.serving === b.conditions?.serving &&
    a.conditions?.terminating === b.conditions?.terminating &&
    refKey(a) === refKey(b)
  );
}

/** A set of endpoints by key; pops in insertion order so results are deterministic. */
export class EndpointSet {
  private readonly items = new Map<string, SliceEndpoint>();
  insert(ep: SliceEndpoint): void {
    this.items.set(endpointKey(ep), ep);
  }
  get(ep: SliceEndpoint): SliceEndpoint | undefined {
    return this.items.get(endpointKey(ep));
  }
  delete(ep: SliceEndpoint): void {
    this.items.delete(endpointKey(ep));
  }
  popAny(): SliceEndpoint | undefined {
    const first = this.items.entries().next();
    if (first.done) return undefined;
    this.items.delete(first.value[0]);
    return first.value[1];
  }
  get size(): number {
    return this.items.size;
  }
}
