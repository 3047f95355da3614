// A small HTTP client over node:http/https: per-endpoint TLS, redirects (credentials are
// not carried to another host), an idle timeout, and the response body as a stream.

import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { RegistryTlsConfig } from './config.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
  tls?: RegistryTlsConfig;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  url: URL;
  stream: IncomingMessage;
}

const IDLE_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

/** A network-level failure (nothing came back from the server). */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

function tlsOptions(tls: RegistryTlsConfig | undefined): https.RequestOptions {
  if (!tls) return {};
  return {
    ...(tls.ca_file ? { ca: readFileSync(tls.ca_file) } : {}),
    ...(tls.cert_file ? { cert: readFileSync(tls.cert_file) } : {}),
    ...(tls.key_file ? { key: readFileSync(tls.key_file) } : {}),
    ...(tls.insecure_skip_verify ? { rejectUnauthorized: false } : {}),
  };
}

function once(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const mod = req.url.protocol === 'https:' ? https : http;
    const r = mod.request(
      req.url,
      {
        method: req.method,
        headers: req.headers ?? {},
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.url.protocol === 'https:' ? tlsOptions(req.tls) : {}),
      },
      (res) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url: req.url, stream: res }),
    );
    r.setTimeout(IDLE_TIMEOUT_MS, () =>
      r.destroy(new Error(`no response within ${IDLE_TIMEOUT_MS / 1000}s`)),
    );
    r.on('error', (e) =>
      reject(new NetworkError(`${req.method} ${req.url.href}: ${e.message}`, { cause: e })),
    );
    const body = req.body;
    if (body === undefined) r.end();
    else if (Buffer.isBuffer(body)) r.end(body);
    else
      body()
        .on('error', (e) => r.destroy(e))
        .pipe(r);
  });
}

export async function request(req: HttpRequest): Promise<HttpResponse> {
  let cur = req;
  for (let i = 0; ; i++) {
    const res = await once(cur);
    const loc = res.headers.location;
    if (
      ![301, 302, 303, 307, 308].includes(res.status) ||
      !loc ||
      (cur.method !== 'GET' && cur.method !== 'HEAD')
    )
      return res;
    res.stream.resume();
    if (i >= MAX_REDIRECTS)
      throw new NetworkError(`${req.method} ${req.url.href}: too many redirects`);
    const next = new URL(loc, cur.url);
    const headers = { ...cur.headers };
    if (next.host !== cur.url.host) delete headers['authorization'];
    cur = { ...cur, url: next, headers };
  }
}

export async function readBody(res: HttpResponse, max = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.stream as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      res.stream.destroy();
      throw new Error(`response from ${res.url.href} is larger than ${max} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
