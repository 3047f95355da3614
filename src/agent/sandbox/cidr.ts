// IPv4 prefixes as plain numbers: enough arithmetic for a node's pod CIDR and its gateway.

export interface Subnet {
  /** The network address, as an unsigned 32-bit number. */
  network: number;
  prefixLength: number;
  /** Number of addresses in the prefix, network and broadcast included. */
  size: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address "${ip}"`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`invalid IPv4 address "${ip}"`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses "10.244.0.0/24"; host bits must be zero. */
export function parseCidr(cidr: string): Subnet {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr.trim());
  const prefixLength = Number(m?.[2]);
  if (!m || prefixLength > 32) throw new Error(`invalid CIDR "${cidr}"`);
  const size = 2 ** (32 - prefixLength);
  const addr = ipToInt(m[1] ?? '');
  if (addr % size !== 0) throw new Error(`invalid CIDR "${cidr}": host bits are set`);
  return { network: addr, prefixLength, size };
}

export function formatCidr(s: Subnet): string {
  return `${intToIp(s.network)}/${s.prefixLength}`;
}

export function contains(s: Subnet, ip: number): boolean {
  return ip >= s.network && ip < s.network + s.size;
}

export function broadcast(s: Subnet): number {
  return s.network + s.size - 1;
}

/** The node's address on the pod network: the first address after the network's. */
export function gatewayOf(s: Subnet): number {
  return s.network + 1;
}
