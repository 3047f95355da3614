// nginx's Lua module (Debian's libnginx-mod-http-lua, as ingress-nginx uses): routes,
// endpoints and certificates held in a shared dict that every worker reads per request and
// per handshake, replaced over the status socket, so changing them needs no reload. The
// configuration is generic (one server per listening port); the Lua code is in lua/.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RoutingTable, Target } from './types.js';

/** Debian's module files (the Lua module needs the development kit loaded first). */
export const LUA_MODULES = [
  '/usr/lib/nginx/modules/ndk_http_module.so',
  '/usr/lib/nginx/modules/ngx_http_lua_module.so',
];

/** Why this nginx cannot run the Lua data plane, or undefined when it can. */
export function luaProblem(binary = 'nginx'): string | undefined {
  const missing = LUA_MODULES.find((m) => !existsSync(m));
  if (missing) return `${missing} is missing (Debian: libnginx-mod-http-lua)`;
  // The modules must also be of this nginx's build (ABI) and find lua-resty-core.
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ingress-lua-'));
  try {
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        ...LUA_MODULES.map((m) => `load_module ${m};`),
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        'events {}',
        'http { lua_shared_dict probe 64k; init_by_lua_block { require "ngx.balancer"; require "ngx.ssl" } }',
        '',
      ].join('\n'),
    );
    const r = spawnSync(binary, ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf')], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (r.error) return r.error.message;
    if (r.status !== 0) return (r.stderr || `nginx -t exited ${r.status}`).trim();
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Lua files (under lua/), loaded by the master: `skiff` requires `skiff.routes`. */
export const LUA_FILES = ['skiff.lua', 'skiff/routes.lua'] as const;

/**
 * The directory holding LUA_FILES. Beside this module when run from the source tree; tsc
 * copies no .lua files, so a build (dist/src/net/ingress/) reads them from the source tree
 * it was built from, four levels up.
 */
export function luaSourceDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'lua'), join(here, '../../../../src/net/ingress/lua')];
  const found = candidates.find((d) => LUA_FILES.every((f) => existsSync(join(d, f))));
  if (!found) throw new Error(`the ingress's Lua files are missing: ${candidates.join(', ')}`);
  return found;
}

/** Copies LUA_FILES into `dir` (the master's `lua_package_path`). */
export function installLua(dir: string): void {
  const from = luaSourceDir();
  for (const f of LUA_FILES) {
    mkdirSync(dirname(join(dir, f)), { recursive: true, mode: 0o700 });
    copyFileSync(join(from, f), join(dir, f));
  }
}

/** Hosts and paths in the state's lines: %-escaped beyond what URLs leave as is. */
const escapeField = (s: string): string =>
  Array.from(Buffer.from(s, 'utf8'))
    .map((b) =>
      /[A-Za-z0-9/._~!$&'()*+,;=:@-]/.test(String.fromCharCode(b)) && b < 0x80
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/** The routes' name for a host: `_` for the catch-all (rules without a host). */
const routeHost = (host: string): string => (host === '' ? '_' : escapeField(host));

/**
 * The data the workers look up, as lines: `U <upstream> <ip:port>…` (the ready endpoints,
 * possibly none), `H <host> <certificate id or ->` for every host (`-`: the default
 * certificate), `C <id> <PEM in base64>`, and the routing table: `R <host> <E|P> <path>
 * <target>` per path, `D <host> <target>` per host (no path matched), `S <host>` for hosts
 * whose plain HTTP redirects (lua/skiff/routes.lua reads these). The whole state each time:
 * the workers swap it.
 */
export function luaState(t: RoutingTable, upstreamOf: (t: Target) => string | undefined): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  const token = (target: Target): string =>
    target.kind === 'status' ? `=${target.code}` : (upstreamOf(target) ?? '=503');
  for (const h of t.hosts) {
    for (const target of [...h.routes.map((r) => r.target), h.fallback]) {
      const name = upstreamOf(target);
      if (!name || seen.has(name) || target.kind !== 'service') continue;
      seen.add(name);
      lines.push(['U', name, ...target.endpoints.map((e) => `${e.ip}:${e.port}`)].join(' '));
    }
    const host = routeHost(h.host);
    for (const r of h.routes)
      lines.push(
        `R ${host} ${r.type === 'Exact' ? 'E' : 'P'} ${escapeField(r.path)} ${token(r.target)}`,
      );
    lines.push(`D ${host} ${token(h.fallback)}`);
    if (h.redirectToHttps) lines.push(`S ${host}`);
  }
  const certs = new Map<string, string>();
  for (const h of t.hosts) {
    if (h.host === '') continue;
    const cert = h.tls && h.tls.id !== t.defaultCertificate.id ? h.tls : undefined;
    if (cert) certs.set(cert.id, cert.pem);
    lines.push(`H ${h.host} ${cert?.id ?? '-'}`);
  }
  for (const [id, pem] of certs) lines.push(`C ${id} ${Buffer.from(pem).toString('base64')}`);
  return lines.sort().join('\n') + '\n';
}

/** Replaces the workers' state through the status socket; resolves once every worker sees it. */
export function pushLuaState(socketPath: string, state: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: '/state',
        method: 'PUT',
        agent: false,
        timeout: 5_000,
        headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(state) },
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve()
            : reject(new Error(`nginx refused the state: ${res.statusCode} ${body.trim()}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('nginx did not take the state within 5 s')));
    req.end(state);
  });
}
