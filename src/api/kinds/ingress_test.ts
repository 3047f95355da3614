import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { ingressResource, prepareForStatusUpdate } from './ingress.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:00:20Z') };
const s = ingressResource.strategy;
const backend = { service: { name: 'kubia', port: { number: 80 } } };
const ing = (spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'kubia', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec,
  ...extra,
});
const create = (obj: KubeObject): string[] => {
  s.defaults?.(obj, ctx);
  s.prepareForCreate?.(obj, ctx);
  return (s.validate?.(obj, ctx) ?? []).map(fieldErrorText);
};
const rule = (host: string, path: Record<string, unknown>): Record<string, unknown> => ({
  host,
  http: { paths: [{ backend, ...path }] },
});

void describe('Ingress', () => {
  void it('accepts host and path rules and resets status', () => {
    const obj = ing(
      { rules: [rule('kubia.example.com', { path: '/', pathType: 'Prefix' })] },
      { status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } },
    );
    assert.deepEqual(create(obj), []);
    assert.deepEqual(obj.status, { loadBalancer: {} });
  });

  void it('requires pathType and checks paths', () => {
    assert.deepEqual(create(ing({ rules: [rule('a.example.com', { path: '/' })] })), [
      'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
    ]);
    assert.deepEqual(
      create(ing({ rules: [rule('a.example.com', { path: 'foo', pathType: 'Exact' })] })),
      ['spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path'],
    );
    assert.deepEqual(
      create(ing({ rules: [rule('a.example.com', { path: '/a//b', pathType: 'Prefix' })] })),
      ['spec.rules[0].http.paths[0].path: Invalid value: "/a//b": must not contain \'//\''],
    );
    assert.deepEqual(
      create(ing({ rules: [rule('a.example.com', { path: '/', pathType: 'Regex' })] })),
      [
        'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      ],
    );
  });

  void it('checks hosts, including wildcards and IPs', () => {
    assert.deepEqual(
      create(ing({ rules: [rule('*.example.com', { path: '/', pathType: 'Prefix' })] })),
      [],
    );
    const wild = create(ing({ rules: [rule('foo.*.com', { path: '/', pathType: 'Prefix' })] }));
    assert.equal(wild.length, 1);
    assert.match(
      wild[0] ?? '',
      /^spec\.rules\[0\]\.host: Invalid value: "foo\.\*\.com": a wildcard DNS-1123 subdomain must start with '\*\.'/,
    );
    assert.deepEqual(
      create(ing({ rules: [rule('10.0.0.1', { path: '/', pathType: 'Prefix' })] })),
      ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'],
    );
  });

  void it('requires rules or a default backend, and a port for service backends', () => {
    assert.deepEqual(create(ing({})), [
      'spec: Invalid value: null: either `defaultBackend` or `rules` must be specified',
    ]);
    assert.deepEqual(create(ing({ defaultBackend: { service: { name: 'kubia', port: {} } } })), [
      'spec.defaultBackend: Required value: port name or number is required',
    ]);
    assert.deepEqual(
      create(
        ing({ defaultBackend: { service: { name: 'kubia', port: { name: 'http', number: 80 } } } }),
      ),
      ['spec.defaultBackend: Invalid value: "": cannot set both port name & port number'],
    );
  });

  void it('keeps status on updates and spec on status writes', () => {
    const old = ing(
      { defaultBackend: backend },
      { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } },
    );
    const next = ing({ defaultBackend: backend }, { status: {} });
    s.prepareForUpdate?.(next, old, ctx);
    assert.deepEqual(next.status, old.status);
    const st = ing({}, { status: { loadBalancer: {} } });
    prepareForStatusUpdate(st, old);
    assert.deepEqual(st.spec, old.spec);
    assert.equal(s.tracksGeneration, true);
  });

  void it('prints class, hosts, address and ports', () => {
    const obj = ing(
      {
        ingressClassName: 'skiff',
        rules: [
          rule('a.example.com', {}),
          rule('b.example.com', {}),
          { http: {} },
          rule('c.example.com', {}),
          rule('d.example.com', {}),
        ],
        tls: [{ hosts: ['a.example.com'], secretName: 'tls-secret' }],
      },
      { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } },
    );
    assert.deepEqual(s.row?.(obj, ctx.now), [
      'kubia',
      'skiff',
      'a.example.com,b.example.com,c.example.com + 2 more...',
      '192.0.2.1',
      '80, 443',
      '20s',
    ]);
    assert.deepEqual(s.row?.(ing({ defaultBackend: backend }), ctx.now), [
      'kubia',
      '<none>',
      '*',
      '',
      '80',
      '20s',
    ]);
    assert.deepEqual(ingressResource.shortNames, ['ing']);
  });
});
