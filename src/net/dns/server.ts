// The DNS server: UDP and TCP on one address, answering from the record index and the
// forwarder. Cluster answers are encoded once and kept, keyed by the query without its ID,
// until the index changes: a repeated question costs a read of the header and question, a
// map lookup and a copy with the new ID.

import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { createServer, isIP, type Server, type Socket as TcpSocket } from 'node:net';
import type { Logger } from '../../log/index.js';
import type { Forwarder } from './forwarder.js';
import type { Answerer, DnsMetrics, Proto } from './metrics.js';
import type { RecordIndex } from './records.js';
import { RCODE, type Resolution } from './types.js';
import {
  badVersResponse,
  encodeResponse,
  errorResponse,
  MAX_TCP_SIZE,
  readQuery,
  toAnswer,
  typeName,
  udpLimit,
  withId,
  type Query,
} from './wire.js';

export interface DnsServerOptions {
  index: RecordIndex;
  forwarder: Forwarder;
  metrics: DnsMetrics;
  host: string;
  /** 53; 0 picks a free port (the same one for UDP and TCP is not guaranteed then). */
  port: number;
  logger?: Logger;
  /** How long an idle TCP connection stays open (default 10 s). */
  tcpIdleMs?: number;
  /** The most TCP connections at once (default 1000). */
  maxTcpConnections?: number;
  /** The most encoded answers kept (default 100,000; all dropped when full). */
  answerCacheSize?: number;
}

export interface DnsServer {
  listen(): Promise<{ udp: number; tcp: number }>;
  close(): Promise<void>;
}

interface Cached {
  /** The answer encoded in each rotation of its address records (made when first needed). */
  variants: (Buffer | undefined)[];
  /** The question (name and type): queries that differ in other bytes share its turn. */
  turnKey: string;
  /** What a rotation is encoded from (only when there is more than one). */
  source?: { msg: Buffer; q: Query; res: AnswerResolution; limit: number };
  rcode: number;
  qtype: number;
  dnssecOk: boolean;
}

type AnswerResolution = Extract<Resolution, { kind: 'answer' }>;

/**
 * How many orders an answer comes in: several address records (and nothing else) are
 * rotated, one step per query, so that clients taking the first spread over all of them
 * (CoreDNS's `loadbalance`, which shuffles them).
 */
function rotations(res: AnswerResolution): number {
  const a = res.answers;
  if (a.length < 2) return 1;
  const type = a[0]?.type;
  return (type === 'A' || type === 'AAAA') && a.every((r) => r.type === type) ? a.length : 1;
}

function rotated(res: AnswerResolution, k: number): AnswerResolution {
  return k === 0 ? res : { ...res, answers: [...res.answers.slice(k), ...res.answers.slice(0, k)] };
}

function sameAddress(
  address: string,
  family: number,
  callback: (err: Error | null, address: string, family: number) => void,
): void {
  callback(null, address, family);
}

/** Queries up to this size are looked up in the answer cache before they are read. */
const CACHEABLE_QUERY_SIZE = 512;

export function createDnsServer(o: DnsServerOptions): DnsServer {
  const { index, forwarder, metrics } = o;
  const answers = new Map<string, Cached>();
  /** The next rotation of each question whose answer has several addresses. */
  const turns = new Map<string, number>();
  const nextTurn = (key: string, n: number): number => {
    const k = (turns.get(key) ?? 0) % n;
    turns.set(key, k + 1);
    return k;
  };
  const answerCacheSize = o.answerCacheSize ?? 100_000;
  let generation = -1;
  let udp: Socket | undefined;
  let tcp: Server | undefined;
  const connections = new Set<TcpSocket>();

  const done = (
    proto: Proto,
    t0: number,
    out: Buffer,
    rcode: number,
    by: Answerer,
    send: (b: Buffer) => void,
  ): void => {
    send(out);
    metrics.response(proto, rcode, by, out.length, (performance.now() - t0) / 1000);
  };

  function answerFromIndex(msg: Buffer, q: Query, res: AnswerResolution, limit: number): Buffer {
    return encodeResponse(
      msg,
      q,
      {
        rcode: res.rcode,
        authoritative: res.rcode !== RCODE.REFUSED,
        answers: res.answers.map(toAnswer),
        authorities: res.authorities.map(toAnswer),
        additionals: res.additionals.map(toAnswer),
      },
      limit,
    );
  }

  async function slowPath(
    msg: Buffer,
    q: Query,
    res: Resolution,
    proto: Proto,
    limit: number,
    t0: number,
    send: (b: Buffer) => void,
  ): Promise<void> {
    if (res.kind === 'answer' && res.external) {
      const ext = res.external;
      const more = await forwarder.lookup(ext.target, ext.type);
      const out = encodeResponse(
        msg,
        q,
        {
          rcode: res.rcode,
          authoritative: true,
          answers: more
            ? [...res.answers.map(toAnswer), ...more]
            : ext.unresolved.answers.map(toAnswer),
          authorities: (more ? res.authorities : ext.unresolved.authorities).map(toAnswer),
          additionals: [],
        },
        limit,
      );
      done(proto, t0, out, res.rcode, 'kubernetes', send);
      return;
    }
    const up = await forwarder.forward(
      msg,
      {
        qname: q.qname,
        qtype: q.qtype,
        qclass: q.qclass,
        flags: q.flags,
        dnssecOk: !!q.edns?.do,
      },
      proto === 'tcp',
    );
    if (!up) {
      const out = encodeResponse(
        msg,
        q,
        {
          rcode: RCODE.SERVFAIL,
          authoritative: false,
          answers: [],
          authorities: [],
          additionals: [],
        },
        limit,
      );
      done(proto, t0, out, RCODE.SERVFAIL, 'forward', send);
      return;
    }
    const out = encodeResponse(
      msg,
      q,
      {
        rcode: up.rcode,
        authoritative: false,
        flags: up.flags,
        answers: up.answers,
        authorities: up.authorities,
        additionals: up.additionals,
      },
      limit,
    );
    done(proto, t0, out, up.rcode, up.fromCache ? 'cache' : 'forward', send);
  }

  /** Answers one message; `send` writes a response back the way the query came. */
  function handle(msg: Buffer, proto: Proto, family: 4 | 6, send: (b: Buffer) => void): void {
    const t0 = performance.now();
    if (generation !== index.generation()) {
      answers.clear();
      turns.clear();
      generation = index.generation();
    }
    // The message without its ID is the key: a message seen before (and answered from the
    // index) needs no reading at all.
    const key =
      msg.length >= 12 && msg.length <= CACHEABLE_QUERY_SIZE
        ? proto === 'udp'
          ? msg.toString('latin1', 2)
          : `t${msg.toString('latin1', 2)}`
        : undefined;
    const hit = key === undefined ? undefined : answers.get(key);
    if (hit) {
      metrics.request(proto, family, hit.qtype, msg.length, hit.dnssecOk);
      const k = hit.variants.length > 1 ? nextTurn(hit.turnKey, hit.variants.length) : 0;
      let buf = hit.variants[k];
      if (!buf && hit.source) {
        const { msg: m, q, res, limit } = hit.source;
        buf = hit.variants[k] = answerFromIndex(m, q, rotated(res, k), limit);
      }
      if (buf) {
        done(proto, t0, withId(buf, msg.readUInt16BE(0)), hit.rcode, 'kubernetes', send);
        return;
      }
    }
    const read = readQuery(msg);
    if (!read.ok) {
      if (read.drop) return;
      metrics.request(proto, family, 0, msg.length, false);
      done(proto, t0, errorResponse(msg, read.rcode), read.rcode, '', send);
      return;
    }
    const q = read.query;
    metrics.request(proto, family, q.qtype, msg.length, !!q.edns?.do);
    if (q.edns && q.edns.version > 0) {
      done(proto, t0, badVersResponse(msg, q), 16, '', send);
      return;
    }
    const limit = proto === 'udp' ? udpLimit(q) : MAX_TCP_SIZE;
    // Names with bytes no cluster name has, and classes other than IN, are never the
    // cluster's: they go upstream as they are.
    const res: Resolution =
      q.opaque || (q.qclass !== 1 && q.qclass !== 255)
        ? { kind: 'forward' }
        : index.resolve(q.qname, typeName(q.qtype));
    if (res.kind === 'answer' && !res.external) {
      const n = rotations(res);
      const turnKey = `${q.qname.toLowerCase()}|${q.qtype}`;
      const k = n > 1 ? nextTurn(turnKey, n) : 0;
      const out = answerFromIndex(msg, q, rotated(res, k), limit);
      if (key !== undefined) {
        if (answers.size >= answerCacheSize) {
          answers.clear();
          turns.clear();
        }
        const variants: (Buffer | undefined)[] = new Array<Buffer | undefined>(n).fill(undefined);
        variants[k] = out;
        answers.set(key, {
          variants,
          turnKey,
          ...(n > 1 ? { source: { msg: Buffer.from(msg), q, res, limit } } : {}),
          rcode: res.rcode,
          qtype: q.qtype,
          dnssecOk: !!q.edns?.do,
        });
      }
      done(proto, t0, withId(out, q.id), res.rcode, 'kubernetes', send);
      return;
    }
    slowPath(msg, q, res, proto, limit, t0, send).catch((e: unknown) => {
      metrics.panic();
      o.logger?.error('DNS query failed', { error: String(e), name: q.qname });
    });
  }

  const safely = (msg: Buffer, proto: Proto, family: 4 | 6, send: (b: Buffer) => void): void => {
    try {
      handle(msg, proto, family, send);
    } catch (e) {
      // A query that breaks the server is answered SERVFAIL; the server goes on.
      metrics.panic();
      o.logger?.error('DNS query failed', { error: String(e) });
      if (msg.length >= 12) send(errorResponse(msg, RCODE.SERVFAIL));
    }
  };

  function onTcpConnection(conn: TcpSocket): void {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => conn.destroy());
    conn.setNoDelay(true);
    conn.setTimeout(o.tcpIdleMs ?? 10_000, () => conn.destroy());
    const family =
      isIP(conn.remoteAddress ?? '') === 6 && !conn.remoteAddress?.startsWith('::ffff:') ? 6 : 4;
    let buf: Buffer = Buffer.alloc(0);
    const send = (b: Buffer): void => {
      if (conn.destroyed) return;
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(b.length);
      conn.write(Buffer.concat([len, b]));
    };
    conn.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        // A frame too short for a header is not DNS: the connection goes.
        if (len < 12) {
          conn.destroy();
          return;
        }
        safely(msg, 'tcp', family, send);
      }
    });
  }

  return {
    async listen() {
      const family = isIP(o.host) === 6 ? 'udp6' : 'udp4';
      const u = createSocket({
        type: family,
        recvBufferSize: 4 << 20,
        sendBufferSize: 4 << 20,
        // Answers go back to the address a query came from, always an IP: no resolver call
        // (and no deferred callback) for each send.
        lookup: sameAddress as unknown as NonNullable<SocketOptions['lookup']>,
      });
      u.on('error', (e) => o.logger?.warn('DNS UDP socket error', { error: String(e) }));
      u.on('message', (msg, rinfo) => {
        safely(msg, 'udp', rinfo.family === 'IPv6' ? 6 : 4, (b) =>
          u.send(b, rinfo.port, rinfo.address),
        );
      });
      await new Promise<void>((resolve, reject) => {
        u.once('error', reject);
        u.bind({ address: o.host, port: o.port, exclusive: true }, () => {
          u.off('error', reject);
          resolve();
        });
      });
      udp = u;
      const t = createServer(onTcpConnection);
      t.maxConnections = o.maxTcpConnections ?? 1000;
      try {
        await new Promise<void>((resolve, reject) => {
          t.once('error', reject);
          t.listen({ host: o.host, port: o.port || u.address().port, exclusive: true }, () => {
            t.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        u.close();
        udp = undefined;
        throw e;
      }
      tcp = t;
      const ta = t.address();
      return { udp: u.address().port, tcp: typeof ta === 'object' && ta ? ta.port : 0 };
    },
    async close() {
      udp?.close();
      udp = undefined;
      for (const c of connections) c.destroy();
      const t = tcp;
      tcp = undefined;
      if (t) await new Promise<void>((r) => t.close(() => r()));
    },
  };
}
