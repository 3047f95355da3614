// The node's log directory under /logs/, as the kubelet serves it: http.StripPrefix("/logs/",
// http.FileServer(http.Dir("/var/log"))). Go's file server in its own words: a directory as an
// HTML listing (or its index.html), a file with its type, Last-Modified and byte ranges, the
// canonical-path redirects, 404/403/500 texts. Symbolic links are followed, as http.Dir does.
// `?query=` (NodeLogQuery) is off by default in 1.27–1.33 (a beta gate off by default plus
// enableSystemLogQuery false): the query is ignored and the path served as a file.

import { open, readdir, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { cleanRootedPath, escapePath } from './mux.js';
import { htmlEscape, httpError } from './reply.js';

const PREFIX = '/logs/';
/** Go's sniffLen: how much of a file DetectContentType looks at. */
const SNIFF_LEN = 512;
/** Go buffers this much of a response before it falls back to chunked encoding. */
const CHUNKING_BUFFER = 2048;

/** mime's built-in table (Go 1.24), before any system mime.types. */
const BUILTIN_TYPES: Record<string, string> = {
  '.avif': 'image/avif',
  '.css': 'text/css; charset=utf-8',
  '.gif': 'image/gif',
  '.htm': 'text/html; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.mjs': 'text/javascript; charset=utf-8',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.webp': 'image/webp',
  '.xml': 'text/xml; charset=utf-8',
};

export interface LogRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The cleaned, unescaped request path (`/logs/...`). */
  path: string;
  rawQuery: string;
}

/** Serves one GET under /logs from `dir`. */
export async function serveLogFiles(r: LogRequest, dir: string): Promise<void> {
  // StripPrefix: `/logs` itself has no `/logs/` to strip.
  if (!r.path.startsWith(PREFIX)) return httpError(r.res, 404, '404 page not found');
  const url = '/' + r.path.slice(PREFIX.length);
  const redirect = (to: string): void => {
    r.res.writeHead(301, { Location: to + (r.rawQuery ? `?${r.rawQuery}` : '') });
    r.res.end();
  };
  if (url.endsWith('/index.html')) return redirect('./');
  const name = cleanRootedPath(url);

  let file: Opened;
  try {
    file = await openIn(dir, name);
  } catch (e) {
    return goFileError(r.res, e, true);
  }
  try {
    if (file.dir && !url.endsWith('/')) return redirect(posix.basename(url) + '/');
    if (!file.dir && url.endsWith('/')) {
      const base = posix.basename(url);
      return redirect('../' + (base === '/' || base === '.' ? '' : base));
    }
    if (file.dir) {
      const index = await openIn(dir, name.replace(/\/$/, '') + '/index.html').catch(
        () => undefined,
      );
      if (index && !index.dir) {
        await file.handle.close();
        file = index;
      } else await index?.handle.close();
    }
    if (file.dir) return await listDirectory(r, dir, name, file.mtime);
    await serveContent(r, file, posix.basename(name));
  } catch (e) {
    if (r.res.headersSent) r.res.destroy();
    else goFileError(r.res, e, false);
  } finally {
    await file.handle.close().catch(() => {});
  }
}

interface Opened {
  handle: FileHandle;
  dir: boolean;
  size: number;
  mtime: Date;
}

/** http.Dir's Open and the file's Stat: links followed, the path never above `dir`. */
async function openIn(dir: string, name: string): Promise<Opened> {
  const rel = cleanRootedPath('/' + name).slice(1) || '.';
  if (rel.includes('\0')) throw Object.assign(new Error('invalid path'), { code: 'EINVAL' });
  const handle = await open(posix.join(dir, rel), 'r');
  try {
    const st = await handle.stat();
    return { handle, dir: st.isDirectory(), size: st.size, mtime: st.mtime };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** toHTTPError; http.Dir maps "a path component is a file" to not-exist as well. */
function goFileError(res: ServerResponse, e: unknown, opening: boolean): void {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || (opening && code === 'ENOTDIR'))
    return httpError(res, 404, '404 page not found');
  if (code === 'EACCES' || code === 'EPERM') return httpError(res, 403, '403 Forbidden');
  httpError(res, 500, '500 Internal Server Error');
}

/** Last-Modified as Go writes it: in UTC, to the second; the Unix epoch counts as unknown. */
const lastModified = (t: Date): string | undefined =>
  t.getTime() === 0 ? undefined : t.toUTCString();

/** If-Modified-Since against the time truncated to the second. */
function notModifiedSince(req: IncomingMessage, mtime: Date): boolean {
  const ims = req.headers['if-modified-since'];
  if (!ims || mtime.getTime() === 0) return false;
  const t = Date.parse(ims);
  if (Number.isNaN(t)) return false;
  return Math.floor(mtime.getTime() / 1000) * 1000 <= t;
}

/** dirList: the entries sorted by name (bytes), directories with a slash, as links. */
async function listDirectory(r: LogRequest, dir: string, name: string, mtime: Date) {
  const rel = name.slice(1) || '.';
  let entries;
  try {
    entries = await readdir(posix.join(dir, rel), { withFileTypes: true });
  } catch {
    return httpError(r.res, 500, 'Error reading directory');
  }
  if (notModifiedSince(r.req, mtime)) {
    r.res.writeHead(304, headersOf({ 'Last-Modified': lastModified(mtime) }));
    return void r.res.end();
  }
  const names = entries
    .map((e) => (e.isDirectory() ? e.name + '/' : e.name))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let body = '<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n';
  for (const n of names) {
    // url.URL{Path: n}.String(): escaped, and `./` before a first segment with a colon.
    const href = (n.split('/')[0]?.includes(':') ? './' : '') + escapePath(n);
    body += `<a href="${href}">${htmlEscape(n)}</a>\n`;
  }
  body += '</pre>\n';
  const bytes = Buffer.from(body);
  r.res.writeHead(
    200,
    headersOf({
      'Content-Type': 'text/html; charset=utf-8',
      'Last-Modified': lastModified(mtime),
      ...(bytes.length <= CHUNKING_BUFFER ? { 'Content-Length': String(bytes.length) } : {}),
    }),
  );
  r.res.end(bytes);
}

const headersOf = (h: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined));

/** serveContent: preconditions, type by extension or by sniffing, one byte range. */
async function serveContent(r: LogRequest, f: Opened, base: string): Promise<void> {
  const { req, res } = r;
  const modified = lastModified(f.mtime);
  if (notModifiedSince(req, f.mtime)) {
    res.writeHead(304, headersOf({ 'Last-Modified': modified }));
    return void res.end();
  }
  let type = BUILTIN_TYPES[posix.extname(base).toLowerCase()];
  if (!type) {
    const head = Buffer.alloc(Math.min(SNIFF_LEN, f.size));
    const { bytesRead } = await f.handle.read(head, 0, head.length, 0);
    type = detectContentType(head.subarray(0, bytesRead));
  }
  let start = 0;
  let length = f.size;
  let status = 200;
  const extra: Record<string, string> = {};
  const range = parseRange(req.headers.range, f.size);
  if (range === 'unsatisfiable' && f.size > 0) {
    res.setHeader('Content-Range', `bytes */${f.size}`);
    return httpError(res, 416, 'invalid range: failed to overlap');
  }
  if (range === 'invalid') return httpError(res, 416, 'invalid range');
  if (typeof range === 'object') {
    ({ start, length } = range);
    status = 206;
    extra['Content-Range'] = `bytes ${start}-${start + length - 1}/${f.size}`;
  }
  res.writeHead(
    status,
    headersOf({
      'Accept-Ranges': 'bytes',
      'Content-Length': String(length),
      'Content-Type': type,
      'Last-Modified': modified,
      ...extra,
    }),
  );
  if (length === 0) return void res.end();
  const stream = f.handle.createReadStream({ start, end: start + length - 1, autoClose: false });
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res);
  });
}

/**
 * One `bytes=` range of the file, undefined for none (or several: those are served whole
 * here, where Go sends multipart/byteranges).
 */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; length: number } | 'invalid' | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  if (!header.startsWith('bytes=')) return 'invalid';
  const specs = header
    .slice(6)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (specs.length !== 1) return undefined;
  const m = /^(\d*)\s*-\s*(\d*)$/.exec(specs[0] ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  if (m[1] === '') {
    // The last n bytes.
    const length = Math.min(Number(m[2]), size);
    return { start: size - length, length };
  }
  const start = Number(m[1]);
  if (start >= size) return 'unsatisfiable';
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (end < start) return 'invalid';
  return { start, length: end - start + 1 };
}

const HTML_TAGS = [
  '<!DOCTYPE HTML',
  '<HTML',
  '<HEAD',
  '<SCRIPT',
  '<IFRAME',
  '<H1',
  '<DIV',
  '<FONT',
  '<TABLE',
  '<A',
  '<STYLE',
  '<TITLE',
  '<B',
  '<BODY',
  '<BR',
  '<P',
  '<!--',
];

/** DetectContentType for what a log directory holds: markup, archives, text or binary. */
export function detectContentType(data: Buffer): string {
  const starts = (sig: number[]): boolean => sig.every((b, i) => data[i] === b);
  if (starts([0x1f, 0x8b, 0x08])) return 'application/x-gzip';
  if (starts([0x50, 0x4b, 0x03, 0x04])) return 'application/zip';
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xfe, 0xff]) || starts([0xff, 0xfe]))
    return 'text/plain; charset=utf-16' + (data[0] === 0xfe ? 'be' : 'le');
  if (starts([0xef, 0xbb, 0xbf])) return 'text/plain; charset=utf-8';
  let i = 0;
  while (i < data.length && [0x09, 0x0a, 0x0c, 0x0d, 0x20].includes(data[i] ?? 0)) i++;
  const rest = data.subarray(i).toString('latin1');
  for (const tag of HTML_TAGS) {
    if (rest.length <= tag.length || rest.slice(0, tag.length).toUpperCase() !== tag) continue;
    const next = rest[tag.length];
    if (next === ' ' || next === '>') return 'text/html; charset=utf-8';
  }
  if (rest.startsWith('<?xml')) return 'text/xml; charset=utf-8';
  for (const b of data.subarray(i))
    if (b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f))
      return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}
