// A deterministic tar writer (ustar, with PAX records for long or non-ASCII names) and a
// small reader. The writer takes entries as they are given: ordering and timestamps are
// the caller's, so the same entries always give the same bytes.

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink';

export interface TarEntry {
  /** Relative path without a leading `./` or `/`; directories without a trailing slash. */
  path: string;
  type: TarEntryType;
  /** Permission bits, including setuid/setgid/sticky (0o7777). */
  mode: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  data?: Buffer;
  /** Target of a symlink or hard link. */
  linkname?: string;
}

const BLOCK = 512;
const TYPEFLAG: Record<TarEntryType, string> = { file: '0', hardlink: '1', symlink: '2', dir: '5' };

function octal(value: number, width: number): string {
  // width includes the trailing NUL.
  const s = value.toString(8);
  if (s.length > width - 1) throw new Error(`tar: value ${value} does not fit in ${width} bytes`);
  return s.padStart(width - 1, '0') + '\0';
}

function putString(buf: Buffer, offset: number, width: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > width) throw new Error(`tar: field too long: ${JSON.stringify(value)}`);
  bytes.copy(buf, offset);
}

function isPlainAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** A value for a fixed-width ustar field when the real one lives in a PAX record. */
function asciiField(s: string, width: number): string {
  return s.replace(/[^\x20-\x7e]/g, '_').slice(0, width);
}

/** Splits a path into ustar's prefix (≤155 bytes) and name (≤100 bytes), if it can be. */
function splitUstar(path: string): { prefix: string; name: string } | undefined {
  if (!isPlainAscii(path)) return undefined;
  if (path.length <= 100) return { prefix: '', name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (prefix.length <= 155 && name.length <= 100 && name.length > 0) return { prefix, name };
    if (path.length - i - 1 > 100) break;
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  // The length counts its own digits.
  let digits = 1;
  while (String(bodyLen + digits).length !== digits) digits++;
  return `${bodyLen + digits}${body}`;
}

interface Header {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
}

function header(h: Header): Buffer {
  const buf = Buffer.alloc(BLOCK);
  putString(buf, 0, 100, h.name);
  putString(buf, 100, 8, octal(h.mode, 8));
  putString(buf, 108, 8, octal(h.uid, 8));
  putString(buf, 116, 8, octal(h.gid, 8));
  putString(buf, 124, 12, octal(h.size, 12));
  putString(buf, 136, 12, octal(h.mtime, 12));
  buf.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  putString(buf, 156, 1, h.typeflag);
  putString(buf, 157, 100, h.linkname);
  putString(buf, 257, 6, 'ustar\0');
  putString(buf, 263, 2, '00');
  putString(buf, 265, 32, h.uid === 0 ? 'root' : '');
  putString(buf, 297, 32, h.gid === 0 ? 'root' : '');
  putString(buf, 329, 8, octal(0, 8));
  putString(buf, 337, 8, octal(0, 8));
  putString(buf, 345, 155, h.prefix);
  let sum = 0;
  for (const b of buf) sum += b;
  putString(buf, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return buf;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** Serialises entries, in the order given, into a tar archive ending in two zero blocks. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const fullName = e.type === 'dir' ? `${e.path}/` : e.path;
    const linkname = e.linkname ?? '';
    const data = e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    const mtime = e.mtime ?? 0;
    const uid = e.uid ?? 0;
    const gid = e.gid ?? 0;
    const fits = splitUstar(fullName);
    let pax = '';
    if (!fits) pax += paxRecord('path', fullName);
    if (linkname.length > 100 || !isPlainAscii(linkname)) pax += paxRecord('linkpath', linkname);
    if (pax) {
      const paxData = Buffer.from(pax, 'utf8');
      const base = fullName.replace(/\/$/, '').split('/').pop() ?? 'entry';
      parts.push(
        header({
          name: asciiField(`PaxHeaders/${base}`, 100),
          prefix: '',
          mode: 0o644,
          uid: 0,
          gid: 0,
          size: paxData.length,
          mtime,
          typeflag: 'x',
          linkname: '',
        }),
        paxData,
        padding(paxData.length),
      );
    }
    // Past the PAX record, the ustar name is a best-effort (truncated) value for old readers.
    const split = fits ?? { prefix: '', name: asciiField(fullName, 100) };
    parts.push(
      header({
        name: split.name,
        prefix: split.prefix,
        mode: e.mode & 0o7777,
        uid,
        gid,
        size: data.length,
        mtime,
        typeflag: TYPEFLAG[e.type],
        linkname: asciiField(linkname, 100),
      }),
      data,
      padding(data.length),
    );
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function readString(buf: Buffer, offset: number, width: number): string {
  const field = buf.subarray(offset, offset + width);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? width : nul).toString('utf8');
}

function readOctal(buf: Buffer, offset: number, width: number): number {
  const s = readString(buf, offset, width).trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space === -1) break;
    const len = parseInt(data.subarray(i, space).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) throw new Error('tar: malformed PAX record');
    const record = data.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

/**
 * Parses a tar archive (ustar, PAX and GNU long names). Throws on a bad checksum or a
 * truncated archive. Paths are returned without a leading `./` and without trailing slashes.
 */
export function readTar(buf: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pending = new Map<string, string>();
  let ended = false;
  while (offset + BLOCK <= buf.length) {
    const h = buf.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) {
      ended = true;
      break;
    }
    const stored = readOctal(h, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
    if (sum !== stored) throw new Error(`tar: bad header checksum at offset ${offset}`);
    const size = readOctal(h, 124, 12);
    const typeflag = String.fromCharCode(h[156] ?? 0);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > buf.length) throw new Error('tar: archive is truncated');
    const data = buf.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'x') {
      pending = parsePax(data);
      continue;
    }
    if (typeflag === 'g') continue;
    if (typeflag === 'L' || typeflag === 'K') {
      pending.set(typeflag === 'L' ? 'path' : 'linkpath', readString(data, 0, data.length));
      continue;
    }
    const prefix = readString(h, 345, 155);
    const name = readString(h, 0, 100);
    let path = pending.get('path') ?? (prefix ? `${prefix}/${name}` : name);
    const linkname = pending.get('linkpath') ?? readString(h, 157, 100);
    pending = new Map();
    path = path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    const type: TarEntryType | undefined =
      typeflag === '0' || typeflag === '\0' || typeflag === '7'
        ? 'file'
        : typeflag === '5'
          ? 'dir'
          : typeflag === '2'
            ? 'symlink'
            : typeflag === '1'
              ? 'hardlink'
              : undefined;
    if (!type)
      throw new Error(`tar: unsupported entry type ${JSON.stringify(typeflag)} for ${path}`);
    const entry: TarEntry = {
      path,
      type,
      mode: readOctal(h, 100, 8),
      uid: readOctal(h, 108, 8),
      gid: readOctal(h, 116, 8),
      mtime: readOctal(h, 136, 12),
    };
    if (type === 'file') entry.data = Buffer.from(data);
    if (type === 'symlink' || type === 'hardlink') entry.linkname = linkname;
    entries.push(entry);
  }
  if (!ended) throw new Error('tar: archive is truncated (no end-of-archive blocks)');
  return entries;
}
