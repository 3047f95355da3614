// The Lua router (lua/skiff/routes.lua) run by the nginx it is written for: a small nginx on
// loopback loads it and answers, for a state text and a list of requests, where each
// request goes. Seeded generated Ingress sets and requests are checked against the
// TypeScript reference (virtualHostFor and routeFor in routes.ts, what the reload-only
// configuration has nginx do). Then the same generated tables and requests through two real
// data planes, one with Lua and one without: the answers (status, Location, body) are the
// same byte for byte. Needs nginx with its Lua module.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../../api/types.js';
import { createLogger } from '../../log/index.js';
import { createCertificateAuthority } from '../../pki/index.js';
import { prng } from '../../../test/support/prng.js';
import { eventually } from '../../../test/support/eventually.js';
import { buildRoutes, routeFor, virtualHostFor, type RouteSources } from './routes.js';
import { LUA_MODULES, luaProblem, luaSourceDir, luaState } from './lua.js';
import { upstreamOf } from './nginx-config.js';
import { startNginx, nginxProblem, type DataPlane } from './nginx.js';
import { localIssuer } from './tls.js';
import type { RoutingTable, Target } from './types.js';

const skip = nginxProblem() ?? luaProblem() ?? false;

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

const SERVICES = ['alpha', 'beta', 'gamma', 'delta'];
const HOSTS = ['a.example.com', 'b.example.com', '*.w.example.com', 'x.w.example.com', ''];
const WORDS = ['a', 'b', 'ab', 'foo', 'foo.bar', 'x-y', 'A'];

/** A seeded set of Ingresses: hosts exact, wildcard and none, every path type, defaults, TLS. */
function generatedIngresses(rand: () => number): KubeObject[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const path = (): string => {
    const p = '/' + Array.from({ length: Math.floor(rand() * 3) }, () => pick(WORDS)).join('/');
    return rand() < 0.2 ? `${p}/`.replace('//', '/') : p;
  };
  const backend = () =>
    rand() < 0.1
      ? { service: { name: 'missing', port: { number: 80 } } }
      : {
          service: { name: pick(SERVICES), port: rand() < 0.5 ? { number: 80 } : { name: 'http' } },
        };
  return Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => {
    const hosts = [
      ...new Set(Array.from({ length: 1 + Math.floor(rand() * 2) }, () => pick(HOSTS))),
    ];
    const spec: Record<string, unknown> = {
      rules: hosts.map((host) => ({
        ...(host ? { host } : {}),
        http: {
          paths: Array.from({ length: 1 + Math.floor(rand() * 5) }, () => ({
            path: path(),
            pathType: pick(['Exact', 'Prefix', 'ImplementationSpecific']),
            backend: backend(),
          })),
        },
      })),
    };
    if (rand() < 0.3) spec['defaultBackend'] = backend();
    const tlsHosts = hosts.filter((h) => h && rand() < 0.4);
    if (tlsHosts.length) spec['tls'] = [{ hosts: tlsHosts }];
    return {
      metadata: {
        namespace: 'default',
        name: `gen-${i}`,
        uid: `gen-${i}`,
        creationTimestamp: `2026-01-0${i + 1}T00:00:00Z`,
        annotations: rand() < 0.3 ? { 'skiff.dev/ssl-redirect': 'false' } : {},
      },
      spec,
    };
  });
}

/** Requests for a generated set: its own hosts and paths, neighbours of them, unknown ones. */
function generatedRequests(rand: () => number, n: number): { host: string; path: string }[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const hosts = [
    'a.example.com',
    'b.example.com',
    'x.w.example.com',
    'y.w.example.com',
    'y.x.w.example.com',
    'w.example.com',
    'other.example.com',
  ];
  return Array.from({ length: n }, () => {
    const path =
      '/' +
      Array.from({ length: Math.floor(rand() * 4) }, () => pick(WORDS)).join('/') +
      (rand() < 0.2 ? '/' : '');
    return { host: pick(hosts), path: path.replace('//', '/') };
  });
}

/** Services alpha…delta with one port each (80, "http"), their endpoints at `ports`. */
function sources(ports: Record<string, number> = {}): RouteSources {
  const issuer = localIssuer(createCertificateAuthority({ commonName: 'lua-test-ca' }));
  return {
    service: (ns, name) =>
      SERVICES.includes(name)
        ? {
            metadata: { namespace: ns, name },
            spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
          }
        : undefined,
    slices: (ns, name) =>
      // delta has no ready endpoint (503).
      name === 'delta'
        ? []
        : [
            {
              metadata: { namespace: ns, name: `${name}-x` },
              addressType: 'IPv4',
              ports: [{ name: 'http', port: ports[name] ?? 8080, protocol: 'TCP' }],
              endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
            },
          ],
    certificate: (_ns, _secret, host) => issuer.forHost(host),
    defaultCertificate: issuer.defaultCertificate,
  };
}

const token = (t: Target): string =>
  t.kind === 'status' ? `=${t.code}` : (upstreamOf(t, true) ?? '');

/** What the reference says a request gets: target and whether plain HTTP redirects. */
function expected(t: RoutingTable, host: string, path: string): string {
  const vh = virtualHostFor(t, host);
  if (!vh) return '=404 false';
  return `${token(routeFor(vh, path)?.target ?? vh.fallback)} ${vh.redirectToHttps}`;
}

describe('the Lua router in nginx, against the reference matcher', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-lua-router-'));
  let nginx: ChildProcess | undefined;
  let port = 0;

  before(async () => {
    port = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        ...LUA_MODULES.map((m) => `load_module ${m};`),
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events {}',
        'http {',
        '  access_log off;',
        `  client_body_temp_path ${dir}/body;`,
        `  lua_package_path "${luaSourceDir()}/?.lua;;";`,
        '  init_by_lua_block { routes = require "skiff.routes" }',
        `  server { listen 127.0.0.1:${port};`,
        '    client_max_body_size 8m; client_body_buffer_size 8m;',
        // Body: the state text, a line "--", then "host<TAB>path" per request.
        '    location / { content_by_lua_block {',
        '      ngx.req.read_body()',
        '      local body = ngx.req.get_body_data() or ""',
        '      local state, queries = body:match("^(.-)\\n%-%-\\n(.*)$")',
        '      local t, err = routes.parse(state)',
        '      if not t then ngx.status = 400; ngx.say(err); return end',
        '      local out = {}',
        '      for host, path in queries:gmatch("([^\\t\\n]*)\\t([^\\n]*)") do',
        '        local target, redirect = routes.resolve(t, host, path)',
        '        out[#out + 1] = (type(target) == "number" and "=" .. target or target) .. " " .. tostring(redirect)',
        '      end',
        '      ngx.print(table.concat(out, "\\n"))',
        '    } }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    await eventually(() => existsSync(join(dir, 'nginx.pid')), 'nginx started');
  });
  after(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx?.once('exit', r));
      nginx.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = (state: string, queries: { host: string; path: string }[]): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const body = `${state}\n--\n${queries.map((q) => `${q.host}\t${q.path}`).join('\n')}\n`;
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, timeout: 10_000 },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(text.split('\n'))
              : reject(new Error(`${res.statusCode}: ${text}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  test('precedence, element-wise prefixes, wildcards, defaults, escapes: the named cases', async () => {
    const t = buildRoutes(
      [
        {
          metadata: {
            namespace: 'default',
            name: 'named',
            creationTimestamp: '2026-01-01T00:00:00Z',
          },
          spec: {
            defaultBackend: { service: { name: 'gamma', port: { number: 80 } } },
            tls: [{ hosts: ['t.example.com'] }],
            rules: [
              {
                host: 'a.example.com',
                http: {
                  paths: [
                    {
                      path: '/',
                      pathType: 'Prefix',
                      backend: { service: { name: 'alpha', port: { number: 80 } } },
                    },
                    {
                      path: '/foo/',
                      pathType: 'Prefix',
                      backend: { service: { name: 'beta', port: { number: 80 } } },
                    },
                    {
                      path: '/foo',
                      pathType: 'Exact',
                      backend: { service: { name: 'delta', port: { number: 80 } } },
                    },
                    {
                      path: '/sp ace/%',
                      pathType: 'Exact',
                      backend: { service: { name: 'missing', port: { number: 80 } } },
                    },
                  ],
                },
              },
              {
                host: '*.w.example.com',
                http: {
                  paths: [
                    {
                      path: '/x',
                      pathType: 'Exact',
                      backend: { service: { name: 'beta', port: { number: 80 } } },
                    },
                  ],
                },
              },
              {
                host: 't.example.com',
                http: {
                  paths: [
                    {
                      path: '/',
                      pathType: 'Prefix',
                      backend: { service: { name: 'alpha', port: { number: 80 } } },
                    },
                  ],
                },
              },
            ],
          },
        },
      ],
      sources(),
    );
    const queries = [
      ['a.example.com', '/'],
      ['a.example.com', '/foo'],
      ['a.example.com', '/foo/'],
      ['a.example.com', '/foo/bar'],
      ['a.example.com', '/foobar'],
      ['a.example.com', '/sp ace/%'],
      ['q.w.example.com', '/x'],
      ['q.w.example.com', '/y'],
      ['r.q.w.example.com', '/x'],
      ['w.example.com', '/x'],
      ['t.example.com', '/anything'],
      ['nowhere.example.com', '/'],
    ].map(([host, path]) => ({ host: host ?? '', path: path ?? '' }));
    const got = await ask(
      luaState(t, (x) => upstreamOf(x, true)),
      queries,
    );
    assert.deepEqual(
      got,
      queries.map((q) => expected(t, q.host, q.path)),
    );
    // Spelled out, what the reference says (so that both cannot be wrong the same way).
    const name = (svc: string) =>
      token({ kind: 'service', name: `default/${svc}:80`, endpoints: [] });
    assert.deepEqual(got, [
      `${name('alpha')} false`,
      `${name('delta')} false`,
      `${name('beta')} false`,
      `${name('beta')} false`,
      `${name('alpha')} false`,
      '=503 false',
      `${name('beta')} false`,
      `${name('gamma')} false`,
      `${name('gamma')} false`,
      `${name('gamma')} false`,
      `${name('alpha')} true`,
      `${name('gamma')} false`,
    ]);
  });

  test('generated Ingress sets and requests: the Lua router answers as the reference (seeded)', async () => {
    const rand = prng(1313);
    let cases = 0;
    for (let round = 0; round < 40; round++) {
      const t = buildRoutes(generatedIngresses(rand), sources());
      const queries = generatedRequests(rand, 60);
      const got = await ask(
        luaState(t, (x) => upstreamOf(x, true)),
        queries,
      );
      queries.forEach((q, i) =>
        assert.equal(got[i], expected(t, q.host, q.path), `round ${round}: ${q.host} ${q.path}`),
      );
      cases += queries.length;
    }
    assert.equal(cases, 2400);
  });

  test('a state whose routing lines cannot be read is refused with the reason', async () => {
    await assert.rejects(
      ask('R a.example.com P /x', []),
      /400: bad route: R a\.example\.com P \/x/,
    );
    await assert.rejects(ask('D a.example.com', []), /400: bad default/);
  });
});

/** Routes where the odd targets below land apart when matched before or after nginx normalises. */
const ODD_INGRESS: KubeObject = {
  metadata: { namespace: 'default', name: 'odd', creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: {
    rules: [
      {
        host: 'odd.example.com',
        http: {
          paths: [
            ['/foo', 'Prefix', 'alpha'],
            ['/foo/bar', 'Exact', 'beta'],
            ['/ab', 'Prefix', 'gamma'],
            ['/A', 'Exact', 'beta'],
            ['/a b', 'Exact', 'gamma'],
          ].map(([path, pathType, name]) => ({
            path,
            pathType,
            backend: { service: { name, port: { number: 80 } } },
          })),
        },
      },
    ],
  },
};

/** Request targets as sent: escapes, dot segments, double slashes, queries. */
const ODD_TARGETS = [
  '/f%6Fo',
  '/foo%2Fbar',
  '/a/../foo',
  '/a/./ab/',
  '/x/../ab/c',
  '//foo//a',
  '/foo?x=/b',
  '/foo/?',
  '/%41',
  '/foo.bar/..',
  '/a%20b',
];

/** Who answered: the backend's name and path, or nginx's own page. */
interface Answer {
  status: number;
  type: string;
  location: string;
  body: string;
}

describe('the Lua data plane answers as the reload-only one, byte for byte', { skip }, () => {
  const backends: Server[] = [];
  const ports: Record<string, number> = {};
  const planes: { plane: DataPlane; dir: string; http: number; https: number }[] = [];

  before(async () => {
    for (const name of SERVICES) {
      const server = createServer((q, r) => r.end(`${name} ${q.url ?? ''}\n`));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      backends.push(server);
      ports[name] = (server.address() as AddressInfo).port;
    }
    for (const lua of [true, false]) {
      const dir = mkdtempSync(join(tmpdir(), 'skiff-lua-diff-'));
      const http = await freePort();
      const https = await freePort();
      const plane = await startNginx({
        dir,
        httpPort: http,
        httpsPort: https,
        logger: createLogger({ level: 'error' }),
        lua,
      });
      planes.push({ plane, dir, http, https });
    }
  });
  after(async () => {
    for (const p of planes) {
      await p.plane.close();
      rmSync(p.dir, { recursive: true, force: true });
    }
    for (const b of backends) b.close();
  });

  const send = (port: number, tls: boolean, host: string, path: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const options = {
        host: '127.0.0.1',
        port,
        path,
        agent: false as const,
        headers: { host },
        timeout: 5_000,
        ...(tls ? { servername: host, rejectUnauthorized: false } : {}),
      };
      const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            location: String(res.headers.location ?? '').replace(/:\d+\//, ':PORT/'),
            body,
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });

  test('generated Ingress sets, requests over HTTP and HTTPS (seeded)', async () => {
    const rand = prng(2027);
    const statuses = new Map<number, number>();
    for (let round = 0; round < 4; round++) {
      const t = buildRoutes([...generatedIngresses(rand), ODD_INGRESS], sources(ports));
      for (const p of planes) await p.plane.apply(t);
      // Generated requests, and request targets nginx normalises before either matches.
      const odd = ODD_TARGETS.map((path) => ({ host: 'odd.example.com', path, raw: true }));
      for (const q of [...generatedRequests(rand, 40), ...odd]) {
        const tls = rand() < 0.3;
        const path = 'raw' in q ? q.path : encodeURI(q.path);
        const [withLua, without] = await Promise.all(
          planes.map((p) => send(tls ? p.https : p.http, tls, q.host, path)),
        );
        assert.deepEqual(
          withLua,
          without,
          `round ${round}: ${tls ? 'https' : 'http'}://${q.host}${path}`,
        );
        const status = withLua?.status ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }
    // Every kind of answer was compared: routed, redirected, nginx's 404 and 503 pages.
    assert.deepEqual(
      [...statuses.keys()].sort(),
      [200, 308, 404, 503],
      JSON.stringify([...statuses]),
    );
  });
});
