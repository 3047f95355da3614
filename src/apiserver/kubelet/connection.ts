// Where a node's kubelet listens, read from its Node object as kube-apiserver's
// NodeConnectionInfoGetter does: the first address of the preferred types, and the port the
// kubelet reported in status.daemonEndpoints.

import { internalError, notFound } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';

/** Address types tried in order (kube-apiserver's --kubelet-preferred-address-types). */
export const PREFERRED_ADDRESS_TYPES = ['InternalIP', 'Hostname'] as const;

/** The kubelet's port when the node reports none (kube's --kubelet-port default). */
export const DEFAULT_KUBELET_PORT = 10250;

export interface KubeletEndpoint {
  host: string;
  port: number;
}

interface NodeAddress {
  type?: unknown;
  address?: unknown;
}

/** Go's %v of a []NodeAddress: `[{InternalIP 10.0.0.1} {Hostname n1}]`. */
const goAddresses = (list: NodeAddress[]): string =>
  `[${list.map((a) => `{${String(a.type ?? '')} ${String(a.address ?? '')}}`).join(' ')}]`;

/**
 * The kubelet endpoint of `node`: 404 `nodes "NAME" not found` without a Node, and kube's
 * 500 `no preferred addresses found; known addresses: […]` without a usable address.
 */
export function kubeletEndpoint(name: string, node: KubeObject | undefined): KubeletEndpoint {
  if (!node) throw notFound({ group: '', resource: 'nodes' }, name);
  const status = (node.status ?? {}) as {
    addresses?: unknown;
    daemonEndpoints?: { kubeletEndpoint?: { Port?: unknown } };
  };
  const addresses = Array.isArray(status.addresses) ? (status.addresses as NodeAddress[]) : [];
  let host: string | undefined;
  for (const type of PREFERRED_ADDRESS_TYPES) {
    const hit = addresses.find((a) => a.type === type && typeof a.address === 'string');
    if (hit && hit.address) {
      host = String(hit.address);
      break;
    }
  }
  if (host === undefined)
    throw internalError(
      new Error(`no preferred addresses found; known addresses: ${goAddresses(addresses)}`),
    );
  const reported = Number(status.daemonEndpoints?.kubeletEndpoint?.Port);
  const port = Number.isInteger(reported) && reported > 0 ? reported : DEFAULT_KUBELET_PORT;
  return { host, port };
}

/** `host:port` as Go's net.JoinHostPort writes it (IPv6 in brackets). */
export const joinHostPort = (host: string, port: number | string): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
