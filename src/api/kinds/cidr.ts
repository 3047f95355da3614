// CIDR arithmetic for validation: a prefix as a bigint network address and its length,
// IPv4 and IPv6 alike (netutils.ParseCIDRSloppy: leading zeros allowed, host bits masked).

import { isIP } from 'node:net';

export interface CidrBits {
  family: 4 | 6;
  /** The network address (host bits cleared). */
  network: bigint;
  bits: number;
}

function ipBits(ip: string): { family: 4 | 6; value: bigint } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const parts = ip.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { family: 4, value: parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n) };
  }
  if (isIP(ip) !== 6) return undefined;
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = ipBits(dotted[1]);
    if (!v4) return undefined;
    const hex = v4.value.toString(16).padStart(8, '0');
    text = `${text.slice(0, -dotted[1].length)}${hex.slice(0, 4)}:${hex.slice(4)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return { family: 6, value: groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

export function parseCidrBits(cidr: string): CidrBits | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0) return undefined;
  const ip = ipBits(cidr.slice(0, slash));
  const bitsText = cidr.slice(slash + 1);
  if (!ip || !/^\d+$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const width = ip.family === 4 ? 32 : 128;
  if (bits > width) return undefined;
  const hostBits = BigInt(width - bits);
  return { family: ip.family, network: (ip.value >> hostBits) << hostBits, bits };
}

/** Whether the address `ip` (same family) lies in `cidr`. */
export function cidrContains(cidr: CidrBits, ip: bigint): boolean {
  const width = cidr.family === 4 ? 32 : 128;
  const hostBits = BigInt(width - cidr.bits);
  return ip >> hostBits === cidr.network >> hostBits;
}
