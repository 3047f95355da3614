// IPv4 CIDR arithmetic for the service allocators.

export interface Cidr {
  base: number;
  bits: number;
  size: number;
  text: string;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export const intToIp = (n: number): string =>
  [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export function parseCidr(text: string): Cidr {
  const [ip, bitsText] = text.split('/');
  const base = ipToInt(ip ?? '');
  const bits = Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 1 || bits > 30)
    throw new Error(`invalid CIDR ${JSON.stringify(text)}`);
  const size = 2 ** (32 - bits);
  return { base: base - (base % size), bits, size, text };
}

export const contains = (c: Cidr, ip: number): boolean => ip >= c.base && ip < c.base + c.size;

/** The n-th address of the range (1 = first usable). */
export const nthIp = (c: Cidr, n: number): string => intToIp(c.base + n);
