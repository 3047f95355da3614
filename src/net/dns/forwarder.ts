// Names outside the cluster: sent to the host's resolvers (as CoreDNS's `forward .
// /etc/resolv.conf` with `cache 30`). One UDP socket for every upstream query, TCP when an
// upstream truncates; concurrent identical questions share one upstream query; answers are
// cached for their TTL (at most maxTtl) with TTLs counted down; an upstream that stays
// silent for the whole budget gives SERVFAIL instead of a hang.

import { createSocket, type Socket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import { randomInt } from 'node:crypto';
import * as packet from 'dns-packet';
import type { DnsMetrics } from './metrics.js';
import { RCODE } from './types.js';

const TC = 0x0200;
const RD = 0x0100;

export interface Upstream {
  host: string;
  port: number;
}

/** An upstream as written in resolv.conf or a flag: `1.2.3.4`, `1.2.3.4:5353`, `[::1]:53`. */
export function parseUpstream(s: string): Upstream {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (m) return { host: m[1] as string, port: Number(m[2]) };
  return { host: s, port: 53 };
}

const isLoopback = (ip: string): boolean =>
  ip.startsWith('127.') || ip === '::1' || ip === '0:0:0:0:0:0:0:1';

/**
 * The nameservers of a resolv.conf, without loopback stubs (systemd-resolved's 127.0.0.53,
 * a local dnsmasq): pods forwarding through this server could not reach those, and a stub
 * that forwards back to the cluster would loop.
 */
export function upstreamsFromResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key !== 'nameserver' || !value) continue;
    const ip = value.replace(/%.*$/, '');
    if (isIP(ip) && !isLoopback(ip)) out.push(ip);
  }
  return out;
}

export interface ForwarderOptions {
  upstreams: Upstream[];
  /** The whole budget of one question, over every upstream (default 2000 ms). */
  timeoutMs?: number;
  /** The longest an answer is cached, in seconds (CoreDNS's `cache 30`). */
  maxTtl?: number;
  /** How many answers the cache holds (oldest dropped first). */
  cacheSize?: number;
  metrics?: DnsMetrics;
  now?: () => number;
}

export interface UpstreamAnswer {
  rcode: number;
  flags: number;
  answers: packet.Answer[];
  authorities: packet.Answer[];
  additionals: packet.Answer[];
  fromCache: boolean;
}

export interface Forwarder {
  /** The answer to the question of `msg` (a client's query), or undefined: SERVFAIL. */
  forward(
    msg: Buffer,
    q: { qname: string; qtype: number; qclass: number; flags: number; dnssecOk: boolean },
    tcp: boolean,
  ): Promise<UpstreamAnswer | undefined>;
  /** The records of `type` for `name` (an ExternalName's target). */
  lookup(name: string, type: 'A' | 'AAAA' | 'TXT'): Promise<packet.Answer[] | undefined>;
  close(): void;
}

interface CacheEntry {
  storedAt: number;
  ttl: number;
  rcode: number;
  flags: number;
  answers: packet.Answer[];
  authorities: packet.Answer[];
  additionals: packet.Answer[];
}

/** The smallest TTL of a response, or for a denial the SOA's (RFC 2308), capped at maxTtl. */
function cacheTtl(p: packet.DecodedPacket, rcode: number, maxTtl: number): number {
  const records = [...(p.answers ?? []), ...(p.authorities ?? [])].filter((r) => r.type !== 'OPT');
  let ttl = maxTtl;
  const denial = rcode === RCODE.NXDOMAIN || (p.answers ?? []).length === 0;
  for (const r of records) {
    const t = (r as { ttl?: number }).ttl ?? 0;
    if (denial && r.type === 'SOA') ttl = Math.min(ttl, t, (r.data as packet.SoaData).minimum ?? t);
    else if (!denial) ttl = Math.min(ttl, t);
  }
  return Math.max(0, ttl);
}

export function createForwarder(o: ForwarderOptions): Forwarder {
  const timeoutMs = o.timeoutMs ?? 2000;
  const maxTtl = o.maxTtl ?? 30;
  const cacheSize = o.cacheSize ?? 10_000;
  const now = o.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();
  const inflight = new Map<string, Promise<CacheEntry | undefined>>();
  interface Pending {
    onReply(msg: Buffer, from: string): void;
    cancel(): void;
  }
  const pending = new Map<number, Pending>();
  const sockets = new Map<4 | 6, Socket>();
  let denials = 0;

  function udp(family: 4 | 6): Socket {
    let s = sockets.get(family);
    if (s) return s;
    s = createSocket(family === 6 ? 'udp6' : 'udp4');
    s.on('message', (msg, rinfo) => {
      if (msg.length < 12) return;
      pending.get(msg.readUInt16BE(0))?.onReply(msg, `${rinfo.address}:${rinfo.port}`);
    });
    s.on('error', () => undefined);
    s.unref();
    sockets.set(family, s);
    return s;
  }

  function freeId(): number {
    for (;;) {
      const id = randomInt(0, 65536);
      if (!pending.has(id)) return id;
    }
  }

  const sameQuestion = (reply: packet.DecodedPacket, name: string, type: number): boolean => {
    const q = reply.questions?.[0];
    return !!q && q.name.toLowerCase() === name.toLowerCase() && typeNumber(q.type) === type;
  };

  function overUdp(up: Upstream, query: Buffer, ms: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const id = freeId();
      const msg = Buffer.from(query);
      msg.writeUInt16BE(id, 0);
      const want = `${up.host}:${up.port}`;
      const timer = setTimeout(() => done(undefined), ms);
      const done = (r: Buffer | undefined): void => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(r);
      };
      pending.set(id, {
        // Only the upstream asked may answer (a spoofed reply from elsewhere is ignored).
        onReply: (reply, from) => {
          if (from === want) done(reply);
        },
        cancel: () => done(undefined),
      });
      udp(isIP(up.host) === 6 ? 6 : 4).send(msg, up.port, up.host, (err) => {
        if (err) done(undefined);
      });
    });
  }

  function overTcp(up: Upstream, query: Buffer, ms: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const sock = connect({ host: up.host, port: up.port });
      let buf = Buffer.alloc(0);
      const finish = (r: Buffer | undefined): void => {
        clearTimeout(timer);
        sock.destroy();
        resolve(r);
      };
      const timer = setTimeout(() => finish(undefined), ms);
      sock.on('error', () => finish(undefined));
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length);
        sock.write(Buffer.concat([len, query]));
      });
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0))
          finish(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
    });
  }

  /** One question to the upstreams in turn until one answers, within the budget. */
  async function ask(
    query: Buffer,
    name: string,
    type: number,
    tcp: boolean,
  ): Promise<CacheEntry | undefined> {
    const deadline = now() + timeoutMs;
    const ups = o.upstreams;
    for (let i = 0; i < ups.length; i++) {
      const up = ups[i] as Upstream;
      const left = deadline - now();
      if (left <= 0) break;
      // Each upstream gets its share of what is left, the last one all of it.
      const ms = Math.max(1, Math.floor(left / (ups.length - i)));
      const to = `${up.host}:${up.port}`;
      const t0 = performance.now();
      let raw = tcp ? await overTcp(up, query, ms) : await overUdp(up, query, ms);
      let reply: packet.DecodedPacket | undefined;
      try {
        reply = raw ? packet.decode(raw) : undefined;
      } catch {
        reply = undefined;
      }
      if (reply && reply.flags !== undefined && reply.flags & TC && !tcp) {
        raw = await overTcp(up, query, Math.max(1, deadline - now()));
        try {
          reply = raw ? packet.decode(raw) : undefined;
        } catch {
          reply = undefined;
        }
      }
      if (!reply || !sameQuestion(reply, name, type)) {
        o.metrics?.forwarded(to, 'timeout', (performance.now() - t0) / 1000);
        continue;
      }
      const rcode = (reply.flags ?? 0) & 0xf;
      o.metrics?.forwarded(to, rcode, (performance.now() - t0) / 1000);
      // An upstream that fails the question passes it to the next one, as CoreDNS does.
      if (rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED) continue;
      return {
        storedAt: now(),
        ttl:
          rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN ? cacheTtl(reply, rcode, maxTtl) : 0,
        rcode,
        flags: reply.flags ?? 0,
        answers: reply.answers ?? [],
        authorities: reply.authorities ?? [],
        additionals: (reply.additionals ?? []).filter((a) => a.type !== 'OPT'),
      };
    }
    return undefined;
  }

  function store(key: string, e: CacheEntry): void {
    if (e.ttl <= 0) return;
    if (cache.size >= cacheSize) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) drop(oldest);
    }
    cache.set(key, e);
    if (e.answers.length === 0) denials++;
    report();
  }
  function drop(key: string): void {
    const e = cache.get(key);
    if (!e) return;
    cache.delete(key);
    if (e.answers.length === 0) denials--;
  }
  const report = (): void => o.metrics?.cacheEntries(cache.size - denials, denials);

  /** A cached answer with its TTLs counted down, or undefined when absent or expired. */
  function cached(key: string): UpstreamAnswer | undefined {
    const e = cache.get(key);
    if (!e) return undefined;
    const age = Math.floor((now() - e.storedAt) / 1000);
    if (age >= e.ttl) {
      drop(key);
      report();
      return undefined;
    }
    const age1 = (list: packet.Answer[]): packet.Answer[] =>
      list.map((a) =>
        'ttl' in a && typeof a.ttl === 'number' ? { ...a, ttl: Math.max(0, a.ttl - age) } : a,
      ) as packet.Answer[];
    o.metrics?.cacheHit(e.answers.length === 0);
    return {
      rcode: e.rcode,
      flags: e.flags,
      answers: age1(e.answers),
      authorities: age1(e.authorities),
      additionals: age1(e.additionals),
      fromCache: true,
    };
  }

  async function resolve(
    key: string,
    query: Buffer,
    name: string,
    type: number,
    tcp: boolean,
  ): Promise<UpstreamAnswer | undefined> {
    const hit = cached(key);
    if (hit) return hit;
    o.metrics?.cacheMiss();
    let p = inflight.get(key);
    if (!p) {
      p = ask(query, name, type, tcp).finally(() => inflight.delete(key));
      inflight.set(key, p);
      void p.then((e) => e && store(key, e));
    }
    const e = await p;
    return e && { ...e, fromCache: false };
  }

  return {
    forward(msg, q, tcp) {
      if (o.upstreams.length === 0) return Promise.resolve(undefined);
      const key = `${q.qname.toLowerCase()}|${q.qtype}|${q.qclass}|${q.dnssecOk ? 1 : 0}|${q.flags & 0x0010 ? 1 : 0}`;
      return resolve(key, msg, q.qname, q.qtype, tcp);
    },
    async lookup(name, type) {
      if (o.upstreams.length === 0) return undefined;
      const t = typeNumber(type);
      const key = `${name.toLowerCase()}|${t}|1|0|0`;
      const query = packet.encode({
        type: 'query',
        id: 0,
        flags: RD,
        questions: [{ type, name, class: 'IN' }],
      });
      const r = await resolve(key, query, name, t, false);
      return r && r.rcode === RCODE.NOERROR ? r.answers : undefined;
    },
    close() {
      for (const s of sockets.values()) s.close();
      sockets.clear();
      for (const p of [...pending.values()]) p.cancel();
    },
  };
}

const TYPE_NUMBERS: Record<string, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
};

/** dns-packet's type name back to its number (names it does not know come as UNKNOWN_n). */
function typeNumber(t: string): number {
  const n = TYPE_NUMBERS[t];
  if (n !== undefined) return n;
  const m = /^UNKNOWN_(\d+)$/.exec(t);
  if (m) return Number(m[1]);
  return typeCode(t);
}

function typeCode(t: string): number {
  // dns-packet encodes any name it knows; read the code back from a tiny question.
  try {
    const b = packet.encode({
      type: 'query',
      id: 0,
      flags: 0,
      questions: [{ type: t as packet.RecordType, name: 'a' }],
    });
    return b.readUInt16BE(b.length - 4);
  } catch {
    return -1;
  }
}
