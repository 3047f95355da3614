// Credentials from imagePullSecrets (kubernetes.io/dockerconfigjson and the older
// kubernetes.io/dockercfg), matched to a registry host as the kubelet's keyring does:
// keys may carry a scheme, a path prefix and `*` per DNS label; the most specific match wins.

import { DEFAULT_DOMAIN } from '../reference.js';

export interface DockerAuthEntry {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The decoded content of a `.dockerconfigjson` (or `.dockercfg`) secret key. */
export type DockerConfig =
  { auths?: Record<string, DockerAuthEntry> } | Record<string, DockerAuthEntry>;

export interface Credentials {
  username?: string;
  password?: string;
  /** Used as the bearer token as is. */
  token?: string;
}

const HUB_ALIASES = new Set(['docker.io', 'index.docker.io']);

export function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  return HUB_ALIASES.has(h) ? DEFAULT_DOMAIN : h;
}

function parseKey(key: string): { host: string; path: string } {
  const noScheme = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = noScheme.indexOf('/');
  const host = canonicalHost(slash === -1 ? noScheme : noScheme.slice(0, slash));
  let path = slash === -1 ? '' : noScheme.slice(slash + 1).replace(/\/+$/, '');
  if (/^v[12]$/.test(path)) path = '';
  return { host, path };
}

function hostMatches(pattern: string, host: string): boolean {
  const [pHost, pPort] = pattern.split(/:(?=\d+$)/);
  const [hHost, hPort] = host.split(/:(?=\d+$)/);
  if ((pPort ?? '') !== (hPort ?? '')) return false;
  const p = (pHost ?? '').split('.');
  const h = (hHost ?? '').split('.');
  if (p.length !== h.length) return false;
  return p.every((label, i) => {
    if (label === '*') return true;
    const re = new RegExp(
      '^' + label.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*') + '$',
    );
    return re.test(h[i] as string);
  });
}

function decode(e: DockerAuthEntry): Credentials | undefined {
  if (e.registrytoken) return { token: e.registrytoken };
  let { username, password } = e;
  if (e.auth) {
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > -1) {
      username = plain.slice(0, colon);
      password = plain.slice(colon + 1);
    }
  }
  if (e.identitytoken) return { username: username ?? '<token>', password: e.identitytoken };
  if (username === undefined && password === undefined) return undefined;
  return { username: username ?? '', password: password ?? '' };
}

/** The credentials the pull secrets give for `host` and repository `path`, if any. */
export function credentialsFor(
  secrets: readonly DockerConfig[],
  host: string,
  path: string,
): Credentials | undefined {
  const target = canonicalHost(host);
  let best: { score: number; creds: Credentials } | undefined;
  for (const secret of secrets) {
    const auths = (
      'auths' in secret && typeof secret.auths === 'object' ? secret.auths : secret
    ) as Record<string, DockerAuthEntry>;
    for (const [key, entry] of Object.entries(auths ?? {})) {
      const k = parseKey(key);
      if (!hostMatches(k.host, target)) continue;
      if (k.path && path !== k.path && !path.startsWith(k.path + '/')) continue;
      const creds = decode(entry);
      if (!creds) continue;
      const score = k.host.length + k.path.length * 2 + (k.host.includes('*') ? 0 : 1000);
      if (!best || score > best.score) best = { score, creds };
    }
  }
  return best?.creds;
}

/** Parses a pull secret's data (`.dockerconfigjson` or `.dockercfg`, already base64-decoded). */
export function parseDockerConfig(text: string): DockerConfig {
  const o = JSON.parse(text) as unknown;
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new Error('docker config must be a JSON object');
  return o as DockerConfig;
}
