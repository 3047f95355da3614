// The nginx configuration. With nginx's Lua module (lua.ts) it is generic: one server per
// listening port whose one location asks lua/skiff.lua where a request goes (hosts, paths,
// endpoints and certificates live in a shared dict), so it changes only with the ports.
// Without the module it is the routing table itself: one server per host (the catch-all ""
// is the default server), one location per path: Exact as `location =`, Prefix `/a/b` as
// `location = /a/b` plus `location ^~ /a/b/` so that nginx's longest-prefix match is
// Kubernetes' element-wise one, and upstreams straight to pod IPs with keep-alive pools.

import { createHash } from 'node:crypto';
import { routeFor } from './routes.js';
import type { RoutingTable, Target, VirtualHost } from './types.js';

export interface NginxLayout {
  /** Where the PID file, logs and certificates live. */
  dir: string;
  /** Scratch directory for request bodies and responses too big for memory. */
  tempDir: string;
  /** Certificate file path for a certificate id. */
  certPath(id: string): string;
  httpPort: number;
  httpsPort: number;
  /** The worker processes' user (when the master runs as root). */
  user?: string;
  /** Unix socket answering `GET /generation` with the configuration's generation. */
  statusSocket: string;
  /**
   * Where nginx reports requests it refused as too large (`127.0.0.1:port`, syslog over
   * UDP), one JSON line each: `{"status":431,"host":"…","uri":"…"}`.
   */
  refusalLog?: string;
  /**
   * Routes, endpoints and certificates served by Lua from a shared dict (lua.ts) instead of
   * written into the configuration: changing them needs no reload. Absent: everything is
   * written here and every change reloads.
   */
  lua?: LuaLayout;
}

export interface LuaLayout {
  /** The module files to load. */
  modules: readonly string[];
  /** Where the Lua files (LUA_FILES) are, loaded by the master. */
  packageDir: string;
  /** The state the master loads at each start and reload (luaState's text). */
  stateFile: string;
}

/** Request limits (ingress-nginx's defaults), in nginx's units. */
export const MAX_BODY_SIZE = '1m';
export const HEADER_BUFFERS = { count: 4, size: '8k' } as const;

/** Statuses nginx answers for requests too large to serve: header (494 sent as 431), body. */
export const REFUSED_STATUSES = [431, 413] as const;

/** nginx string literal: quoted, with the characters nginx treats specially escaped. */
const quote = (s: string): string => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** The id of the certificate for names no `spec.tls` entry covers. */
export const DEFAULT_CERT_ID = 'default';

export function upstreamName(t: Extract<Target, { kind: 'service' }>): string {
  return 'u_' + createHash('sha256').update(t.name).digest('hex').slice(0, 16);
}

/** `server_name` for a host: exact, or a regex matching exactly one label for `*.`. */
function serverName(host: string): string {
  if (host === '') return '_';
  if (host.startsWith('*.')) return `"~^[^.]+${host.slice(1).replace(/[.]/g, '\\.')}$"`;
  return host;
}

/** The upstream a target is served by, if any (with Lua, services without endpoints too). */
export function upstreamOf(t: Target, lua: boolean): string | undefined {
  if (t.kind !== 'service' || (!lua && t.endpoints.length === 0)) return undefined;
  return upstreamName(t);
}

function answer(t: Target, indent: string): string[] {
  if (t.kind === 'status') return [`${indent}return ${t.code};`];
  const upstream = upstreamOf(t, false);
  if (!upstream) return [`${indent}return 503;`];
  return [`${indent}proxy_pass http://${upstream};`];
}

/** What the routing table answers for `path` on host `h`. */
const targetFor = (h: VirtualHost, path: string): Target => routeFor(h, path)?.target ?? h.fallback;

function locations(h: VirtualHost, indent: string): string[] {
  const out: string[] = [];
  const exact = new Set(h.routes.filter((r) => r.type === 'Exact').map((r) => r.path));
  // nginx answers `/foo` with a 301 to `/foo/` when a proxying location is named `/foo/`
  // (its auto_redirect); an Exact `/foo/` must not change what `/foo` gets, so `/foo` gets
  // an exact location of its own with the answer the routes give it.
  for (const r of h.routes) {
    const bare = r.path.slice(0, -1);
    if (r.type !== 'Exact' || !r.path.endsWith('/') || bare === '' || exact.has(bare)) continue;
    if (h.routes.some((p) => p.type === 'Prefix' && p.path === bare)) continue;
    exact.add(bare);
    out.push(
      `${indent}location = ${quote(bare)} {`,
      ...answer(targetFor(h, bare), `${indent}  `),
      `${indent}}`,
    );
  }
  let hasRoot = false;
  for (const r of h.routes) {
    const body = answer(r.target, `${indent}  `);
    if (r.type === 'Exact') {
      out.push(`${indent}location = ${quote(r.path)} {`, ...body, `${indent}}`);
      continue;
    }
    if (r.path === '/') {
      hasRoot = true;
      out.push(`${indent}location / {`, ...body, `${indent}}`);
      continue;
    }
    if (!exact.has(r.path))
      out.push(`${indent}location = ${quote(r.path)} {`, ...body, `${indent}}`);
    out.push(`${indent}location ^~ ${quote(r.path + '/')} {`, ...body, `${indent}}`);
  }
  if (!hasRoot)
    out.push(`${indent}location / {`, ...answer(h.fallback, `${indent}  `), `${indent}}`);
  return out;
}

/**
 * nginx refuses a header over its buffers with its own code 494, sent as "400 Request Header
 * Or Cookie Too Large"; HTTP has a status for it (RFC 6585), which this sends instead.
 */
function headerTooLarge(indent: string): string[] {
  return [
    `${indent}error_page 494 = @header_too_large;`,
    `${indent}location @header_too_large {`,
    `${indent}  default_type text/plain;`,
    `${indent}  return 431 "431 Request Header Fields Too Large\n";`,
    `${indent}}`,
  ];
}

/** `:port` after the host in the redirect to HTTPS ("" for 443). */
const httpsPortSuffix = (l: NginxLayout): string => (l.httpsPort === 443 ? '' : `:${l.httpsPort}`);

function server(h: VirtualHost, l: NginxLayout): string[] {
  const dflt = h.host === '' ? ' default_server' : '';
  const lines: string[] = ['  server {', `    server_name ${serverName(h.host)};`];
  if (h.redirectToHttps) {
    // Plain HTTP only redirects; a server of its own so the HTTPS one keeps the routes.
    lines.push(
      `    listen ${l.httpPort}${dflt};`,
      `    location / { return 308 https://$host${httpsPortSuffix(l)}$request_uri; }`,
      ...headerTooLarge('    '),
      '  }',
      '  server {',
      `    server_name ${serverName(h.host)};`,
    );
  } else lines.push(`    listen ${l.httpPort}${dflt};`);
  // Every host answers HTTPS too, with its own certificate or the default one.
  const id = h.tls?.id ?? DEFAULT_CERT_ID;
  lines.push(
    `    listen ${l.httpsPort} ssl http2${dflt};`,
    `    ssl_certificate ${quote(l.certPath(id))};`,
    `    ssl_certificate_key ${quote(l.certPath(id))};`,
  );
  lines.push(...locations(h, '    '), ...headerTooLarge('    '), '  }');
  return lines;
}

function upstreams(t: RoutingTable): string[] {
  const seen = new Map<string, Extract<Target, { kind: 'service' }>>();
  for (const h of t.hosts)
    for (const target of [...h.routes.map((r) => r.target), h.fallback]) {
      const name = upstreamOf(target, false);
      if (name && target.kind === 'service') seen.set(name, target);
    }
  const out: string[] = [];
  for (const [name, target] of [...seen].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(`  # ${target.name}`, `  upstream ${name} {`);
    for (const e of target.endpoints) out.push(`    server ${e.ip}:${e.port} max_fails=0;`);
    out.push('    keepalive 64;', '    keepalive_timeout 60s;', '  }');
  }
  return out;
}

/** The routing table's servers (without Lua): one per host, a catch-all answering 404. */
function hostServers(t: RoutingTable, l: NginxLayout, generation: number): string[] {
  const hasCatchAll = t.hosts.some((h) => h.host === '');
  const hosts = hasCatchAll
    ? t.hosts
    : [
        {
          host: '',
          routes: [],
          fallback: { kind: 'status', code: 404 },
          redirectToHttps: false,
          owners: [],
        } as VirtualHost,
        ...t.hosts,
      ];
  return [...upstreams(t), ...statusServer(l, generation), ...hosts.flatMap((h) => server(h, l))];
}

/**
 * The configuration with Lua: every request's route is looked up by skiff.route() in the
 * access phase and proxied to the one upstream, whose balancer takes the endpoints it chose
 * (one keep-alive pool, per endpoint address, as ingress-nginx's upstream_balancer).
 */
function luaServers(l: NginxLayout, lua: LuaLayout, generation: number): string[] {
  const location = (redirectPort?: string): string[] => [
    '    location / {',
    `      access_by_lua_block { skiff.route(${redirectPort === undefined ? '' : quote(redirectPort)}) }`,
    '      proxy_pass http://skiff_backend;',
    '    }',
  ];
  return [
    '  lua_shared_dict skiff_state 32m;',
    `  lua_package_path ${quote(`${lua.packageDir}/?.lua;;`)};`,
    `  init_by_lua_block { skiff = require "skiff"; skiff.load_file(${quote(lua.stateFile)}) }`,
    '  upstream skiff_backend {',
    // A placeholder nginx requires; the balancer picks the endpoint.
    '    server 0.0.0.1;',
    '    balancer_by_lua_block { skiff.balance() }',
    '    keepalive 320;',
    '    keepalive_timeout 60s;',
    '  }',
    ...statusServer(l, generation, [
      // The whole state in one body, kept in memory (certificates make it tens of KB).
      '    location = /state {',
      '      client_max_body_size 64m;',
      '      client_body_buffer_size 64m;',
      '      content_by_lua_block { skiff.put_state() }',
      '    }',
    ]),
    '  server {',
    `    listen ${l.httpPort} default_server;`,
    '    server_name _;',
    ...location(httpsPortSuffix(l)),
    ...headerTooLarge('    '),
    '  }',
    '  server {',
    `    listen ${l.httpsPort} ssl http2 default_server;`,
    '    server_name _;',
    // The default certificate, unless the SNI name has one in the shared dict.
    `    ssl_certificate ${quote(l.certPath(DEFAULT_CERT_ID))};`,
    `    ssl_certificate_key ${quote(l.certPath(DEFAULT_CERT_ID))};`,
    '    ssl_certificate_by_lua_block { skiff.certificate() }',
    ...location(),
    ...headerTooLarge('    '),
    '  }',
  ];
}

/**
 * The status socket: tells the controller which configuration the workers run (a reload is
 * live once the new workers answer), with Lua also where the state is put.
 */
function statusServer(l: NginxLayout, generation: number, more: string[] = []): string[] {
  return [
    '  server {',
    `    listen unix:${l.statusSocket};`,
    `    location = /generation { return 200 "${generation}"; }`,
    ...more,
    '  }',
  ];
}

/** No access log, but a line for each request refused as too large (see NginxLayout). */
function refusalLog(l: NginxLayout): string[] {
  if (!l.refusalLog) return ['  access_log off;'];
  return [
    `  map $status $skiff_refused { ${REFUSED_STATUSES.map((s) => `${s} 1; `).join('')}default 0; }`,
    `  log_format skiff_refused escape=json '{"status":$status,"host":"$host","uri":"$request_uri"}';`,
    `  access_log syslog:server=${l.refusalLog},tag=skiff_ingress,nohostname skiff_refused if=$skiff_refused;`,
  ];
}

/**
 * The whole nginx.conf: with Lua the same for every routing table (only the layout and the
 * default certificate's file name are in it), without it the table itself.
 */
export function renderNginxConfig(t: RoutingTable, l: NginxLayout, generation: number): string {
  return [
    "# Written by the skiff ingress controller from the cluster's Ingresses; do not edit.",
    ...(l.lua?.modules.map((m) => `load_module ${quote(m)};`) ?? []),
    ...(l.user ? [`user ${l.user};`] : []),
    'worker_processes auto;',
    `pid ${quote(`${l.dir}/nginx.pid`)};`,
    `error_log ${quote(`${l.dir}/error.log`)} warn;`,
    'worker_shutdown_timeout 240s;',
    'events { worker_connections 16384; multi_accept on; }',
    'http {',
    ...refusalLog(l),
    '  server_tokens off;',
    '  sendfile on;',
    '  tcp_nodelay on;',
    `  client_body_temp_path ${quote(`${l.tempDir}/body`)};`,
    `  proxy_temp_path ${quote(`${l.tempDir}/proxy`)};`,
    `  fastcgi_temp_path ${quote(`${l.tempDir}/fastcgi`)};`,
    `  uwsgi_temp_path ${quote(`${l.tempDir}/uwsgi`)};`,
    `  scgi_temp_path ${quote(`${l.tempDir}/scgi`)};`,
    '  server_names_hash_bucket_size 128;',
    // Keep-alive to the pods unless the client asks to upgrade (WebSocket).
    '  map $http_upgrade $connection_upgrade { default upgrade; "" ""; }',
    // Request limits and timeouts (ingress-nginx's defaults).
    `  client_max_body_size ${MAX_BODY_SIZE};`,
    '  client_header_buffer_size 1k;',
    `  large_client_header_buffers ${HEADER_BUFFERS.count} ${HEADER_BUFFERS.size};`,
    '  client_header_timeout 60s;',
    '  client_body_timeout 60s;',
    '  keepalive_timeout 75s;',
    '  keepalive_requests 10000;',
    '  http2_max_concurrent_streams 128;',
    '  proxy_connect_timeout 5s;',
    '  proxy_send_timeout 60s;',
    '  proxy_read_timeout 60s;',
    '  proxy_http_version 1.1;',
    '  proxy_buffering off;',
    '  proxy_request_buffering on;',
    '  proxy_next_upstream error timeout;',
    '  proxy_set_header Host $host;',
    '  proxy_set_header Upgrade $http_upgrade;',
    '  proxy_set_header Connection $connection_upgrade;',
    '  proxy_set_header X-Real-IP $remote_addr;',
    '  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '  proxy_set_header X-Forwarded-Proto $scheme;',
    '  proxy_set_header X-Forwarded-Host $host;',
    '  proxy_set_header X-Forwarded-Port $server_port;',
    '  ssl_protocols TLSv1.2 TLSv1.3;',
    '  ssl_prefer_server_ciphers off;',
    '  ssl_session_cache shared:SSL:10m;',
    '  ssl_session_timeout 10m;',
    ...(l.lua ? luaServers(l, l.lua, generation) : hostServers(t, l, generation)),
    '}',
    '',
  ].join('\n');
}
