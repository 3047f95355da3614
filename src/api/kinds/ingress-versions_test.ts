import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { ingressResource } from './ingress.js';
import {
  defaultV1beta1Ingress,
  ingressFromV1,
  ingressToV1,
  legacyIngressResources,
} from './ingress-versions.js';
import { prng as mulberry32 } from '../../../test/support/prng.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:00:20Z') };
const meta = { name: 'kubia', namespace: 'default' };
const EXT = 'extensions/v1beta1';

/** Seed 001's kubia-ingress-tls.yaml, as written. */
const seedTls = (): KubeObject => ({
  apiVersion: EXT,
  kind: 'Ingress',
  metadata: { name: 'kubia' },
  spec: {
    tls: [{ hosts: ['kubia.example.com'], secretName: 'tls-secret' }],
    rules: [
      {
        host: 'kubia.example.com',
        http: {
          paths: [{ path: '/', backend: { serviceName: 'kubia-nodeport', servicePort: 80 } }],
        },
      },
    ],
  },
});

void describe('Ingress v1beta1 ⇄ v1', () => {
  void it("converts seed 001's manifest to v1, defaults first", () => {
    const obj = seedTls();
    defaultV1beta1Ingress(obj);
    assert.deepEqual(ingressToV1(obj), {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'kubia' },
      spec: {
        tls: [{ hosts: ['kubia.example.com'], secretName: 'tls-secret' }],
        rules: [
          {
            host: 'kubia.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  backend: { service: { name: 'kubia-nodeport', port: { number: 80 } } },
                  pathType: 'ImplementationSpecific',
                },
              ],
            },
          },
        ],
      },
    });
  });

  void it('maps backend to defaultBackend and port names to servicePort strings', () => {
    const v1: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta,
      spec: {
        ingressClassName: 'skiff',
        defaultBackend: { service: { name: 'web', port: { name: 'http' } } },
      },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
    };
    const beta = ingressFromV1(v1, 'networking.k8s.io/v1beta1');
    assert.deepEqual(beta, {
      apiVersion: 'networking.k8s.io/v1beta1',
      kind: 'Ingress',
      metadata: meta,
      spec: { ingressClassName: 'skiff', backend: { serviceName: 'web', servicePort: 'http' } },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
    });
    assert.deepEqual(ingressToV1(beta), v1);
  });

  void it('keeps resource backends, with the servicePort Go always writes', () => {
    const resource = { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' };
    const v1: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta,
      spec: { defaultBackend: { resource } },
    };
    const beta = ingressFromV1(v1, EXT);
    assert.deepEqual(beta.spec, { backend: { servicePort: 0, resource } });
    assert.deepEqual(ingressToV1(beta), v1);
    // A string port, even empty, or a name alone makes a service backend (kube's rule).
    const backend = (b: Record<string, unknown>): unknown =>
      (
        ingressToV1({ apiVersion: EXT, kind: 'Ingress', metadata: meta, spec: { backend: b } })
          .spec as Record<string, unknown>
      ).defaultBackend;
    assert.deepEqual(backend({ servicePort: '' }), { service: { name: '', port: {} } });
    assert.deepEqual(backend({ serviceName: 'a' }), { service: { name: 'a', port: {} } });
    assert.deepEqual(backend({ servicePort: 0 }), {});
  });

  void it('leaves paths with a pathType and objects without rules alone when defaulting', () => {
    const obj: KubeObject = {
      metadata: meta,
      spec: { rules: [{ host: 'a' }, { http: { paths: [{ pathType: 'Exact', path: '/x' }] } }] },
    };
    defaultV1beta1Ingress(obj);
    assert.deepEqual(obj.spec, {
      rules: [{ host: 'a' }, { http: { paths: [{ pathType: 'Exact', path: '/x' }] } }],
    });
    const empty: KubeObject = { metadata: meta };
    defaultV1beta1Ingress(empty);
    assert.deepEqual(empty, { metadata: meta });
  });

  void it('drops ipMode, which v1 load-balancer entries do not have', () => {
    const beta: KubeObject = {
      apiVersion: EXT,
      kind: 'Ingress',
      metadata: meta,
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1', ipMode: 'VIP' }] } },
    };
    assert.deepEqual(ingressToV1(beta).status, { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } });
  });

  void it('validates a v1beta1 object as v1, with v1 field paths', () => {
    const [, ext] = legacyIngressResources(ingressResource);
    assert.ok(ext);
    const obj: KubeObject = {
      apiVersion: EXT,
      kind: 'Ingress',
      metadata: meta,
      spec: { rules: [{ http: { paths: [{ path: 'x', backend: { serviceName: 'Bad_Name' } }] } }] },
    };
    ext.strategy.defaults?.(obj, ctx);
    ext.strategy.prepareForCreate?.(obj, ctx);
    assert.deepEqual((ext.strategy.validate?.(obj, ctx) ?? []).map(fieldErrorText), [
      'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path',
      `spec.rules[0].http.paths[0].backend.service.name: Invalid value: "Bad_Name": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
      'spec.rules[0].http.paths[0].backend: Required value: port name or number is required',
    ]);
    // prepareForCreate ran on the stored shape and came back in this version's.
    assert.deepEqual(obj.status, { loadBalancer: {} });
    assert.equal(obj.apiVersion, EXT);
  });

  void it('round-trips random objects (seeded): v1 → v1beta1 → v1 is exact', () => {
    const next = mulberry32(0x1ec5);
    for (let i = 0; i < 400; i++) {
      const v1 = randomV1(next, i);
      for (const apiVersion of [EXT, 'networking.k8s.io/v1beta1']) {
        const beta = ingressFromV1(v1, apiVersion);
        assert.equal(beta.apiVersion, apiVersion);
        assert.deepEqual(ingressToV1(beta), v1, `case ${i} through ${apiVersion}`);
        // The same key order: a no-op write through v1beta1 stays a no-op.
        assert.equal(JSON.stringify(ingressToV1(beta)), JSON.stringify(v1), `order, case ${i}`);
        // And v1beta1 → v1 → v1beta1 is exact on what the server hands out.
        assert.deepEqual(ingressFromV1(ingressToV1(beta), apiVersion), beta, `case ${i} back`);
      }
    }
  });
});

/** A v1 Ingress using every field, each present or not at random (service names non-empty). */
function randomV1(next: () => number, i: number): KubeObject {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const maybe = (p = 0.5): boolean => next() < p;
  const name = (): string => pick(['web', 'api', 'kubia', 'a-b', 'x1']);
  const backend = (): Record<string, unknown> => {
    if (maybe(0.2))
      return {
        resource: {
          ...(maybe() ? { apiGroup: 'k8s.example.com' } : {}),
          kind: 'Bucket',
          name: name(),
        },
      };
    const port = maybe()
      ? { number: 1 + Math.floor(next() * 65535) }
      : { name: pick(['http', 'web']) };
    return { service: { name: name(), port } };
  };
  const path = (): Record<string, unknown> => ({
    ...(maybe(0.8) ? { path: pick(['/', '/a', '/a/b', '/kubia']) } : {}),
    pathType: pick(['Exact', 'Prefix', 'ImplementationSpecific']),
    backend: backend(),
  });
  const rule = (): Record<string, unknown> => ({
    ...(maybe(0.8)
      ? { host: pick(['kubia.example.com', '*.example.com', 'foo.example.com']) }
      : {}),
    ...(maybe(0.9)
      ? { http: { paths: Array.from({ length: 1 + Math.floor(next() * 3) }, path) } }
      : {}),
  });
  const spec: Record<string, unknown> = {};
  if (maybe()) spec.ingressClassName = pick(['skiff', 'nginx']);
  if (maybe()) spec.defaultBackend = backend();
  if (maybe())
    spec.tls = [
      {
        ...(maybe() ? { hosts: ['kubia.example.com'] } : {}),
        ...(maybe() ? { secretName: 'tls' } : {}),
      },
    ];
  if (maybe(0.8)) spec.rules = Array.from({ length: Math.floor(next() * 4) }, rule);
  const obj: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `ing-${i}`,
      namespace: 'default',
      ...(maybe() ? { labels: { a: 'b' } } : {}),
    },
    spec,
  };
  if (maybe())
    obj.status = {
      loadBalancer: maybe()
        ? {
            ingress: [
              { ip: '10.0.0.1', ports: [{ port: 80, protocol: 'TCP' }] },
              { hostname: 'lb.example.com' },
            ],
          }
        : {},
    };
  return obj;
}
