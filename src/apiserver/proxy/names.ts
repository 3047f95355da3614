// The `[scheme:]name[:port]` forms of a proxy path's name segment, split as apimachinery's
// SplitSchemeNamePort splits them, and the checks kube applies to the address behind them.

import { isIP } from 'node:net';

export interface SchemeNamePort {
  /** '', 'http' or 'https'. */
  scheme: string;
  name: string;
  /** A port number or name; '' when none was given. */
  port: string;
}

const SCHEMES = new Set(['', 'http', 'https']);

/**
 * `name`, `name:port` or `scheme:name:port` (so `https:name:` is https to the default port;
 * `https:name` would be the name `https` with port `name`). Undefined when invalid.
 */
export function splitSchemeNamePort(id: string): SchemeNamePort | undefined {
  const parts = id.split(':');
  let out: SchemeNamePort;
  if (parts.length === 1) out = { scheme: '', name: parts[0] ?? '', port: '' };
  else if (parts.length === 2) out = { scheme: '', name: parts[0] ?? '', port: parts[1] ?? '' };
  else if (parts.length === 3)
    out = { scheme: parts[0] ?? '', name: parts[1] ?? '', port: parts[2] ?? '' };
  else return undefined;
  return out.name && SCHEMES.has(out.scheme) ? out : undefined;
}

function ipv4Octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** Go's net.IP.IsGlobalUnicast, optionally letting loopback through (tests on one host). */
export function isProxyableIp(ip: string, allowLoopback = false): boolean {
  const family = isIP(ip);
  if (family === 4) {
    const [a = 0, b = 0] = ipv4Octets(ip);
    if (a === 127) return allowLoopback;
    if (ip === '0.0.0.0' || ip === '255.255.255.255') return false;
    if (a >= 224 && a <= 239) return false; // multicast
    if (a === 169 && b === 254) return false; // link-local
    return true;
  }
  if (family === 6) {
    const v = ip.toLowerCase();
    if (v === '::1') return allowLoopback;
    if (v === '::') return false;
    if (v.startsWith('ff')) return false; // multicast
    if (/^fe[89ab]/.test(v)) return false; // link-local
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v);
    if (mapped?.[1]) return isProxyableIp(mapped[1], allowLoopback);
    return true;
  }
  return false;
}

/** kube's IsProxyableIP error for an address the API server will not proxy to. */
export const ADDRESS_NOT_ALLOWED = 'address not allowed';
