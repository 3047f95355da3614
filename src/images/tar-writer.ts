// Writes tar archives (ustar with PAX headers for long names and xattrs). Used to hand
// overlay whiteouts to GNU tar, to build test images, and by anyone making image archives.
// Names are written as given: nothing is cleaned, so tests can build hostile archives too.

export interface TarWriteEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';
  data?: Buffer | string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, string>;
}

const FLAGS = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
} as const;

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, '0') + '\0';
}

function header(fields: {
  name: string;
  flag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}): Buffer {
  const b = Buffer.alloc(512);
  b.write(fields.name, 0, 100, 'utf8');
  b.write(octal(fields.mode, 8), 100, 'latin1');
  b.write(octal(fields.uid, 8), 108, 'latin1');
  b.write(octal(fields.gid, 8), 116, 'latin1');
  b.write(octal(fields.size, 12), 124, 'latin1');
  b.write(octal(Math.floor(fields.mtime), 12), 136, 'latin1');
  b.fill(0x20, 148, 156);
  b.write(fields.flag, 156, 'latin1');
  b.write(fields.linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  b.write(octal(fields.devmajor, 8), 329, 'latin1');
  b.write(octal(fields.devminor, 8), 337, 'latin1');
  let sum = 0;
  for (const c of b) sum += c;
  b.write(octal(sum, 7) + ' ', 148, 'latin1');
  return b;
}

function pad(n: number): Buffer {
  return Buffer.alloc((512 - (n % 512)) % 512);
}

function paxRecord(key: string, value: string): string {
  const rest = Buffer.byteLength(` ${key}=${value}\n`);
  let len = rest + 1;
  while (len !== rest + String(len).length) len = rest + String(len).length;
  return `${len} ${key}=${value}\n`;
}

/** One entry's blocks (PAX header first when needed). */
export function tarEntry(e: TarWriteEntry): Buffer {
  const type = e.type ?? 'file';
  const data = type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
  const linkname = e.linkname ?? '';
  const parts: Buffer[] = [];
  const pax: string[] = [];
  if (Buffer.byteLength(e.name) > 100) pax.push(paxRecord('path', e.name));
  if (Buffer.byteLength(linkname) > 100) pax.push(paxRecord('linkpath', linkname));
  if (e.mtime !== undefined && !Number.isInteger(e.mtime))
    pax.push(paxRecord('mtime', String(e.mtime)));
  for (const [k, v] of Object.entries(e.xattrs ?? {})) pax.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const base = {
    mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    mtime: e.mtime ?? 0,
    devmajor: e.devmajor ?? 0,
    devminor: e.devminor ?? 0,
  };
  if (pax.length) {
    const body = Buffer.from(pax.join(''));
    parts.push(
      header({ ...base, name: 'PaxHeader', flag: 'x', size: body.length, linkname: '' }),
      body,
      pad(body.length),
    );
  }
  parts.push(
    header({
      ...base,
      name: Buffer.byteLength(e.name) > 100 ? e.name.slice(0, 99) : e.name,
      flag: FLAGS[type],
      size: data.length,
      linkname: Buffer.byteLength(linkname) > 100 ? linkname.slice(0, 99) : linkname,
    }),
    data,
    pad(data.length),
  );
  return Buffer.concat(parts);
}

/** A whole archive, with its end-of-archive blocks. */
export function tarBuffer(entries: TarWriteEntry[]): Buffer {
  return Buffer.concat([...entries.map(tarEntry), Buffer.alloc(1024)]);
}
