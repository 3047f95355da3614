// The machine's address as the control plane advertises it (and names in its certificate).

import { networkInterfaces } from 'node:os';

/** The first non-internal IPv4 address of this machine, else loopback. */
export function primaryAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

const isWildcard = (a: string): boolean => a === '0.0.0.0' || a === '::';
const isLoopback = (a: string): boolean => a.startsWith('127.') || a === '::1' || a === 'localhost';

/** The node's own address on its pod network: the first after the network's (its bridge). */
export function podNetworkGateway(podCIDR: string): string {
  const [net = '', bits = '32'] = podCIDR.split('/');
  const span = 2 ** (32 - Number(bits));
  const n = net.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  const g = n - (n % span) + 1;
  return [g >>> 24, (g >>> 16) & 255, (g >>> 8) & 255, g & 255].join('.');
}

export interface AdvertisedAddress {
  /** Where pods reach the API server: the `kubernetes` service's endpoint. */
  address: string;
  /** Whether the API server must also listen there (its bind address does not cover it). */
  listen: boolean;
}

/**
 * The address the API server advertises, as kube-apiserver chooses its --advertise-address
 * (the bind address, or with a wildcard bind the machine's own address), except that an
 * address pods cannot reach is never advertised: with the API server on loopback and a node
 * in this process, pods reach it at the node's pod-network gateway, where it then also
 * listens; that address exists only on the node's bridge, so nothing outside the machine
 * gains a way in.
 */
export function advertisedAddress(
  bindAddress: string,
  podCIDR: string | undefined,
  primary = primaryAddress(),
): AdvertisedAddress {
  if (!isWildcard(bindAddress) && !isLoopback(bindAddress))
    return { address: bindAddress, listen: false };
  if (isWildcard(bindAddress) && !isLoopback(primary)) return { address: primary, listen: false };
  if (podCIDR) return { address: podNetworkGateway(podCIDR), listen: !isWildcard(bindAddress) };
  return { address: primary, listen: false };
}
