// The OCI distribution API as a client: manifests and blobs by tag or digest, uploads for
// push, and authentication (Bearer token challenge, anonymous or with credentials; Basic).

import type { Readable } from 'node:stream';
import { isDigest, sha256 } from '../digest.js';
import { ContentError } from '../errors.js';
import { MANIFEST_ACCEPT } from '../oci.js';
import { hostConfig, type Endpoint, type RegistriesConfig } from './config.js';
import { credentialsFor, type Credentials, type DockerConfig } from './credentials.js';
import { readBody, request, type HttpResponse } from './http.js';

/** The registry (or its token server) answered with an error. */
export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g;
  for (let p = re.exec(m[2] as string); p; p = re.exec(m[2] as string))
    params[(p[1] as string).toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme: (m[1] as string).toLowerCase(), params };
}

/** The registry's own words for a failed response: the `errors` of its JSON body, or the status. */
export async function describeFailure(res: HttpResponse): Promise<string> {
  let body = '';
  try {
    body = (await readBody(res, 64 << 10)).toString('utf8');
  } catch {
    // the status alone will do
  }
  try {
    const o = JSON.parse(body) as {
      errors?: { code?: string; message?: string }[];
      details?: string;
    };
    const msgs = (o.errors ?? [])
      .map((e) => e.message || (e.code ?? '').toLowerCase().replace(/_/g, ' '))
      .filter(Boolean);
    if (msgs.length) return msgs.join('; ');
    if (typeof o.details === 'string' && o.details) return o.details;
  } catch {
    // not JSON
  }
  const text = res.stream.statusMessage ?? '';
  return `${res.status} ${text}`.trim();
}

interface SendOptions {
  method: string;
  /** Relative to the endpoint's /v2 base, or an absolute URL (upload locations). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
}

export interface RegistryClientOptions {
  config?: RegistriesConfig;
  pullSecrets?: readonly DockerConfig[];
}

export interface FetchedManifest {
  body: Buffer;
  digest: string;
  mediaType: string;
}

export class RegistryClient {
  private readonly config: RegistriesConfig;
  private readonly secrets: readonly DockerConfig[];
  private readonly auth = new Map<string, { header: string; expires: number }>();

  constructor(o: RegistryClientOptions = {}) {
    this.config = o.config ?? {};
    this.secrets = o.pullSecrets ?? [];
  }

  private credentials(ep: Endpoint, repo: string): Credentials | undefined {
    const a = hostConfig(ep, this.config).auth;
    if (a) {
      if (a.identity_token) return { token: a.identity_token };
      if (a.auth) {
        const plain = Buffer.from(a.auth, 'base64').toString('utf8');
        const i = plain.indexOf(':');
        return { username: plain.slice(0, i), password: plain.slice(i + 1) };
      }
      if (a.username !== undefined || a.password !== undefined)
        return { username: a.username ?? '', password: a.password ?? '' };
    }
    return (
      credentialsFor(this.secrets, ep.host, repo) ??
      (ep.mirror ? undefined : credentialsFor(this.secrets, ep.registry, repo))
    );
  }

  private async send(
    ep: Endpoint,
    repo: string,
    actions: string,
    o: SendOptions,
  ): Promise<HttpResponse> {
    const url = /^https?:\/\//.test(o.path) ? new URL(o.path) : new URL(ep.base.href + o.path);
    const key = `${ep.host} repository:${repo}:${actions}`;
    const tls = hostConfig(ep, this.config).tls;
    const go = (authz?: string): Promise<HttpResponse> =>
      request({
        method: o.method,
        url,
        headers: { ...(o.headers ?? {}), ...(authz ? { authorization: authz } : {}) },
        ...(o.body !== undefined ? { body: o.body } : {}),
        ...(tls ? { tls } : {}),
      });
    const cached = this.auth.get(key);
    const res = await go(cached && cached.expires > Date.now() ? cached.header : undefined);
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers['www-authenticate']);
    if (!challenge) return res;
    const creds = this.credentials(ep, repo);
    let header: string;
    let ttl = 60_000;
    if (challenge.scheme === 'basic') {
      if (!creds || creds.token) return res;
      header = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
      ttl = Infinity;
    } else if (challenge.scheme === 'bearer') {
      res.stream.resume();
      const t = await this.token(challenge, `repository:${repo}:${actions}`, creds, tls);
      header = `Bearer ${t.token}`;
      ttl = t.ttl;
    } else return res;
    res.stream.resume();
    this.auth.set(key, { header, expires: Date.now() + ttl - 5_000 });
    return go(header);
  }

  private async token(
    c: Challenge,
    scope: string,
    creds: Credentials | undefined,
    tls: Parameters<typeof request>[0]['tls'],
  ): Promise<{ token: string; ttl: number }> {
    if (creds?.token) return { token: creds.token, ttl: 60_000 };
    const realm = c.params['realm'];
    if (!realm)
      throw new RegistryError('authorization failed: the registry sent no token realm', 401);
    const url = new URL(realm);
    if (c.params['service']) url.searchParams.set('service', c.params['service']);
    const scopes = new Set([scope, ...(c.params['scope'] ? c.params['scope'].split(' ') : [])]);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (creds)
      headers['authorization'] =
        'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
    const res = await request({ method: 'GET', url, headers, ...(tls ? { tls } : {}) });
    if (res.status !== 200) {
      const why = await describeFailure(res);
      throw new RegistryError(
        `authorization failed: ${creds ? 'fetching a token' : 'fetching an anonymous token'} from ${url.origin}${url.pathname}: ${why}`,
        res.status,
      );
    }
    let o: { token?: string; access_token?: string; expires_in?: number };
    try {
      o = JSON.parse((await readBody(res, 1 << 20)).toString()) as typeof o;
    } catch {
      throw new RegistryError('authorization failed: the token server sent no JSON', 502);
    }
    const token = o.token ?? o.access_token;
    if (!token)
      throw new RegistryError('authorization failed: the token server sent no token', 502);
    return { token, ttl: (o.expires_in && o.expires_in > 0 ? o.expires_in : 60) * 1000 };
  }

  /** A manifest or index by tag or digest, its digest checked. */
  async getManifest(
    ep: Endpoint,
    repo: string,
    reference: string,
    accept = MANIFEST_ACCEPT,
  ): Promise<FetchedManifest> {
    const res = await this.send(ep, repo, 'pull', {
      method: 'GET',
      path: `/${repo}/manifests/${reference}`,
      headers: { accept },
    });
    if (res.status !== 200) throw new RegistryError(await describeFailure(res), res.status);
    const body = await readBody(res, 4 << 20);
    const digest = sha256(body);
    if (isDigest(reference) && digest !== reference)
      throw new ContentError(`manifest digest mismatch: asked for ${reference}, got ${digest}`);
    const announced = res.headers['docker-content-digest'];
    if (typeof announced === 'string' && isDigest(announced) && announced !== digest)
      throw new ContentError(
        `manifest digest mismatch: the registry announced ${announced}, the content is ${digest}`,
      );
    return { body, digest, mediaType: String(res.headers['content-type'] ?? '') };
  }

  /** A blob's bytes as they arrive (the caller verifies them). */
  async getBlob(ep: Endpoint, repo: string, digest: string): Promise<HttpResponse> {
    const res = await this.send(ep, repo, 'pull', {
      method: 'GET',
      path: `/${repo}/blobs/${digest}`,
    });
    if (res.status !== 200) throw new RegistryError(await describeFailure(res), res.status);
    return res;
  }

  async hasBlob(ep: Endpoint, repo: string, digest: string): Promise<boolean> {
    const res = await this.send(ep, repo, 'pull,push', {
      method: 'HEAD',
      path: `/${repo}/blobs/${digest}`,
    });
    res.stream.resume();
    return res.status === 200;
  }

  /** A monolithic upload: POST for a location, then PUT the bytes with their digest. */
  async uploadBlob(
    ep: Endpoint,
    repo: string,
    digest: string,
    size: number,
    open: () => Readable,
  ): Promise<void> {
    const start = await this.send(ep, repo, 'pull,push', {
      method: 'POST',
      path: `/${repo}/blobs/uploads/`,
      headers: { 'content-length': '0' },
      body: Buffer.alloc(0),
    });
    if (start.status !== 202 || !start.headers.location)
      throw new RegistryError(
        `starting the upload of ${digest}: ${await describeFailure(start)}`,
        start.status,
      );
    start.stream.resume();
    const loc = new URL(start.headers.location, ep.base);
    loc.searchParams.set('digest', digest);
    const put = await this.send(ep, repo, 'pull,push', {
      method: 'PUT',
      path: loc.href,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: open,
    });
    if (put.status !== 201 && put.status !== 204)
      throw new RegistryError(`uploading ${digest}: ${await describeFailure(put)}`, put.status);
    put.stream.resume();
  }

  async putManifest(
    ep: Endpoint,
    repo: string,
    reference: string,
    body: Buffer,
    mediaType: string,
  ): Promise<void> {
    const res = await this.send(ep, repo, 'pull,push', {
      method: 'PUT',
      path: `/${repo}/manifests/${reference}`,
      headers: { 'content-type': mediaType, 'content-length': String(body.length) },
      body,
    });
    if (res.status !== 201 && res.status !== 200 && res.status !== 202)
      throw new RegistryError(
        `putting manifest ${reference}: ${await describeFailure(res)}`,
        res.status,
      );
    res.stream.resume();
  }
}
