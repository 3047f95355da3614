import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { isOurs } from './controller.js';
import { buildRoutes, ownerOf, type RouteSources } from './routes.js';

const cls = (name: string, controller: string, isDefault = false): KubeObject => ({
  metadata: {
    name,
    ...(isDefault
      ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }
      : {}),
  },
  spec: { controller },
});
const ing = (
  spec: Record<string, unknown>,
  annotations: Record<string, string> = {},
): KubeObject => ({
  metadata: { namespace: 'default', name: 'x', annotations },
  spec,
});

test('isOurs: our class by name or annotation; class-less only while ours is the default', () => {
  const skiff = cls('skiff', 'skiff.dev/ingress-controller', true);
  const other = cls('nginx', 'k8s.io/ingress-nginx');
  assert.equal(isOurs(ing({ ingressClassName: 'skiff' }), [skiff, other]), true);
  assert.equal(isOurs(ing({ ingressClassName: 'nginx' }), [skiff, other]), false);
  assert.equal(isOurs(ing({ ingressClassName: 'gone' }), [skiff, other]), false);
  assert.equal(isOurs(ing({}, { 'kubernetes.io/ingress.class': 'skiff' }), [skiff]), true);
  assert.equal(isOurs(ing({}, { 'kubernetes.io/ingress.class': 'nginx' }), [skiff]), false);
  assert.equal(isOurs(ing({}), [skiff, other]), true);
  assert.equal(isOurs(ing({}), [cls('skiff', 'skiff.dev/ingress-controller'), other]), false);
  assert.equal(isOurs(ing({}), []), false);
});

const none: RouteSources = {
  service: (ns, name) => ({
    metadata: { namespace: ns, name },
    spec: { ports: [{ name: 'http', port: 80 }] },
  }),
  slices: () => [],
  certificate: () => ({ problem: 'unused' }),
  defaultCertificate: { id: 'default', pem: '' },
};
const rule = (host: string, path: string, service: string) => ({
  host,
  http: {
    paths: [
      { path, pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } },
    ],
  },
});
const at = (name: string, ts: string, spec: Record<string, unknown>): KubeObject => ({
  metadata: { namespace: 'default', name, creationTimestamp: ts, uid: name },
  spec,
});

test('buildRoutes: the oldest Ingress keeps a conflicting path and the default backend', () => {
  const t = buildRoutes(
    [
      at('young', '2026-02-01T00:00:00Z', {
        defaultBackend: { service: { name: 'b', port: { number: 80 } } },
        rules: [rule('a.example.com', '/x/', 'young')],
      }),
      at('old', '2026-01-01T00:00:00Z', {
        defaultBackend: { service: { name: 'a', port: { number: 80 } } },
        rules: [rule('A.example.com', '/x', 'old')],
      }),
    ],
    none,
  );
  assert.deepEqual(
    t.problems.map((p) => [p.name, p.reason]),
    [
      ['young', 'Conflict'],
      ['young', 'Conflict'],
    ],
  );
  const host = t.hosts.find((h) => h.host === 'a.example.com');
  assert.deepEqual(
    host?.routes.map((r) => [r.path, r.type, r.target.kind === 'service' && r.target.name]),
    [['/x', 'Prefix', 'default/old:80']],
  );
  // A catch-all server for the default backend of the oldest Ingress.
  const catchAll = t.hosts.find((h) => h.host === '');
  assert.deepEqual(catchAll?.fallback, { kind: 'service', name: 'default/a:80', endpoints: [] });
});

test('buildRoutes: only ready endpoints, by the slice port of the service port name', () => {
  const t = buildRoutes([at('i', '2026-01-01T00:00:00Z', { rules: [rule('h', '/', 's')] })], {
    ...none,
    slices: () => [
      {
        metadata: { name: 's-1' },
        addressType: 'IPv4',
        ports: [
          { name: 'other', port: 9999, protocol: 'TCP' },
          { name: 'http', port: 8080, protocol: 'TCP' },
        ],
        endpoints: [
          { addresses: ['10.244.0.3'], conditions: { ready: true } },
          { addresses: ['10.244.0.2'] },
          { addresses: ['10.244.0.4'], conditions: { ready: false } },
        ],
      },
      {
        metadata: { name: 's-2' },
        addressType: 'IPv6',
        ports: [],
        endpoints: [{ addresses: ['fd00::1'] }],
      },
    ],
  });
  assert.deepEqual(t.hosts[0]?.routes[0]?.target, {
    kind: 'service',
    name: 'default/s:80',
    endpoints: [
      { ip: '10.244.0.2', port: 8080 },
      { ip: '10.244.0.3', port: 8080 },
    ],
  });
});

test('ownerOf: the Ingress that routes a request (for events about refused requests)', () => {
  const t = buildRoutes(
    [
      at('old', '2026-01-01T00:00:00Z', {
        defaultBackend: { service: { name: 'd', port: { number: 80 } } },
        rules: [rule('a.example.com', '/', 'a'), rule('*.wild.example.com', '/', 'w')],
      }),
      at('young', '2026-02-01T00:00:00Z', {
        rules: [rule('a.example.com', '/api', 'api'), rule('b.example.com', '/x', 'b')],
      }),
    ],
    none,
  );
  assert.equal(ownerOf(t, 'a.example.com', '/page'), 'default/old');
  assert.equal(ownerOf(t, 'A.example.com:8080', '/api/v1?q=1'), 'default/young');
  assert.equal(ownerOf(t, 'a.example.com', '/apis'), 'default/old');
  // A path no rule of the host has: the host's oldest Ingress.
  assert.equal(ownerOf(t, 'b.example.com', '/other'), 'default/young');
  assert.equal(ownerOf(t, 'x.wild.example.com', '/'), 'default/old');
  // Two labels are not the wildcard's: the catch-all, which has the default backend.
  assert.equal(ownerOf(t, 'x.y.wild.example.com', '/'), 'default/old');
  assert.equal(ownerOf(t, 'unknown.example.com', '/'), 'default/old');
  assert.equal(ownerOf(buildRoutes([], none), 'a.example.com', '/'), undefined);
});
