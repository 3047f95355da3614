// How the client reaches an API server: over HTTPS (HTTP/2), or in-process by calling the
// server's handler directly. Both speak the same requests and responses, so a component
// behaves the same in one process and across machines.

import http2 from 'node:http2';

export interface TransportRequest {
  method: string;
  /** Path with query, e.g. `/api/v1/namespaces/default/pods?limit=500`. */
  path: string;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Transport {
  request(r: TransportRequest): Promise<TransportResponse>;
  /** A streamed response (watch): yields body chunks until the server or the signal ends it. */
  stream(
    r: TransportRequest,
  ): Promise<{ status: number; headers: Record<string, string>; chunks: AsyncIterable<Buffer> }>;
  close(): void;
}

export interface HttpsTransportOptions {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  insecure?: boolean;
  /** TLS server name when the URL's host is an IP not in the certificate. */
  servername?: string;
  userAgent?: string;
}

/** One multiplexed HTTP/2 session, re-opened when it closes. */
export function createHttpsTransport(o: HttpsTransportOptions): Transport {
  let session: http2.ClientHttp2Session | undefined;
  let open = 0;
  const connect = (): http2.ClientHttp2Session => {
    if (session && !session.closed && !session.destroyed) return session;
    const s = http2.connect(o.server, {
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.cert ? { cert: o.cert } : {}),
      ...(o.key ? { key: o.key } : {}),
      rejectUnauthorized: !o.insecure,
      ...(o.servername ? { servername: o.servername } : {}),
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (session === s) session = undefined;
    });
    s.unref();
    session = s;
    return s;
  };
  const openStream = (r: TransportRequest): http2.ClientHttp2Stream => {
    const headers: http2.OutgoingHttpHeaders = {
      ':method': r.method,
      ':path': r.path,
      accept: r.accept ?? 'application/json',
      'user-agent': o.userAgent ?? 'skiff',
    };
    if (o.token) headers['authorization'] = `Bearer ${o.token}`;
    if (r.contentType) headers['content-type'] = r.contentType;
    const s = connect();
    // The session keeps the process alive while any request on it is open.
    open++;
    s.ref();
    // Node ends GET/HEAD/DELETE streams at once unless told otherwise; DELETE may carry options.
    const stream = s.request(headers, {
      endStream: r.body === undefined,
      ...(r.signal ? { signal: r.signal } : {}),
    });
    stream.on('close', () => {
      open--;
      if (open === 0 && !s.destroyed) s.unref();
    });
    if (r.body !== undefined) stream.end(r.body);
    return stream;
  };
  const responseHeaders = (
    stream: http2.ClientHttp2Stream,
  ): Promise<{ status: number; headers: Record<string, string> }> =>
    new Promise((resolve, reject) => {
      stream.once('response', (h) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(h))
          if (!k.startsWith(':') && v !== undefined) headers[k] = String(v);
        resolve({ status: Number(h[':status'] ?? 0), headers });
      });
      stream.once('error', reject);
    });
  return {
    async request(r) {
      const stream = openStream(r);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      const head = await responseHeaders(stream);
      await new Promise<void>((resolve, reject) => {
        stream.once('end', resolve);
        stream.once('error', reject);
      });
      return { ...head, body: Buffer.concat(chunks) };
    },
    async stream(r) {
      const stream = openStream(r);
      const head = await responseHeaders(stream);
      return { ...head, chunks: stream as AsyncIterable<Buffer> };
    },
    close() {
      session?.close();
      session = undefined;
    },
  };
}

/** The API server's transport-free handler, as the in-process transport calls it. */
export type InProcessHandler = (req: {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  signal: AbortSignal;
}) => Promise<{
  status: number;
  /** A header sent more than once (Set-Cookie) is a list. */
  headers: Record<string, string | string[]>;
  body?: Buffer | string;
  stream?: AsyncIterable<string | Buffer>;
}>;

/** Headers as one line each, a list joined as HTTP folds it. */
function foldHeaders(h: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * Calls the handler directly. `identity` is set on every request as the authenticated
 * caller (the handler's adapter turns it into credentials).
 */
export function createInProcessTransport(handler: InProcessHandler): Transport {
  const call = async (r: TransportRequest) => {
    const ac = new AbortController();
    if (r.signal) {
      if (r.signal.aborted) ac.abort();
      else r.signal.addEventListener('abort', () => ac.abort(), { once: true });
    }
    const headers: Record<string, string> = {
      accept: r.accept ?? 'application/json',
      'user-agent': 'skiff',
    };
    if (r.contentType) headers['content-type'] = r.contentType;
    const res = await handler({
      method: r.method,
      url: new URL(r.path, 'https://in-process'),
      headers,
      body:
        r.body === undefined
          ? Buffer.alloc(0)
          : Buffer.isBuffer(r.body)
            ? r.body
            : Buffer.from(r.body),
      signal: ac.signal,
    });
    return { res, ac };
  };
  return {
    async request(r) {
      const { res } = await call(r);
      let body: Buffer;
      if (res.stream) {
        const parts: Buffer[] = [];
        for await (const c of res.stream) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
        body = Buffer.concat(parts);
      } else
        body =
          res.body === undefined
            ? Buffer.alloc(0)
            : Buffer.isBuffer(res.body)
              ? res.body
              : Buffer.from(res.body);
      return { status: res.status, headers: foldHeaders(res.headers), body };
    },
    async stream(r) {
      const { res } = await call(r);
      async function* chunks(): AsyncGenerator<Buffer> {
        if (res.stream)
          for await (const c of res.stream) yield Buffer.isBuffer(c) ? c : Buffer.from(c);
        else if (res.body !== undefined)
          yield Buffer.isBuffer(res.body) ? res.body : Buffer.from(res.body);
      }
      return { status: res.status, headers: foldHeaders(res.headers), chunks: chunks() };
    },
    close() {},
  };
}
