// A small HTTP/2 client for the benchmarks: a few TLS sessions authenticated with the admin
// client certificate, requests multiplexed over them, and line-delimited watch streams.

import http2 from 'node:http2';
import type { Credentials } from './cluster.js';

export interface H2Response {
  status: number;
  body: string;
}

export interface RequestOptions {
  method?: string;
  body?: string;
  accept?: string;
  /** Which session carries the request (taken modulo the session count); default round-robin. */
  session?: number;
}

export interface WatchEventLine {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string }; message?: string };
}

export interface WatchHandle {
  /** Resolves when the server answered 200 (the watch is registered). */
  ready: Promise<void>;
  close(): void;
}

export interface H2Client {
  readonly sessions: number;
  request(path: string, options?: RequestOptions): Promise<H2Response>;
  watch(path: string, onEvent: (ev: WatchEventLine) => void, session?: number): WatchHandle;
  close(): Promise<void>;
}

export interface H2ClientOptions {
  port: number;
  credentials: Credentials;
  sessions: number;
}

const WINDOW = 16 * 1024 * 1024;

export async function createH2Client(options: H2ClientOptions): Promise<H2Client> {
  const authority = `https://127.0.0.1:${options.port}`;
  const open = (): Promise<http2.ClientHttp2Session> =>
    new Promise((resolve, reject) => {
      const s = http2.connect(authority, {
        ca: options.credentials.ca,
        cert: options.credentials.cert,
        key: options.credentials.key,
        servername: 'localhost',
        settings: { initialWindowSize: 4 * 1024 * 1024 },
      });
      s.once('connect', () => {
        s.setLocalWindowSize(WINDOW);
        s.removeListener('error', reject);
        // Later session errors surface on the streams that were using it.
        s.on('error', () => undefined);
        resolve(s);
      });
      s.once('error', reject);
    });
  const sessions = await Promise.all(Array.from({ length: options.sessions }, open));
  let next = 0;
  const pick = (i: number | undefined): http2.ClientHttp2Session => {
    const n = i ?? next++;
    const s = sessions[n % sessions.length];
    if (!s) throw new Error('no HTTP/2 session');
    return s;
  };

  function request(path: string, o: RequestOptions = {}): Promise<H2Response> {
    return new Promise((resolve, reject) => {
      const headers: http2.OutgoingHttpHeaders = {
        ':method': o.method ?? 'GET',
        ':path': path,
        accept: o.accept ?? 'application/json',
      };
      if (o.body !== undefined) headers['content-type'] = 'application/json';
      const stream = pick(o.session).request(headers, { endStream: o.body === undefined });
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
      stream.on('error', reject);
      if (o.body !== undefined) stream.end(o.body);
    });
  }

  function watch(
    path: string,
    onEvent: (ev: WatchEventLine) => void,
    session?: number,
  ): WatchHandle {
    const stream = pick(session).request({
      ':method': 'GET',
      ':path': path,
      accept: 'application/json',
    });
    let partial = '';
    const ready = new Promise<void>((resolve, reject) => {
      stream.on('response', (h) => {
        const status = Number(h[':status']);
        if (status === 200) resolve();
        else reject(new Error(`watch ${path}: HTTP ${status}`));
      });
      stream.on('error', reject);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) onEvent(JSON.parse(line) as WatchEventLine);
    });
    return {
      ready,
      close: () => stream.close(http2.constants.NGHTTP2_CANCEL),
    };
  }

  return {
    sessions: sessions.length,
    request,
    watch,
    async close() {
      await Promise.all(
        sessions.map(
          (s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.close(resolve))),
        ),
      );
    },
  };
}

/** Throws unless the response has the expected status. */
export function expectStatus(r: H2Response, want: number, what: string): H2Response {
  if (r.status !== want) throw new Error(`${what}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
  return r;
}
