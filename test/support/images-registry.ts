// A small OCI distribution registry for tests, on 127.0.0.1: /v2/, manifests by tag and
// digest, blobs (optionally through a redirect), token or basic auth, and knobs to make it
// misbehave (tampered blobs, lying digests). Every request is recorded.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { sha256 } from '../../src/images/digest.js';
import { MediaType } from '../../src/images/oci.js';
import { buildIndex, type BuiltImage } from './images-build.js';

export interface TestRegistryOptions {
  /** 'token': Bearer challenge and a /token endpoint; 'basic': Basic challenge. */
  auth?: 'none' | 'token' | 'basic';
  /** Accounts; with token auth and no users, anonymous tokens are given out. */
  users?: Record<string, string>;
  /** Serve blobs through a 307 to /storage/…. */
  redirectBlobs?: boolean;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: Buffer; cert: Buffer };
}

export interface TestRegistry {
  url: string;
  /** host:port */
  host: string;
  requests: string[];
  /** Puts an image (and, given several, an index over them) under repo:tag. */
  put(repo: string, tag: string, ...images: BuiltImage[]): string;
  /** Serves other bytes for a blob. */
  tamper(digest: string, bytes: Buffer): void;
  close(): Promise<void>;
}

interface Repo {
  manifests: Map<string, { body: Buffer; type: string }>;
}

function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ errors: [{ code, message, detail: null }] }));
}

export async function startTestRegistry(o: TestRegistryOptions = {}): Promise<TestRegistry> {
  const repos = new Map<string, Repo>();
  const blobs = new Map<string, Buffer>();
  const tampered = new Map<string, Buffer>();
  const tokens = new Set<string>();
  const requests: string[] = [];
  let base = '';

  const authorized = (req: IncomingMessage): boolean => {
    const h = req.headers.authorization ?? '';
    if (o.auth === 'token') return h.startsWith('Bearer ') && tokens.has(h.slice(7));
    if (o.auth === 'basic') return basicUser(h) !== undefined;
    return true;
  };
  const basicUser = (h: string): string | undefined => {
    if (!h.startsWith('Basic ')) return undefined;
    const [u, p] = Buffer.from(h.slice(6), 'base64').toString().split(':');
    return u !== undefined && o.users?.[u] === p ? u : undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', base);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/token') {
      if (o.users && basicUser(req.headers.authorization ?? '') === undefined)
        return sendError(res, 401, 'UNAUTHORIZED', 'authentication required');
      const t = `t${tokens.size}-${Math.random().toString(36).slice(2)}`;
      tokens.add(t);
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ token: t, expires_in: 300 }));
    }
    if (url.pathname.startsWith('/storage/')) {
      const d = url.pathname.slice('/storage/'.length);
      const b = tampered.get(d) ?? blobs.get(d);
      if (!b) return sendError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
      res.writeHead(200, { 'content-length': b.length });
      return void res.end(b);
    }
    if (!url.pathname.startsWith('/v2/')) return sendError(res, 404, 'NOT_FOUND', 'not found');
    if (!authorized(req)) {
      const m = /^\/v2\/(.+)\/(?:manifests|blobs)\//.exec(url.pathname);
      const challenge =
        o.auth === 'token'
          ? `Bearer realm="${base}/token",service="test-registry"${m ? `,scope="repository:${m[1]}:pull"` : ''}`
          : 'Basic realm="test-registry"';
      return sendError(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'www-authenticate': challenge,
      });
    }
    if (url.pathname === '/v2/') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{}');
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m) return sendError(res, 404, 'NOT_FOUND', 'not found');
    const [, name, kind, ref] = m as unknown as [string, string, string, string];
    if (kind === 'manifests') {
      const man = repos.get(name)?.manifests.get(ref);
      if (!man) return sendError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
      res.writeHead(200, {
        'content-type': man.type,
        'content-length': man.body.length,
        'docker-content-digest': sha256(man.body),
      });
      return void res.end(req.method === 'HEAD' ? undefined : man.body);
    }
    const b = tampered.get(ref) ?? blobs.get(ref);
    if (!b) return sendError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
    if (o.redirectBlobs && req.method === 'GET') {
      res.writeHead(307, { location: `${base}/storage/${ref}` });
      return void res.end();
    }
    res.writeHead(200, { 'content-length': b.length, 'docker-content-digest': ref });
    res.end(req.method === 'HEAD' ? undefined : b);
  };

  const server = o.tls
    ? createTlsServer({ key: o.tls.key, cert: o.tls.cert }, handle)
    : createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const repo = (name: string): Repo => {
    let r = repos.get(name);
    if (!r) repos.set(name, (r = { manifests: new Map() }));
    return r;
  };

  return {
    url: base,
    host: `127.0.0.1:${port}`,
    requests,
    put(name, tag, ...images) {
      const r = repo(name);
      for (const img of images) {
        blobs.set(img.configDigest, img.config);
        for (const l of img.layers) blobs.set(l.digest, l.blob);
        r.manifests.set(img.manifestDigest, { body: img.manifest, type: MediaType.ociManifest });
      }
      if (images.length === 1) {
        const img = images[0] as BuiltImage;
        r.manifests.set(tag, { body: img.manifest, type: MediaType.ociManifest });
        return img.manifestDigest;
      }
      const ix = buildIndex(images);
      r.manifests.set(ix.digest, { body: ix.body, type: MediaType.ociIndex });
      r.manifests.set(tag, { body: ix.body, type: MediaType.ociIndex });
      return ix.digest;
    },
    tamper(digest, bytes) {
      tampered.set(digest, bytes);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
