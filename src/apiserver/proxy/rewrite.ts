// Link rewriting, as apimachinery's proxy Transport does it for pods/services/nodes proxy: a
// `Location` header, and the URL-valued attributes of a text/html page, that point at the
// backend itself (or at the API server's own host) are turned into paths under the proxy
// prefix, so a browser following them stays behind the API server.

import { posix } from 'node:path';
import { deflateRawSync, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';

/** What a rewrite needs to know about the exchange. */
export interface RewriteContext {
  /** The request's path up to the backend path, e.g. `/api/v1/namespaces/ns/pods/web/proxy`. */
  prefix: string;
  /** host:port the backend was reached at. */
  backendHost: string;
  /** The Host the client sent to the API server. */
  requestHost: string;
}

interface ParsedUrl {
  scheme: string;
  host: string;
  /** Whether `//host` was present. */
  authority: boolean;
  path: string;
  rest: string; // ?query#fragment
  opaque: boolean;
}

function parseUrl(s: string): ParsedUrl {
  const out: ParsedUrl = {
    scheme: '',
    host: '',
    authority: false,
    path: '',
    rest: '',
    opaque: false,
  };
  let r = s;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(r);
  if (scheme?.[1]) {
    out.scheme = scheme[1];
    r = r.slice(scheme[0].length);
    if (!r.startsWith('/')) out.opaque = true;
  }
  if (r.startsWith('//')) {
    out.authority = true;
    const end = r.slice(2).search(/[/?#]/);
    out.host = end < 0 ? r.slice(2) : r.slice(2, 2 + end);
    r = end < 0 ? '' : r.slice(2 + end);
  }
  const q = r.search(/[?#]/);
  out.path = q < 0 ? r : r.slice(0, q);
  out.rest = q < 0 ? '' : r.slice(q);
  return out;
}

/** One URL, rewritten when it refers to the backend (or the API server) by absolute path. */
export function rewriteUrl(url: string, c: RewriteContext): string {
  const u = parseUrl(url);
  if (u.opaque) return url;
  const differentHost = u.host !== '' && u.host !== c.backendHost && u.host !== c.requestHost;
  if (differentHost || !u.path.startsWith('/')) return url;
  // The API server reached by its own host keeps scheme and host; anything else becomes a
  // path on the API server (kube's Transport has no scheme or host of its own).
  const keepAuthority = u.authority && u.host === c.requestHost;
  const head = keepAuthority ? `${u.scheme ? `${u.scheme}:` : ''}//${u.host}` : '';
  if (u.path.startsWith(c.prefix)) return head + u.path + u.rest;
  let path = posix.join(c.prefix, u.path);
  if (u.path.endsWith('/') && !path.endsWith('/')) path += '/';
  return head + path + u.rest;
}

/** Which attributes of which elements hold URLs (kube's atomsToAttrs). */
const URL_ATTRIBUTES: Record<string, string[]> = {
  a: ['href'],
  applet: ['codebase'],
  area: ['href'],
  audio: ['src'],
  base: ['href'],
  blockquote: ['cite'],
  body: ['background'],
  button: ['formaction'],
  command: ['icon'],
  del: ['cite'],
  embed: ['src'],
  form: ['action'],
  frame: ['longdesc', 'src'],
  head: ['profile'],
  html: ['manifest'],
  iframe: ['longdesc', 'src'],
  img: ['longdesc', 'src', 'usemap'],
  input: ['src', 'usemap', 'formaction'],
  ins: ['cite'],
  link: ['href'],
  object: ['classid', 'codebase', 'data', 'usemap'],
  q: ['cite'],
  script: ['src'],
  source: ['src'],
  video: ['poster', 'src'],
};

/** Elements whose content is raw text, not markup. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed']);

const ATTRIBUTE = /([^\s"'<>/=]+)(\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

const unescapeHtml = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function rewriteTag(tag: string, name: string, c: RewriteContext): string {
  const wanted = URL_ATTRIBUTES[name];
  if (!wanted) return tag;
  const nameEnd = 1 + name.length;
  const attrs = tag.slice(nameEnd).replace(ATTRIBUTE, (whole, key: string, _eq, dq, sq, bare) => {
    const value = (dq ?? sq ?? bare) as string | undefined;
    if (value === undefined || !wanted.includes(key.toLowerCase())) return whole;
    return `${key}="${escapeHtml(rewriteUrl(unescapeHtml(value), c))}"`;
  });
  return tag.slice(0, nameEnd) + attrs;
}

/** A page with its links rewritten; everything but the rewritten attributes is kept as sent. */
export function rewriteHtml(html: string, c: RewriteContext): string {
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    out += html.slice(i, lt);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      const stop = end < 0 ? html.length : end + 3;
      out += html.slice(lt, stop);
      i = stop;
      continue;
    }
    const m = /^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(html.slice(lt, lt + 64));
    if (!m?.[1]) {
      out += '<';
      i = lt + 1;
      continue;
    }
    const name = m[1].toLowerCase();
    const gt = findTagEnd(html, lt);
    const tag = html.slice(lt, gt);
    out += rewriteTag(tag, name, c);
    i = gt;
    if (RAW_TEXT.has(name)) {
      const close = html.toLowerCase().indexOf(`</${name}`, i);
      const stop = close < 0 ? html.length : close;
      out += html.slice(i, stop);
      i = stop;
    }
  }
  return out + html.slice(i);
}

/** The index just past a start tag's `>` (quotes respected), or the end of the text. */
function findTagEnd(html: string, from: number): number {
  let quote = '';
  for (let j = from + 1; j < html.length; j++) {
    const ch = html[j];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      // Quotes only open a value right after `=`.
      if (/=\s*$/.test(html.slice(Math.max(from, j - 8), j))) quote = ch;
    } else if (ch === '>') return j + 1;
  }
  return html.length;
}

/**
 * An HTML body rewritten under its Content-Encoding (gzip and deflate understood); undefined
 * for an encoding the proxy cannot read, which is then passed through untouched.
 */
export function rewriteHtmlBody(
  body: Buffer,
  encoding: string | undefined,
  c: RewriteContext,
): Buffer | undefined {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '') return Buffer.from(rewriteHtml(body.toString('utf8'), c));
  if (enc === 'gzip')
    return gzipSync(Buffer.from(rewriteHtml(gunzipSync(body).toString('utf8'), c)));
  if (enc === 'deflate')
    return deflateRawSync(Buffer.from(rewriteHtml(inflateRawSync(body).toString('utf8'), c)));
  return undefined;
}
