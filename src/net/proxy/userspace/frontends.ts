// Where the userspace proxy listens, as a pure table computed from the proxy's state: one
// frontend per (protocol, address, port), each owned by one service port. Cluster IPs,
// externalIPs and load-balancer IPs also go on the service-address interface so that the
// node and its pods reach them as local addresses.

import { isIPv4, isIPv6 } from 'node:net';
import type { NodeInfo, ProxyServicePort } from '../types.js';

export type FrontendProtocol = 'TCP' | 'UDP';

/** Which endpoints a frontend's traffic goes to (usableEndpoints' cluster or external set). */
export type FrontendScope = 'cluster' | 'external';

export interface Frontend {
  /** "TCP 10.96.0.10:80": what is bound. */
  id: string;
  protocol: FrontendProtocol;
  address: string;
  port: number;
  /** The owning service port's servicePortKey. */
  key: string;
  scope: FrontendScope;
  /** Client CIDRs allowed in (loadBalancerSourceRanges, load-balancer IPs only); all when absent. */
  sourceRanges?: string[];
}

export interface FrontendTable {
  frontends: Map<string, Frontend>;
  /** Addresses that belong on the service-address interface (host-length prefixes). */
  addresses: Set<string>;
  /** Service ports this mode cannot serve, with why (SCTP, clashing frontends). */
  problems: { key: string; reason: string }[];
}

export const frontendId = (protocol: string, address: string, port: number): string =>
  `${protocol} ${address.includes(':') ? `[${address}]` : address}:${port}`;

const isLoopback = (ip: string): boolean => ip === '::1' || ip.startsWith('127.');

/**
 * The frontends for `state`. A NodePort means every address of the node, as kube-proxy's
 * do: TCP NodePorts listen on 0.0.0.0 (127.0.0.1 included); UDP NodePorts on each IPv4
 * address of the node (`localAddresses`: every interface's, not only the ones the node
 * reports) and 127.0.0.1, one socket each, because a reply from a wildcard UDP socket may
 * leave with another source address than the client asked.
 * When two service ports want one frontend, the first by key keeps it.
 */
export function frontendTable(
  state: ReadonlyMap<string, ProxyServicePort>,
  node: Pick<NodeInfo, 'addresses'>,
  localAddresses: readonly string[] = [],
): FrontendTable {
  const frontends = new Map<string, Frontend>();
  const addresses = new Set<string>();
  const problems: FrontendTable['problems'] = [];
  const nodeAddresses = new Set(node.addresses);
  const udpNodePortAddresses = [
    ...new Set([...node.addresses, ...localAddresses, '127.0.0.1'].filter((a) => isIPv4(a))),
  ];
  const vip = (ip: string): void => {
    if ((isIPv4(ip) || isIPv6(ip)) && !nodeAddresses.has(ip) && !isLoopback(ip)) addresses.add(ip);
  };

  for (const key of [...state.keys()].sort()) {
    const sp = state.get(key);
    if (!sp) continue;
    if (sp.protocol === 'SCTP') {
      problems.push({ key, reason: 'SCTP is not available in userspace mode' });
      continue;
    }
    const protocol = sp.protocol;
    const add = (address: string, port: number, scope: FrontendScope, ranges?: string[]): void => {
      if (!(isIPv4(address) || isIPv6(address))) return;
      const id = frontendId(protocol, address, port);
      const owner = frontends.get(id);
      if (owner) {
        if (owner.key !== key)
          problems.push({ key, reason: `${id} is already served for ${owner.key}` });
        return;
      }
      const f: Frontend = { id, protocol, address, port, key, scope };
      if (ranges && ranges.length > 0) f.sourceRanges = ranges;
      frontends.set(id, f);
    };
    for (const ip of sp.clusterIPs) {
      vip(ip);
      add(ip, sp.port, 'cluster');
    }
    if (sp.nodePort) {
      if (protocol === 'TCP') add('0.0.0.0', sp.nodePort, 'external');
      else for (const a of udpNodePortAddresses) add(a, sp.nodePort, 'external');
    }
    for (const ip of sp.externalIPs) {
      vip(ip);
      add(ip, sp.port, 'external');
    }
    for (const ip of sp.loadBalancerIPs) {
      vip(ip);
      add(ip, sp.port, 'external', sp.loadBalancerSourceRanges);
    }
  }
  return { frontends, addresses, problems };
}
