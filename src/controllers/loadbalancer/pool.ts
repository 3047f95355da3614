// An IPv4 pool given as a CIDR (`--lb-pool 192.168.49.240/28`), addresses handed out in order.

export interface AddressPool {
  cidr: string;
  /** Whether the address lies in the pool (network and broadcast addresses excluded). */
  has(ip: string): boolean;
  /** The usable addresses, lowest first. */
  addresses(): Iterable<string>;
  size: number;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

const intToIPv4 = (n: number): string =>
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** Parses an IPv4 CIDR; throws with a message fit for a usage error. */
export function parseAddressPool(cidr: string): AddressPool {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr.trim());
  const bits = Number(m?.[2]);
  const base = m ? ipv4ToInt(m[1] ?? '') : undefined;
  if (!m || base === undefined || bits > 32)
    throw new Error(`"${cidr}" is not an IPv4 CIDR (as 192.168.49.240/28)`);
  const span = 2 ** (32 - bits);
  const network = base - (base % span);
  // A /31 or /32 has no network or broadcast address to leave out (RFC 3021).
  const first = span > 2 ? network + 1 : network;
  const last = span > 2 ? network + span - 2 : network + span - 1;
  return {
    cidr: `${intToIPv4(network)}/${bits}`,
    size: last - first + 1,
    has(ip) {
      const n = ipv4ToInt(ip);
      return n !== undefined && n >= first && n <= last;
    },
    *addresses() {
      for (let n = first; n <= last; n++) yield intToIPv4(n);
    },
  };
}
