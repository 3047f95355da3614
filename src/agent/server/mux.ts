// Request paths as Go's net/http reads and routes them before the kubelet's handlers see
// them: the request-target parsed and unescaped (400 when it cannot be), the path cleaned
// (301 to the clean path), then matched against exact and subtree patterns; a path nothing
// matches is Go's `404 page not found`, answered before any authentication.

/** Go's path.Clean for a rooted path. */
export function cleanRootedPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/** ServeMux's cleanPath: rooted, cleaned, and a trailing slash kept. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  if (!p.startsWith('/')) p = '/' + p;
  let np = cleanRootedPath(p);
  if (p.endsWith('/') && np !== '/') np += '/';
  return np;
}

/** Go's url.PathEscape for a whole path (`/` kept), as a redirect's Location carries it. */
export function escapePath(p: string): string {
  let out = '';
  for (const b of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c)) out += c;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export interface RequestTarget {
  /** The unescaped path. */
  path: string;
  rawQuery: string;
}

/** The request-target as Go's server parses it, or undefined when Go answers 400. */
export function parseTarget(raw: string): RequestTarget | undefined {
  if (!raw.startsWith('/')) return undefined;
  const q = raw.indexOf('?');
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const rawQuery = q < 0 ? '' : raw.slice(q + 1);
  if (/%(?![0-9A-Fa-f]{2})/.test(rawPath)) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // Go unescapes to bytes, whatever they are; invalid UTF-8 stays as Latin-1 here.
    path = unescape(rawPath);
  }
  return { path, rawQuery };
}

/** Query parameters as Go's url.ParseQuery keeps them (pairs with `;` are dropped). */
export function parseQuery(rawQuery: string): URLSearchParams {
  const q = new URLSearchParams();
  for (const pair of rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const [k, v] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    const key = unescapeQuery(k);
    const value = unescapeQuery(v);
    if (key === undefined || value === undefined) continue;
    q.append(key, value);
  }
  return q;
}

function unescapeQuery(s: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return unescape(plus);
  }
}

export type MuxResult<H> =
  | { kind: 'handler'; handler: H; pattern: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'notFound' };

/**
 * A ServeMux: patterns ending in `/` match their subtree, others only themselves; the longest
 * wins. A subtree root asked for without its slash redirects to it.
 */
export class Mux<H> {
  private readonly exact = new Map<string, H>();
  private readonly subtrees: [string, H][] = [];

  handle(pattern: string, handler: H): this {
    if (pattern.endsWith('/')) {
      this.subtrees.push([pattern, handler]);
      this.subtrees.sort((a, b) => b[0].length - a[0].length);
    } else this.exact.set(pattern, handler);
    return this;
  }

  match(t: RequestTarget): MuxResult<H> {
    const path = cleanPath(t.path);
    const query = t.rawQuery ? `?${t.rawQuery}` : '';
    const found = this.find(path);
    if (!found && !path.endsWith('/') && this.subtrees.some(([p]) => p === path + '/'))
      return { kind: 'redirect', location: escapePath(path + '/') + query };
    if (path !== t.path) return { kind: 'redirect', location: escapePath(path) + query };
    if (!found) return { kind: 'notFound' };
    return { kind: 'handler', handler: found[1], pattern: found[0] };
  }

  private find(path: string): [string, H] | undefined {
    const h = this.exact.get(path);
    if (h !== undefined) return [path, h];
    return this.subtrees.find(([p]) => path.startsWith(p));
  }
}
