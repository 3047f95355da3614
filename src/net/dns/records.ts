// The record index: Services, EndpointSlices and Namespaces kept up to date by informer
// events, and the answer to one question, as CoreDNS's kubernetes plugin (with `pods
// insecure` and `fallthrough in-addr.arpa ip6.arpa`) gives it under schema 1.1.0 of the
// Kubernetes DNS specification. Pure: no sockets, no clock but the one passed in.

import { isIP } from 'node:net';
import {
  addressKey,
  endpointHostname,
  isReverseName,
  parseName,
  podNameToIP,
  reverseNameToKey,
  type NameParts,
} from './names.js';
import {
  RCODE,
  type DnsEndpointSlice,
  type DnsRecord,
  type DnsService,
  type Resolution,
} from './types.js';

export const DNS_SCHEMA_VERSION = '1.1.0';
const SCHEMA_TTL = 28800;
const MAX_CNAME_CHAIN = 10;

export interface RecordIndexOptions {
  /** The cluster domain, e.g. cluster.local (no trailing dot). */
  zone: string;
  /** TTL of every cluster answer (CoreDNS's default: 5 s). */
  ttl?: number;
  /** Seconds since the epoch, for the SOA serial (the time of the last change). */
  now?: () => number;
}

export interface RecordIndex {
  readonly zone: string;
  setNamespace(name: string, exists: boolean): void;
  upsertService(s: DnsService): void;
  deleteService(namespace: string, name: string): void;
  upsertSlice(s: DnsEndpointSlice): void;
  deleteSlice(namespace: string, name: string): void;
  /** The addresses this server answers on (for NS glue and `ns.dns.<zone>`). */
  setSelfAddresses(ips: string[]): void;
  /** Answers SERVFAIL instead of NXDOMAIN until the informers have listed once. */
  setSynced(synced: boolean): void;
  /** Bumped by every change: answers cached under an older generation are stale. */
  generation(): number;
  resolve(qname: string, qtype: string): Resolution;
  counts(): { services: number; slices: number; namespaces: number };
}

/** What a name under the zone stands for before the query type is applied (msg.Service). */
interface Item {
  /** An address, or a name (ExternalName) to be answered as a CNAME. */
  host: string;
  port: number;
  /** The name SRV targets and address records for this item carry. */
  target: string;
  text?: string;
}

type Lookup = { error: true } | { error: false; items: Item[] };
const NAME_ERROR: Lookup = { error: true };

type AnswerResolution = Extract<Resolution, { kind: 'answer' }>;

const svcKey = (namespace: string, name: string): string => `${name}.${namespace}`;

function hostType(host: string): 'A' | 'AAAA' | 'CNAME' {
  const v = isIP(host);
  return v === 4 ? 'A' : v === 6 ? 'AAAA' : 'CNAME';
}

const matches = (want: string, have: string): boolean => want === '' || want === have;

export function createRecordIndex(o: RecordIndexOptions): RecordIndex {
  const zone = o.zone.replace(/\.$/, '').toLowerCase();
  const ttl = o.ttl ?? 5;
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));
  const namespaces = new Set<string>();
  const services = new Map<string, DnsService>();
  const slices = new Map<string, DnsEndpointSlice>();
  /** service key → slice keys */
  const slicesOf = new Map<string, Set<string>>();
  /** address key → service keys (cluster IPs) */
  const byClusterIP = new Map<string, Set<string>>();
  /** address key → slice keys (endpoint addresses) */
  const byEndpointIP = new Map<string, Set<string>>();
  let self: string[] = [];
  let synced = false;
  let gen = 0;
  let modified = now();

  const changed = (): void => {
    gen++;
    modified = now();
  };
  const addTo = <K, V>(m: Map<K, Set<V>>, k: K, v: V): void => {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(v);
  };
  const removeFrom = <K, V>(m: Map<K, Set<V>>, k: K, v: V): void => {
    const s = m.get(k);
    if (!s) return;
    s.delete(v);
    if (s.size === 0) m.delete(k);
  };

  function unindexService(key: string): void {
    const old = services.get(key);
    if (!old) return;
    for (const ip of old.clusterIPs) removeFrom(byClusterIP, addressKey(ip), key);
    services.delete(key);
  }
  function unindexSlice(key: string): void {
    const old = slices.get(key);
    if (!old) return;
    for (const a of old.addresses) removeFrom(byEndpointIP, addressKey(a.ip), key);
    removeFrom(slicesOf, svcKey(old.namespace, old.service), key);
    slices.delete(key);
  }

  // --- names under the zone -------------------------------------------------------------

  function endpointsOf(svc: DnsService): DnsEndpointSlice[] {
    const keys = slicesOf.get(svcKey(svc.namespace, svc.name));
    if (!keys) return [];
    const out: DnsEndpointSlice[] = [];
    for (const k of keys) {
      const s = slices.get(k);
      if (s) out.push(s);
    }
    return out;
  }

  /** CoreDNS's findServices: the items a service name stands for, or a name error. */
  function findServices(r: NameParts, zoneName: string): Lookup {
    if (r.service === '') return { error: false, items: [] };
    const svc = services.get(svcKey(r.namespace, r.service));
    if (!svc) return NAME_ERROR;
    const svcName = `${svc.name}.${svc.namespace}.svc.${zoneName}`;
    if (svc.kind === 'ExternalName') {
      if (r.endpoint || r.port || r.protocol) return NAME_ERROR;
      // An ExternalName that is an address is not a CNAME, and CoreDNS serves nothing for it.
      if (hostType(svc.externalName) !== 'CNAME' || !svc.externalName) return NAME_ERROR;
      return { error: false, items: [{ host: svc.externalName, port: 0, target: svcName }] };
    }
    const items: Item[] = [];
    let found = false;
    if (svc.kind === 'Headless' || r.endpoint) {
      for (const slice of endpointsOf(svc))
        for (const a of slice.addresses) {
          const hostname = endpointHostname(a.ip, a.hostname);
          if (r.endpoint && r.endpoint !== hostname) continue;
          for (const p of slice.ports) {
            if (!matches(r.port, p.name) || !matches(r.protocol, p.protocol)) continue;
            found = true;
            items.push({ host: a.ip, port: p.port, target: `${hostname}.${svcName}` });
          }
        }
      return found ? { error: false, items } : NAME_ERROR;
    }
    for (const p of svc.ports) {
      if (!matches(r.port, p.name) || !matches(r.protocol, p.protocol)) continue;
      found = true;
      for (const ip of svc.clusterIPs) items.push({ host: ip, port: p.port, target: svcName });
    }
    return found ? { error: false, items } : NAME_ERROR;
  }

  /** CoreDNS's Records: `base` is the lower-cased name without the zone. */
  function records(base: string, zoneName: string): Lookup {
    const r = parseName(base);
    if (!r) return NAME_ERROR;
    if (r.podOrSvc === '') return { error: false, items: [] };
    if (!namespaces.has(r.namespace)) return NAME_ERROR;
    if (r.podOrSvc === 'pod') {
      // "pods insecure": any well-formed address answers, without looking for the pod.
      if (r.service === '') return { error: false, items: [] };
      const ip = podNameToIP(r.service);
      if (!ip) return NAME_ERROR;
      return { error: false, items: [{ host: ip, port: 0, target: '' }] };
    }
    return findServices(r, zoneName);
  }

  /** The address records of this server (CoreDNS's nsAddrs): via its Service when it has one. */
  function nsAddresses(zoneName: string): { name: string; ip: string }[] {
    const out: { name: string; ip: string }[] = [];
    for (const ip of self)
      for (const sliceKey of byEndpointIP.get(addressKey(ip)) ?? []) {
        const slice = slices.get(sliceKey);
        const svc = slice && services.get(svcKey(slice.namespace, slice.service));
        if (!svc) continue;
        const name = `${svc.name}.${svc.namespace}.svc.${zoneName}`;
        if (svc.kind === 'Headless')
          for (const a of slice.addresses)
            out.push({ name: `${endpointHostname(a.ip, a.hostname)}.${name}`, ip: a.ip });
        else for (const cip of svc.clusterIPs) out.push({ name, ip: cip });
      }
    if (out.length === 0) for (const ip of self) out.push({ name: `ns.dns.${zoneName}`, ip });
    return out;
  }

  const soa = (zoneName: string): DnsRecord => ({
    type: 'SOA',
    name: zoneName,
    ttl: Math.min(ttl, 300),
    data: {
      mname: `ns.dns.${zoneName}`,
      rname: `hostmaster.${zoneName}`,
      serial: modified >>> 0,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: ttl,
    },
  });

  function reply(
    rcode: number,
    answers: DnsRecord[],
    zoneName: string,
    additionals: DnsRecord[] = [],
  ): AnswerResolution {
    return {
      kind: 'answer',
      rcode,
      answers,
      authorities: answers.length === 0 ? [soa(zoneName)] : [],
      additionals,
    };
  }
  const nameError = (zoneName: string): AnswerResolution =>
    reply(synced ? RCODE.NXDOMAIN : RCODE.SERVFAIL, [], zoneName);

  interface AddressAnswer {
    error: boolean;
    records: DnsRecord[];
    external?: { target: string; type: 'A' | 'AAAA' | 'TXT' };
  }

  /** plugin.A / plugin.AAAA: addresses of `qname`, following in-zone CNAMEs. */
  function addresses(
    qname: string,
    lower: string,
    family: 'A' | 'AAAA',
    zoneName: string,
    chain: number,
  ): AddressAnswer {
    const base = lower === zone ? '' : lower.slice(0, lower.length - zone.length - 1);
    const found = isDefaultNS(lower)
      ? {
          error: false as const,
          items: nsAddresses(zoneName).map((a) => ({ host: a.ip, port: 0, target: '' })),
        }
      : records(base, zoneName);
    if (found.error) return { error: true, records: [] };
    const out: DnsRecord[] = [];
    const seen = new Set<string>();
    let external: AddressAnswer['external'];
    for (const it of found.items) {
      const t = hostType(it.host);
      if (t === 'CNAME') {
        if (it.host === lower) continue; // x CNAME x
        if (chain >= MAX_CNAME_CHAIN) continue;
        const cname: DnsRecord = { type: 'CNAME', name: qname, ttl, data: it.host };
        if (it.host === zone || it.host.endsWith('.' + zone)) {
          const next = addresses(it.host, it.host, family, zoneName, chain + 1);
          if (!next.error && next.records.length > 0) {
            out.push(cname, ...next.records);
            if (next.external) external = next.external;
          }
          continue;
        }
        out.push(cname);
        external = { target: it.host, type: family };
        continue;
      }
      if (t !== family || seen.has(it.host)) continue;
      seen.add(it.host);
      out.push({ type: family, name: qname, ttl, data: it.host });
    }
    return { error: false, records: out, ...(external ? { external } : {}) };
  }

  const isDefaultNS = (lower: string): boolean => lower === `ns.dns.${zone}`;

  function srv(qname: string, base: string, zoneName: string): AnswerResolution {
    const found = records(base, zoneName);
    if (found.error) return nameError(zoneName);
    // SRV for ExternalName services is not served.
    const items = found.items.filter((i) => hostType(i.host) !== 'CNAME');
    const answers: DnsRecord[] = [];
    const extra: DnsRecord[] = [];
    const seen = new Set<string>();
    // Every item weighs 100; each record's weight is its share of 100 (at least 1).
    const weight = Math.max(1, Math.floor((100 / (100 * items.length)) * 100));
    for (const it of items) {
      if (it.port === -1) continue;
      const srvKey = `${it.target} ${it.port}`;
      if (!seen.has(srvKey)) {
        seen.add(srvKey);
        answers.push({
          type: 'SRV',
          name: qname,
          ttl,
          data: { priority: 0, weight, port: it.port, target: it.target },
        });
      }
      const addrKey = `${it.target} ${it.host}`;
      if (!seen.has(addrKey)) {
        seen.add(addrKey);
        extra.push({
          type: hostType(it.host) as 'A' | 'AAAA',
          name: it.target,
          ttl,
          data: it.host,
        });
      }
    }
    return reply(RCODE.NOERROR, answers, zoneName, extra);
  }

  function inZone(qname: string, lower: string, qtype: string): AnswerResolution {
    // The zone as the question spells it: answers keep the client's case.
    const zoneName = qname.slice(qname.length - zone.length);
    const base = lower === zone ? '' : lower.slice(0, lower.length - zone.length - 1);
    switch (qtype) {
      case 'A':
      case 'AAAA': {
        const a = addresses(qname, lower, qtype, zoneName, 0);
        if (a.error) return nameError(zoneName);
        const res = reply(RCODE.NOERROR, a.records, zoneName);
        const ext = a.external;
        if (ext) {
          const rest = reply(
            RCODE.NOERROR,
            a.records.filter((r) => !(r.type === 'CNAME' && r.data === ext.target)),
            zoneName,
          );
          res.external = {
            ...ext,
            unresolved: { answers: rest.answers, authorities: rest.authorities },
          };
        }
        return res;
      }
      case 'TXT': {
        if (base === 'dns-version')
          return reply(
            RCODE.NOERROR,
            [{ type: 'TXT', name: qname, ttl: SCHEMA_TTL, data: DNS_SCHEMA_VERSION }],
            zoneName,
          );
        const found = records(base, zoneName);
        if (found.error) return nameError(zoneName);
        return reply(RCODE.NOERROR, [], zoneName);
      }
      case 'CNAME': {
        const found = records(base, zoneName);
        if (found.error) return nameError(zoneName);
        const first = found.items[0];
        const answers: DnsRecord[] =
          first && hostType(first.host) === 'CNAME'
            ? [{ type: 'CNAME', name: qname, ttl, data: first.host }]
            : [];
        return reply(RCODE.NOERROR, answers, zoneName);
      }
      case 'SRV':
        return srv(qname, base, zoneName);
      case 'SOA':
        return reply(RCODE.NOERROR, lower === zone ? [soa(zoneName)] : [], zoneName);
      case 'AXFR':
      case 'IXFR':
        return {
          kind: 'answer',
          rcode: RCODE.REFUSED,
          answers: [],
          authorities: [],
          additionals: [],
        };
      case 'NS':
        if (lower === zone) {
          const answers: DnsRecord[] = [];
          const extra: DnsRecord[] = [];
          const names = new Set<string>();
          for (const a of nsAddresses(zoneName)) {
            extra.push({ type: isIP(a.ip) === 6 ? 'AAAA' : 'A', name: a.name, ttl, data: a.ip });
            if (names.has(a.name)) continue;
            names.add(a.name);
            answers.push({ type: 'NS', name: qname, ttl, data: a.name });
          }
          return reply(RCODE.NOERROR, answers, zoneName, extra);
        }
        break;
      default:
        break;
    }
    // Any other type (and PTR, MX under the zone, which the cluster never has): an A
    // lookup tells NXDOMAIN from NODATA.
    const probe = records(base, zoneName);
    return probe.error ? nameError(zoneName) : reply(RCODE.NOERROR, [], zoneName);
  }

  function reverse(qname: string, lower: string, qtype: string): Resolution {
    // Everything under the reverse zones that the cluster does not answer falls through.
    if (qtype !== 'PTR') return { kind: 'forward' };
    const key = reverseNameToKey(lower);
    if (!key) return { kind: 'forward' };
    const answers: DnsRecord[] = [];
    for (const k of byClusterIP.get(key) ?? []) {
      const svc = services.get(k);
      if (!svc) continue;
      answers.push({
        type: 'PTR',
        name: qname,
        ttl,
        data: `${svc.name}.${svc.namespace}.svc.${zone}`,
      });
      break; // the first service with that cluster IP, as CoreDNS
    }
    if (answers.length === 0) {
      const seen = new Set<string>();
      for (const k of byEndpointIP.get(key) ?? []) {
        const slice = slices.get(k);
        if (!slice) continue;
        for (const a of slice.addresses) {
          if (addressKey(a.ip) !== key) continue;
          const target = `${endpointHostname(a.ip, a.hostname)}.${slice.service}.${slice.namespace}.svc.${zone}`;
          if (seen.has(target)) continue;
          seen.add(target);
          answers.push({ type: 'PTR', name: qname, ttl, data: target });
        }
      }
    }
    if (answers.length === 0) return { kind: 'forward' };
    return { kind: 'answer', rcode: RCODE.NOERROR, answers, authorities: [], additionals: [] };
  }

  return {
    zone,
    setNamespace(name, exists) {
      const had = namespaces.has(name);
      if (had === exists) return;
      if (exists) namespaces.add(name);
      else namespaces.delete(name);
      changed();
    },
    upsertService(s) {
      const key = svcKey(s.namespace, s.name);
      unindexService(key);
      services.set(key, s);
      for (const ip of s.clusterIPs) addTo(byClusterIP, addressKey(ip), key);
      changed();
    },
    deleteService(namespace, name) {
      unindexService(svcKey(namespace.toLowerCase(), name.toLowerCase()));
      changed();
    },
    upsertSlice(s) {
      const key = `${s.namespace}/${s.name}`;
      unindexSlice(key);
      slices.set(key, s);
      addTo(slicesOf, svcKey(s.namespace, s.service), key);
      for (const a of s.addresses) addTo(byEndpointIP, addressKey(a.ip), key);
      changed();
    },
    deleteSlice(namespace, name) {
      unindexSlice(`${namespace.toLowerCase()}/${name}`);
      changed();
    },
    setSelfAddresses(ips) {
      self = [...ips];
      changed();
    },
    setSynced(s) {
      synced = s;
      changed();
    },
    generation: () => gen,
    resolve(qname, qtype) {
      const name = qname.endsWith('.') ? qname.slice(0, -1) : qname;
      const lower = name.toLowerCase();
      if (lower === zone || lower.endsWith('.' + zone)) return inZone(name, lower, qtype);
      if (isReverseName(lower)) return reverse(name, lower, qtype);
      return { kind: 'forward' };
    },
    counts: () => ({ services: services.size, slices: slices.size, namespaces: namespaces.size }),
  };
}
