// A minimal DER writer and reader: just what X.509 certificates for Skiff need.
// Tags are single-byte (all X.509 structures we touch use low tag numbers).

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  t61String: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export const seq = (...items: Uint8Array[]): Buffer => tlv(TAG.sequence, Buffer.concat(items));
export const set = (...items: Uint8Array[]): Buffer => tlv(TAG.set, Buffer.concat(items));
export const bool = (value: boolean): Buffer => tlv(TAG.boolean, Buffer.from([value ? 0xff : 0]));
export const octets = (value: Uint8Array): Buffer => tlv(TAG.octetString, value);
export const utf8 = (value: string): Buffer => tlv(TAG.utf8String, Buffer.from(value, 'utf8'));
export const ia5 = (value: string): Buffer => tlv(TAG.ia5String, Buffer.from(value, 'ascii'));
export const nullValue = (): Buffer => tlv(TAG.null, Buffer.alloc(0));

/** A non-negative INTEGER from big-endian magnitude bytes. */
export function uint(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const needsPad = (trimmed[0] ?? 0) & 0x80;
  return tlv(TAG.integer, needsPad ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export const smallInt = (value: number): Buffer => uint(Buffer.from([value]));

export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const out: number[] = [first * 40 + second];
  for (const part of rest) {
    const group: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128))
      group.unshift(0x80 | (n & 0x7f));
    out.push(...group);
  }
  return tlv(TAG.oid, Buffer.from(out));
}

/** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050. Seconds precision. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '') + 'Z';
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(TAG.utcTime, Buffer.from(digits.slice(2), 'ascii'));
  return tlv(TAG.generalizedTime, Buffer.from(digits, 'ascii'));
}

/** Context-specific tag: constructed (EXPLICIT wrapper) or primitive (IMPLICIT value). */
export function context(tagNumber: number, content: Uint8Array, constructed: boolean): Buffer {
  return tlv((constructed ? 0xa0 : 0x80) | tagNumber, content);
}

// ---- reader ----

export interface Node {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

export function read(buf: Uint8Array, offset = 0): Node {
  const tag = buf[offset];
  let lengthByte = buf[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('truncated DER value');
  let pos = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = buf[pos++];
      if (lengthByte === undefined) throw new Error('truncated DER length');
      length = length * 256 + lengthByte;
    }
  }
  const end = pos + length;
  if (end > buf.length) throw new Error('DER value runs past the end of its buffer');
  return { tag, start: offset, contentStart: pos, end };
}

export function children(buf: Uint8Array, node: Node): Node[] {
  const out: Node[] = [];
  for (let pos = node.contentStart; pos < node.end;) {
    const child = read(buf, pos);
    out.push(child);
    pos = child.end;
  }
  return out;
}

export const content = (buf: Uint8Array, node: Node): Buffer =>
  Buffer.from(buf.subarray(node.contentStart, node.end));
export const whole = (buf: Uint8Array, node: Node): Buffer =>
  Buffer.from(buf.subarray(node.start, node.end));

export function decodeOid(bytes: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const [head = 0, ...rest] = arcs;
  const first = Math.min(2, Math.floor(head / 40));
  return [first, head - first * 40, ...rest].join('.');
}

/** Decodes the string types that appear in X.509 names. */
export function decodeString(buf: Uint8Array, node: Node): string {
  const bytes = content(buf, node);
  switch (node.tag) {
    case TAG.bmpString:
      return bytes.swap16().toString('utf16le');
    case TAG.t61String:
      return bytes.toString('latin1');
    default:
      return bytes.toString('utf8');
  }
}
