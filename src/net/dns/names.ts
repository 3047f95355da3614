// Query names as the kubernetes plugin reads them: the parts of a name under the cluster
// zone (CoreDNS's parse.go) and the address a reverse name stands for.

import { isIP } from 'node:net';

/** The labels of a name under the zone, read right to left; "" where absent. */
export interface NameParts {
  /** 'svc', 'pod', '' for the apex, `svc.<zone>` and `pod.<zone>`. */
  podOrSvc: string;
  namespace: string;
  service: string;
  endpoint: string;
  port: string;
  protocol: string;
}

const stripUnderscore = (s: string): string => (s.startsWith('_') ? s.slice(1) : s);

/**
 * Parses `base` (the lower-cased name with the zone taken off). Returns undefined for a
 * name the schema has no place for (CoreDNS's errInvalidRequest, answered NXDOMAIN).
 */
export function parseName(base: string): NameParts | undefined {
  const r: NameParts = {
    podOrSvc: '',
    namespace: '',
    service: '',
    endpoint: '',
    port: '',
    protocol: '',
  };
  if (base === '' || base === 'svc' || base === 'pod') return r;
  const segs = base.split('.');
  let last = segs.length - 1;
  r.podOrSvc = segs[last] ?? '';
  if (r.podOrSvc !== 'svc' && r.podOrSvc !== 'pod') return undefined;
  if (--last < 0) return r;
  r.namespace = segs[last] ?? '';
  if (--last < 0) return r;
  r.service = segs[last] ?? '';
  if (--last < 0) return r;
  if (last === 0) r.endpoint = segs[0] ?? '';
  else if (last === 1) {
    r.protocol = stripUnderscore(segs[1] ?? '');
    r.port = stripUnderscore(segs[0] ?? '');
  } else return undefined; // longer than any name of the schema
  return r;
}

/** `1-2-3-4` → 1.2.3.4 and `2001-db8--1` → 2001:db8::1, as CoreDNS reads pod names. */
export function podNameToIP(label: string): string | undefined {
  const ip =
    label.split('-').length === 4 && !label.includes('--')
      ? label.replaceAll('-', '.')
      : label.replaceAll('-', ':');
  return isIP(ip) ? ip : undefined;
}

/** An endpoint's hostname, or its address with dashes (CoreDNS's endpointHostname). */
export function endpointHostname(ip: string, hostname: string): string {
  if (hostname) return hostname;
  if (ip.includes('.')) return ip.replaceAll('.', '-');
  const h = ip.replaceAll(':', '-');
  return h.endsWith('-') ? h + '0' : h;
}

/** A key for an address that does not depend on how it is written (IPv6 fully expanded). */
export function addressKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const groups = (list: string[]): string[] =>
    list.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const b = g.split('.').map(Number);
      return [
        (((b[0] ?? 0) << 8) | (b[1] ?? 0)).toString(16),
        (((b[2] ?? 0) << 8) | (b[3] ?? 0)).toString(16),
      ];
    });
  const hg = groups(h);
  const tg = groups(t);
  const fill = tail === undefined ? [] : Array(8 - hg.length - tg.length).fill('0');
  return [...hg, ...fill, ...tg].map((g) => g.padStart(4, '0')).join('');
}

/**
 * The address a reverse name (`4.3.2.1.in-addr.arpa`, 32 nibbles `.ip6.arpa`) stands for,
 * as an addressKey; undefined for a partial or malformed one.
 */
export function reverseNameToKey(lower: string): string | undefined {
  if (lower.endsWith('.in-addr.arpa')) {
    const parts = lower.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return undefined;
    if (!parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reverse().join('.');
  }
  if (lower.endsWith('.ip6.arpa')) {
    const parts = lower.slice(0, -'.ip6.arpa'.length).split('.');
    if (parts.length !== 32 || !parts.every((p) => /^[0-9a-f]$/.test(p))) return undefined;
    return parts.reverse().join('');
  }
  return undefined;
}

export const isReverseName = (lower: string): boolean =>
  lower === 'in-addr.arpa' ||
  lower.endsWith('.in-addr.arpa') ||
  lower === 'ip6.arpa' ||
  lower.endsWith('.ip6.arpa');
