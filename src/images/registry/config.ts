// Registry mirrors and per-host settings in the shape of k3s's registries.yaml:
//
//   mirrors:
//     docker.io:
//       endpoint: ["http://127.0.0.1:5000"]
//       rewrite: { "^library/(.*)": "mirrored/$1" }
//   configs:
//     "127.0.0.1:5000":
//       auth: { username: u, password: p }
//       tls: { ca_file: …, cert_file: …, key_file: …, insecure_skip_verify: false }
//
// Each mirror endpoint is tried in order, then the registry itself (unless the default
// endpoint is disabled, as k3s's --disable-default-registry-endpoint). "*" mirrors every registry.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_DOMAIN } from '../reference.js';

export interface RegistryAuthConfig {
  username?: string;
  password?: string;
  /** base64 of `username:password` */
  auth?: string;
  /** A bearer token used as is. */
  identity_token?: string;
}

export interface RegistryTlsConfig {
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
  insecure_skip_verify?: boolean;
}

export interface RegistriesConfig {
  mirrors?: Record<string, { endpoint?: string[]; rewrite?: Record<string, string> }>;
  configs?: Record<string, { auth?: RegistryAuthConfig; tls?: RegistryTlsConfig }>;
}

export interface Endpoint {
  /** Base URL ending in /v2. */
  base: URL;
  /** host[:port] of the endpoint, for configs and credentials. */
  host: string;
  /** The registry name in the image reference (docker.io, 127.0.0.1:5000…). */
  registry: string;
  mirror: boolean;
  rewrite?: Record<string, string>;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

function endpointUrl(raw: string): URL {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`registry endpoint "${raw}" must be http or https`);
  let path = url.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/v2')) path += '/v2';
  url.pathname = path;
  url.search = '';
  return url;
}

/** Where to ask for images of `registry`, in order. */
export function endpointsFor(
  registry: string,
  config: RegistriesConfig = {},
  o: { defaultEndpoint?: boolean } = {},
): Endpoint[] {
  const out: Endpoint[] = [];
  const mirror = config.mirrors?.[registry] ?? config.mirrors?.['*'];
  for (const raw of mirror?.endpoint ?? []) {
    const base = endpointUrl(raw);
    out.push({
      base,
      host: base.host,
      registry,
      mirror: true,
      ...(mirror?.rewrite ? { rewrite: mirror.rewrite } : {}),
    });
  }
  // Every registry, docker.io included, is asked at its own name unless a mirror is set;
  // `SKIFF_DOCKER_IO_ENDPOINT` names another endpoint for docker.io.
  const override =
    registry === DEFAULT_DOMAIN ? process.env['SKIFF_DOCKER_IO_ENDPOINT'] : undefined;
  const upstream = endpointUrl(
    override ?? `${isLoopback(registry) ? 'http' : 'https'}://${registry}`,
  );
  if (o.defaultEndpoint === false && out.length) return out;
  if (!out.some((e) => e.base.href === upstream.href))
    out.push({ base: upstream, host: upstream.host, registry, mirror: false });
  return out;
}

/** The repository path an endpoint is asked for (a mirror's rewrite rules applied). */
export function repositoryPath(e: Endpoint, path: string): string {
  for (const [pattern, replacement] of Object.entries(e.rewrite ?? {})) {
    const re = new RegExp(pattern);
    if (re.test(path)) return path.replace(re, replacement);
  }
  return path;
}

/** Settings for an endpoint: by its own host, by the registry name (the upstream), or "*". */
export function hostConfig(
  e: Endpoint,
  config: RegistriesConfig = {},
): { auth?: RegistryAuthConfig; tls?: RegistryTlsConfig } {
  const c = config.configs ?? {};
  return c[e.host] ?? (e.mirror ? undefined : c[e.registry]) ?? c['*'] ?? {};
}

function check(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new Error(`invalid registries config: ${msg}`);
}

export function parseRegistriesConfig(text: string): RegistriesConfig {
  const o = (parse(text) ?? {}) as unknown;
  check(typeof o === 'object' && !Array.isArray(o), 'the document must be a mapping');
  const c = o as Record<string, unknown>;
  for (const k of Object.keys(c)) check(k === 'mirrors' || k === 'configs', `unknown key "${k}"`);
  const mirrors = (c['mirrors'] ?? {}) as Record<string, unknown>;
  check(typeof mirrors === 'object', '"mirrors" must be a mapping');
  for (const [name, m] of Object.entries(mirrors)) {
    check(typeof m === 'object' && m !== null, `mirror "${name}" must be a mapping`);
    const ep = (m as Record<string, unknown>)['endpoint'];
    check(
      ep === undefined || (Array.isArray(ep) && ep.every((x) => typeof x === 'string')),
      `mirrors.${name}.endpoint must be a list of URLs`,
    );
    for (const u of (ep as string[] | undefined) ?? []) {
      try {
        endpointUrl(u);
      } catch (e) {
        check(false, `mirrors.${name}.endpoint: ${(e as Error).message}`);
      }
    }
  }
  const configs = (c['configs'] ?? {}) as Record<string, unknown>;
  check(typeof configs === 'object', '"configs" must be a mapping');
  return c as RegistriesConfig;
}

export function loadRegistriesConfig(file: string): RegistriesConfig {
  return parseRegistriesConfig(readFileSync(file, 'utf8'));
}
