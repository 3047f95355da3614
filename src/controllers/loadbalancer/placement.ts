// Which addresses a LoadBalancer service gets, as a pure function of what the others hold.
//
// Without a pool, as k3s's ServiceLB: the addresses of the Ready nodes (ExternalIP when any
// node has one, else InternalIP) where none of the service's ports is already taken by
// another load balancer on that address, nor held by the node itself (its kubelet, API
// server, DNS: a load balancer there would shadow them); with
// `externalTrafficPolicy: Local`, only nodes with a ready endpoint. With a pool, one
// address of the pool per service.
// A holder keeps what it has; between two holders of one port the older service wins.

import type { AddressPool } from './pool.js';

export interface Holder {
  /** namespace/name */
  key: string;
  /** creationTimestamp, for the older-wins rule. */
  created: string;
  ips: string[];
  /** `80/TCP` … */
  ports: string[];
}

export interface NodeAddress {
  node: string;
  ip: string;
  /** Ports the node's own processes hold there: `53/UDP` → `cluster DNS`. */
  held?: Readonly<Record<string, string>>;
}

export interface PlacementRequest {
  service: Holder & { requestedIP?: string; families: string[] };
  /** Every other served LoadBalancer service, with what it holds now. */
  others: Holder[];
  /** The candidate node addresses (Ready nodes; only nodes with local endpoints for Local). */
  nodes: NodeAddress[];
  pool?: AddressPool | undefined;
}

export type Placement = { ips: string[] } | { ips: []; pending: string };

const older = (a: Holder, b: Holder): boolean =>
  a.created === b.created ? a.key < b.key : a.created < b.created;

const family = (ip: string): string => (ip.includes(':') ? 'IPv6' : 'IPv4');

/** The holder that keeps `ip` with any of the service's ports against the service, if any. */
function winnerOver(r: PlacementRequest, ip: string, ports: string[]): Holder | undefined {
  const self = r.service;
  const holds = self.ips.includes(ip);
  return r.others.find(
    (o) =>
      o.ips.includes(ip) &&
      (ports.length === 0 || o.ports.some((p) => ports.includes(p))) &&
      (!holds || older(o, self)),
  );
}

export function place(r: PlacementRequest): Placement {
  return r.pool ? fromPool(r, r.pool) : fromNodes(r);
}

function fromNodes(r: PlacementRequest): Placement {
  const candidates = r.nodes.filter((n) => r.service.families.includes(family(n.ip)));
  if (candidates.length === 0) return { ips: [], pending: 'there is no Ready node to serve it' };
  const free: string[] = [];
  const clashes: string[] = [];
  for (const n of candidates) {
    // The node's own listeners were there first, whatever a service holds.
    const own = r.service.ports.find((p) => n.held?.[p] !== undefined);
    if (own) {
      clashes.push(
        `port ${own} of node ${n.node} (${n.ip}) is used by the node's ${n.held?.[own]}`,
      );
      continue;
    }
    const winner = winnerOver(r, n.ip, r.service.ports);
    if (!winner) free.push(n.ip);
    else {
      const port = r.service.ports.find((p) => winner.ports.includes(p));
      clashes.push(
        `port ${port} of node ${n.node} (${n.ip}) is used by load balancer ${winner.key}`,
      );
    }
  }
  if (free.length) return { ips: [...new Set(free)].sort() };
  return { ips: [], pending: clashes.join('; ') };
}

function fromPool(r: PlacementRequest, pool: AddressPool): Placement {
  // Within a pool every address belongs to one service, whatever its ports.
  const takenBy = (ip: string): Holder | undefined => winnerOver(r, ip, []);
  const wanted = r.service.requestedIP;
  if (wanted) {
    if (!pool.has(wanted))
      return { ips: [], pending: `requested address ${wanted} is not in the pool ${pool.cidr}` };
    const holder = takenBy(wanted);
    if (holder)
      return {
        ips: [],
        pending: `requested address ${wanted} is used by load balancer ${holder.key}`,
      };
    return { ips: [wanted] };
  }
  const kept = r.service.ips.find((ip) => pool.has(ip) && !takenBy(ip));
  if (kept) return { ips: [kept] };
  if (!r.service.families.includes('IPv4'))
    return { ips: [], pending: `the pool ${pool.cidr} has no address of its IP family` };
  const held = new Set(r.others.flatMap((o) => o.ips));
  for (const ip of pool.addresses()) if (!held.has(ip)) return { ips: [ip] };
  return {
    ips: [],
    pending: `no address is left in the pool ${pool.cidr} (${pool.size} in use)`,
  };
}
