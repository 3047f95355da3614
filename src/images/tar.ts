// A streaming tar reader: ustar, GNU long names, PAX headers (path, linkpath, size, ids,
// mtime, xattrs) and base-256 numbers. Every header checksum is checked and an archive
// must end with its end-of-archive block, so truncation and garbage are refused.

import { ContentError } from './errors.js';

export type TarEntryType =
  'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo' | 'unsupported';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  /** The raw type flag, for messages. */
  flag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (fractional with PAX). */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Record<string, string>;
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's data; read it before asking for the next entry or it is skipped. */
  body: AsyncIterable<Buffer>;
}

const BLOCK = 512;
const META_MAX = 1 << 20;
/** Types that never carry data, whatever their size field says (as Go's archive/tar reads them). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

export class TarError extends ContentError {
  override name = 'TarError';
}

/** Pulls exact byte counts out of an async stream of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private ended = false;
  private readonly it: AsyncIterator<Buffer>;
  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }
  private async fill(n: number): Promise<void> {
    while (this.length < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else if (r.value.length) {
        this.chunks.push(r.value);
        this.length += r.value.length;
      }
    }
  }
  /** Exactly n bytes, or fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = all.subarray(0, Math.min(n, all.length));
    const rest = all.subarray(out.length);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
    return out;
  }
  /** Up to n bytes as chunks, without gathering them. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!this.length) await this.fill(1);
      if (!this.length) return;
      const head = this.chunks[0] as Buffer;
      if (head.length <= left) {
        this.chunks.shift();
        this.length -= head.length;
        left -= head.length;
        yield head;
      } else {
        this.chunks[0] = head.subarray(left);
        this.length -= left;
        yield head.subarray(0, left);
        left = 0;
      }
    }
  }
  async close(): Promise<void> {
    await this.it.return?.();
  }
}

function cstring(b: Buffer, start: number, len: number): string {
  const field = b.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? field.length : nul).toString('utf8');
}

function number(b: Buffer, start: number, len: number, what: string): number {
  const field = b.subarray(start, start + len);
  if ((field[0] as number) & 0x80) {
    // base-256: big-endian two's complement with the top bit as a marker
    let v = (field[0] as number) & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + (field[i] as number);
    if (!Number.isSafeInteger(v)) throw new TarError(`invalid tar header: ${what} is too large`);
    return v;
  }
  const s = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s))
    throw new TarError(`invalid tar header: ${what} "${s}" is not an octal number`);
  return parseInt(s, 8);
}

function checksumOk(b: Buffer): boolean {
  let want: number;
  try {
    want = number(b, 148, 8, 'checksum');
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : (b[i] as number);
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return want === unsigned || want === signed;
}

function typeOf(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '':
    case '7':
      return 'file';
    case '1':
      return 'link';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      return 'unsupported';
  }
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const sp = data.indexOf(0x20, pos);
    if (sp === -1) throw new TarError('malformed PAX header');
    const len = Number(data.subarray(pos, sp).toString('latin1'));
    if (!Number.isInteger(len) || len <= sp - pos || pos + len > data.length)
      throw new TarError('malformed PAX header');
    const rec = data.subarray(sp + 1, pos + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq === -1) throw new TarError('malformed PAX header');
    out.set(rec.slice(0, eq), rec.slice(eq + 1));
    pos += len;
  }
  return out;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Reads a tar stream entry by entry. */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source);
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  try {
    for (;;) {
      const block = await r.read(BLOCK);
      if (block.length === 0)
        throw new TarError('unexpected end of archive (no end-of-archive marker)');
      if (block.length < BLOCK) throw new TarError('unexpected end of archive (truncated header)');
      if (block.every((c) => c === 0)) return; // end of archive; what follows is padding
      if (!checksumOk(block)) throw new TarError('invalid tar header (checksum mismatch)');
      const flag = String.fromCharCode(block[156] as number);
      let size = number(block, 124, 12, 'size');
      const paxSize = pax.get('size');
      if (paxSize !== undefined && flag !== 'x' && flag !== 'g' && flag !== 'L' && flag !== 'K')
        size = Number(paxSize);
      if (!Number.isSafeInteger(size) || size < 0) throw new TarError('invalid tar entry size');

      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (size > META_MAX) throw new TarError('tar metadata entry is too large');
        const data = await r.read(size + padding(size));
        if (data.length < size + padding(size)) throw new TarError('unexpected end of archive');
        const body = data.subarray(0, size);
        if (flag === 'x') pax = new Map([...pax, ...parsePax(body)]);
        else if (flag === 'L') longName = cstring(body, 0, body.length);
        else if (flag === 'K') longLink = cstring(body, 0, body.length);
        // 'g' (global PAX) carries nothing Skiff needs
        continue;
      }

      const magic = block.subarray(257, 263).toString('latin1');
      let name = cstring(block, 0, 100);
      if (magic === 'ustar\0') {
        const prefix = cstring(block, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      const xattrs: Record<string, string> = {};
      for (const [k, v] of pax)
        if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice('SCHILY.xattr.'.length)] = v;
      const paxNum = (k: string, fallback: number): number => {
        const v = pax.get(k);
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!Number.isFinite(n)) throw new TarError(`malformed PAX ${k} "${v}"`);
        return n;
      };
      const header: TarHeader = {
        name: pax.get('path') ?? longName ?? name,
        type: typeOf(flag),
        flag,
        mode: number(block, 100, 8, 'mode') & 0o7777,
        uid: paxNum('uid', number(block, 108, 8, 'uid')),
        gid: paxNum('gid', number(block, 116, 8, 'gid')),
        size: HEADER_ONLY.has(flag) ? 0 : size,
        mtime: paxNum('mtime', number(block, 136, 12, 'mtime')),
        linkname: pax.get('linkpath') ?? longLink ?? cstring(block, 157, 100),
        devmajor: number(block, 329, 8, 'devmajor'),
        devminor: number(block, 337, 8, 'devminor'),
        xattrs,
      };
      pax = new Map();
      longName = undefined;
      longLink = undefined;

      let consumed = 0;
      const dataSize = header.size;
      const body = (async function* () {
        for await (const chunk of r.stream(dataSize - consumed)) {
          consumed += chunk.length;
          yield chunk;
        }
        if (consumed < dataSize)
          throw new TarError(`unexpected end of archive in "${header.name}"`);
      })();
      yield { header, body };
      // skip whatever the consumer left unread, then the padding
      while (consumed < dataSize) {
        let got = 0;
        for await (const chunk of r.stream(dataSize - consumed)) got += chunk.length;
        if (!got) throw new TarError(`unexpected end of archive in "${header.name}"`);
        consumed += got;
      }
      const pad = padding(dataSize);
      if (pad && (await r.read(pad)).length < pad) throw new TarError('unexpected end of archive');
    }
  } finally {
    await r.close();
  }
}
