// The server's Prometheus metrics, named and labelled as CoreDNS's (its `prometheus`,
// `cache` and `forward` plugins), kept in plain counters so that counting a query costs a
// few array and map updates; rendered as the text exposition format on /metrics.

import { typeName } from './wire.js';

/** CoreDNS's plugin.TimeBuckets: 0.25 ms doubling sixteen times. */
const TIME_BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);
const SIZE_BUCKETS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const rcodeName = (r: number): string => RCODES[r] ?? (r === 16 ? 'BADVERS' : `RCODE${r}`);

class Histogram {
  readonly buckets: number[];
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(buckets: number[]) {
    this.buckets = buckets;
    this.counts = new Array<number>(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++)
      if (v <= (b[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
  }
  render(name: string, labels: string, out: string[]): void {
    let acc = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      acc += this.counts[i] as number;
      out.push(`${name}_bucket{${labels},le="${this.buckets[i]}"} ${acc}`);
    }
    out.push(`${name}_bucket{${labels},le="+Inf"} ${this.count}`);
    out.push(`${name}_sum{${labels}} ${this.sum}`);
    out.push(`${name}_count{${labels}} ${this.count}`);
  }
}

const inc = <K>(m: Map<K, number>, k: K, by = 1): void => {
  m.set(k, (m.get(k) ?? 0) + by);
};

export type Proto = 'udp' | 'tcp';
/** Which part of the server answered (CoreDNS's `plugin` label). */
export type Answerer = 'kubernetes' | 'forward' | 'cache' | '';

export interface DnsMetrics {
  request(proto: Proto, family: 4 | 6, qtype: number, size: number, dnssecOk: boolean): void;
  response(proto: Proto, rcode: number, by: Answerer, size: number, seconds: number): void;
  cacheHit(denial: boolean): void;
  cacheMiss(): void;
  cacheEntries(success: number, denial: number): void;
  forwarded(to: string, rcode: number | 'timeout', seconds: number): void;
  panic(): void;
  render(): string;
}

export function createDnsMetrics(server: string, version: string): DnsMetrics {
  const base = `server="${server}",zone=".",view=""`;
  // Indexed by protocol and family (udp/4, udp/6, tcp/4, tcp/6), then by query type.
  const requests = [0, 1, 2, 3].map(() => new Map<number, number>());
  // Keyed by rcode * 8 + the answerer's index.
  const responses = new Map<number, number>();
  const ANSWERERS: Answerer[] = ['', 'kubernetes', 'forward', 'cache'];
  const duration = new Histogram(TIME_BUCKETS);
  const reqSize = { udp: new Histogram(SIZE_BUCKETS), tcp: new Histogram(SIZE_BUCKETS) };
  const respSize = { udp: new Histogram(SIZE_BUCKETS), tcp: new Histogram(SIZE_BUCKETS) };
  let doRequests = 0;
  let hits = 0;
  let denialHits = 0;
  let misses = 0;
  let entries = { success: 0, denial: 0 };
  const forwardDur = new Map<string, Histogram>();
  let panics = 0;

  return {
    request(proto, family, qtype, size, dnssecOk) {
      inc(
        requests[(proto === 'tcp' ? 2 : 0) + (family === 6 ? 1 : 0)] as Map<number, number>,
        qtype,
      );
      reqSize[proto].observe(size);
      if (dnssecOk) doRequests++;
    },
    response(proto, rcode, by, size, seconds) {
      inc(responses, rcode * 8 + ANSWERERS.indexOf(by));
      respSize[proto].observe(size);
      duration.observe(seconds);
    },
    cacheHit(denial) {
      if (denial) denialHits++;
      else hits++;
    },
    cacheMiss() {
      misses++;
    },
    cacheEntries(success, denial) {
      entries = { success, denial };
    },
    forwarded(to, rcode, seconds) {
      const k = `${to}|${typeof rcode === 'number' ? rcodeName(rcode) : rcode}`;
      let h = forwardDur.get(k);
      if (!h) forwardDur.set(k, (h = new Histogram(TIME_BUCKETS)));
      h.observe(seconds);
    },
    panic() {
      panics++;
    },
    render() {
      const out: string[] = [];
      const help = (name: string, type: string, text: string): void => {
        out.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
      };
      help(
        'coredns_build_info',
        'gauge',
        "A metric with a constant '1' value labeled by version, revision, and goversion from which CoreDNS was built.",
      );
      out.push(
        `coredns_build_info{goversion="${process.version}",revision="skiff",version="${version}"} 1`,
      );
      help(
        'coredns_dns_requests_total',
        'counter',
        'Counter of DNS requests made per zone, protocol and family.',
      );
      for (const [i, byType] of requests.entries()) {
        const proto = i >= 2 ? 'tcp' : 'udp';
        const family = i % 2 ? '6' : '4';
        const byName = new Map<string, number>();
        for (const [t, n] of byType) inc(byName, typeName(t), n);
        for (const [t, n] of byName)
          out.push(
            `coredns_dns_requests_total{${base},proto="${proto}",family="${family === '6' ? 2 : 1}",type="${t}"} ${n}`,
          );
      }
      help(
        'coredns_dns_do_requests_total',
        'counter',
        'Counter of DNS requests with DO bit set per zone.',
      );
      out.push(`coredns_dns_do_requests_total{${base}} ${doRequests}`);
      help('coredns_dns_responses_total', 'counter', 'Counter of response status codes.');
      for (const [k, n] of responses) {
        const rcode = Math.floor(k / 8);
        const plugin = ANSWERERS[k % 8] ?? '';
        out.push(
          `coredns_dns_responses_total{${base},rcode="${rcodeName(rcode)}",plugin="${plugin}"} ${n}`,
        );
      }
      help(
        'coredns_dns_request_duration_seconds',
        'histogram',
        'Histogram of the time (in seconds) each request took.',
      );
      duration.render('coredns_dns_request_duration_seconds', base, out);
      help(
        'coredns_dns_request_size_bytes',
        'histogram',
        'Size of the EDNS0 UDP buffer in bytes (64K for TCP).',
      );
      for (const p of ['udp', 'tcp'] as const)
        reqSize[p].render('coredns_dns_request_size_bytes', `${base},proto="${p}"`, out);
      help(
        'coredns_dns_response_size_bytes',
        'histogram',
        'Size of the returned response in bytes.',
      );
      for (const p of ['udp', 'tcp'] as const)
        respSize[p].render('coredns_dns_response_size_bytes', `${base},proto="${p}"`, out);
      const zones = `server="${server}",view="",zones="."`;
      help('coredns_cache_entries', 'gauge', 'The number of elements in the cache.');
      out.push(`coredns_cache_entries{${zones},type="success"} ${entries.success}`);
      out.push(`coredns_cache_entries{${zones},type="denial"} ${entries.denial}`);
      help('coredns_cache_requests_total', 'counter', 'The count of cache requests.');
      out.push(`coredns_cache_requests_total{${zones}} ${hits + denialHits + misses}`);
      help('coredns_cache_hits_total', 'counter', 'The count of cache hits.');
      out.push(`coredns_cache_hits_total{${zones},type="success"} ${hits}`);
      out.push(`coredns_cache_hits_total{${zones},type="denial"} ${denialHits}`);
      help(
        'coredns_cache_misses_total',
        'counter',
        'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.',
      );
      out.push(`coredns_cache_misses_total{${zones}} ${misses}`);
      help(
        'coredns_proxy_request_duration_seconds',
        'histogram',
        'Histogram of the time each request took.',
      );
      for (const [k, h] of forwardDur) {
        const [to, rcode] = k.split('|');
        h.render(
          'coredns_proxy_request_duration_seconds',
          `proxy_name="forward",rcode="${rcode}",to="${to}"`,
          out,
        );
      }
      help('coredns_panics_total', 'counter', 'A metrics that counts the number of panics.');
      out.push(`coredns_panics_total ${panics}`);
      return out.join('\n') + '\n';
    },
  };
}
