// The wire format around dns-packet: a quick read of a query's header, question and EDNS0
// OPT record (no full decode), and responses built with
// dns-packet around the question exactly as the client sent it (case and all), truncated
// to what the client can take.

import * as packet from 'dns-packet';
import type { DnsRecord } from './types.js';
import { RCODE } from './types.js';

const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const CD = 0x0010;
const OPT = 41;
const DO = 0x8000;
/** The most a client without EDNS0 takes over UDP (RFC 1035). */
export const MIN_UDP_SIZE = 512;
/** The most a TCP message carries (its 2-byte length). */
export const MAX_TCP_SIZE = 65535;

export interface Edns {
  udpSize: number;
  version: number;
  do: boolean;
}

export interface Query {
  id: number;
  flags: number;
  /** The name as sent, dotted, without the trailing dot ("" for the root). */
  qname: string;
  qtype: number;
  qclass: number;
  /** Where the question section ends (the OPT record, if any, follows). */
  questionEnd: number;
  edns: Edns | undefined;
  /** Whether a label holds a byte no cluster name can (a dot, a space, a control byte). */
  opaque: boolean;
}

export type ReadResult =
  | { ok: true; query: Query }
  /** Not worth an answer: too short for a header, or itself a response. */
  | { ok: false; drop: true }
  | { ok: false; drop: false; rcode: number };

/** Reads a query as CoreDNS's server accepts it (miekg/dns's default accept function). */
export function readQuery(msg: Buffer): ReadResult {
  if (msg.length < 12) return { ok: false, drop: true };
  const flags = msg.readUInt16BE(2);
  if (flags & QR) return { ok: false, drop: true };
  if (((flags >> 11) & 0xf) !== 0) return { ok: false, drop: false, rcode: RCODE.NOTIMP };
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  const ns = msg.readUInt16BE(8);
  const ar = msg.readUInt16BE(10);
  if (qd !== 1 || an !== 0 || ns > 1 || ar > 2)
    return { ok: false, drop: false, rcode: RCODE.FORMERR };
  let off = 12;
  let qname = '';
  let opaque = false;
  for (;;) {
    if (off >= msg.length) return { ok: false, drop: false, rcode: RCODE.FORMERR };
    const len = msg[off] as number;
    off++;
    if (len === 0) break;
    // A compression pointer (or a reserved label type) has no place in the only question.
    if (len & 0xc0 || off + len > msg.length || off - 12 + len > 254)
      return { ok: false, drop: false, rcode: RCODE.FORMERR };
    for (let i = off; i < off + len; i++) {
      const c = msg[i] as number;
      if (c <= 0x20 || c >= 0x7f || c === 0x2e) opaque = true;
    }
    qname += (qname ? '.' : '') + msg.toString('latin1', off, off + len);
    off += len;
  }
  if (off + 4 > msg.length) return { ok: false, drop: false, rcode: RCODE.FORMERR };
  const qtype = msg.readUInt16BE(off);
  const qclass = msg.readUInt16BE(off + 2);
  const questionEnd = off + 4;
  let edns: Edns | undefined;
  if (ar > 0 && ns === 0 && msg[questionEnd] === 0 && msg.length >= questionEnd + 11) {
    if (msg.readUInt16BE(questionEnd + 1) === OPT) {
      const rdlen = msg.readUInt16BE(questionEnd + 9);
      if (questionEnd + 11 + rdlen > msg.length)
        return { ok: false, drop: false, rcode: RCODE.FORMERR };
      edns = {
        udpSize: msg.readUInt16BE(questionEnd + 3),
        version: msg[questionEnd + 6] as number,
        do: (msg.readUInt16BE(questionEnd + 7) & DO) !== 0,
      };
    }
  }
  return {
    ok: true,
    query: { id: msg.readUInt16BE(0), flags, qname, qtype, qclass, questionEnd, edns, opaque },
  };
}

/** The largest response a client takes over UDP: its EDNS0 buffer size, never under 512. */
export const udpLimit = (q: Query): number =>
  q.edns ? Math.max(MIN_UDP_SIZE, q.edns.udpSize) : MIN_UDP_SIZE;

export function toAnswer(r: DnsRecord): packet.Answer {
  if (r.type === 'TXT') return { type: 'TXT', name: r.name, ttl: r.ttl, data: [r.data] };
  return r as packet.Answer;
}

function optRecord(edns: Edns, extendedRcode = 0): packet.Answer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize: Math.max(MIN_UDP_SIZE, edns.udpSize),
    extendedRcode,
    ednsVersion: 0,
    flags: edns.do ? DO : 0,
    flag_do: edns.do,
    options: [],
  };
}

export interface ResponseParts {
  rcode: number;
  authoritative: boolean;
  /** Other header bits to set (RA, AD of an upstream answer). */
  flags?: number;
  answers: packet.Answer[];
  authorities: packet.Answer[];
  additionals: packet.Answer[];
}

export const RA = 0x0080;
export const AD = 0x0020;

/** dns-packet's encoding with no question, and the client's question put back in. */
function assemble(
  msg: Buffer,
  q: Query,
  flags: number,
  answers: packet.Answer[],
  authorities: packet.Answer[],
  additionals: packet.Answer[],
): Buffer {
  const body = packet.encode({
    type: 'response',
    id: q.id,
    flags,
    questions: [],
    answers,
    authorities,
    additionals,
  });
  const qlen = q.questionEnd - 12;
  const out = Buffer.allocUnsafe(body.length + qlen);
  body.copy(out, 0, 0, 12);
  out.writeUInt16BE(1, 4);
  msg.copy(out, 12, 12, q.questionEnd);
  body.copy(out, 12 + qlen, 12);
  return out;
}

/**
 * A response to `q` (read from `msg`), at most `limit` bytes: records that do not fit are
 * left out, answers first kept, and TC set, as miekg/dns's Truncate does for CoreDNS.
 */
export function encodeResponse(msg: Buffer, q: Query, r: ResponseParts, limit: number): Buffer {
  const flags =
    (q.flags & (RD | CD)) |
    (r.authoritative ? AA : 0) |
    ((r.flags ?? 0) & (RA | AD)) |
    (r.rcode & 0xf);
  const { answers, authorities } = r;
  const additionals = r.additionals.filter((a) => a.type !== 'OPT');
  const opt = q.edns ? [optRecord(q.edns, r.rcode >> 4)] : [];
  const full = assemble(msg, q, flags, answers, authorities, [...additionals, ...opt]);
  if (full.length <= limit) return full;
  // Keep as many answers as fit, then authorities, then additionals (OPT always stays).
  const fit = (n: number, build: (n: number) => Buffer): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (build(mid).length <= limit) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const tflags = flags | TC;
  const na = fit(answers.length, (n) => assemble(msg, q, tflags, answers.slice(0, n), [], opt));
  if (na < answers.length) return assemble(msg, q, tflags, answers.slice(0, na), [], opt);
  const nn = fit(authorities.length, (n) =>
    assemble(msg, q, tflags, answers, authorities.slice(0, n), opt),
  );
  const nx =
    nn < authorities.length
      ? 0
      : fit(additionals.length, (n) =>
          assemble(msg, q, tflags, answers, authorities, [...additionals.slice(0, n), ...opt]),
        );
  return assemble(msg, q, tflags, answers, authorities.slice(0, nn), [
    ...additionals.slice(0, nx),
    ...opt,
  ]);
}

/** A header-only error answer (FORMERR, NOTIMP) for a query that could not be read whole. */
export function errorResponse(msg: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(msg.readUInt16BE(0), 0);
  const flags = msg.readUInt16BE(2);
  out.writeUInt16BE(QR | (flags & (0x7800 | RD)) | (rcode & 0xf), 2);
  return out;
}

/** An EDNS version this server does not speak: BADVERS (RFC 6891), with an OPT record. */
export function badVersResponse(msg: Buffer, q: Query): Buffer {
  return encodeResponse(
    msg,
    q,
    { rcode: 16, authoritative: false, answers: [], authorities: [], additionals: [] },
    MAX_TCP_SIZE,
  );
}

/** Copies a cached response for a new query: only the ID differs. */
export function withId(cached: Buffer, id: number): Buffer {
  const out = Buffer.allocUnsafe(cached.length);
  cached.copy(out);
  out.writeUInt16BE(id, 0);
  return out;
}

const TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  13: 'HINFO',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  41: 'OPT',
  43: 'DS',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  64: 'SVCB',
  65: 'HTTPS',
  251: 'IXFR',
  252: 'AXFR',
  255: 'ANY',
  257: 'CAA',
};

/** A query type's name; types CoreDNS's metrics do not list are "other". */
export const typeName = (t: number): string => TYPE_NAMES[t] ?? 'other';
