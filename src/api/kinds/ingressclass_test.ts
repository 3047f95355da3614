import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { ingressClassResource } from './ingressclass.js';

const ctx: StrategyContext = { namespace: '', now: new Date('2024-01-01T00:02:00Z') };
const s = ingressClassResource.strategy;
const ic = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'skiff', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec,
});
const create = (obj: KubeObject): string[] => {
  s.defaults?.(obj, ctx);
  return (s.validate?.(obj, ctx) ?? []).map(fieldErrorText);
};

void describe('IngressClass', () => {
  void it('validates the controller and defaults the parameters scope', () => {
    const obj = ic({
      controller: 'skiff.dev/ingress',
      parameters: { kind: 'IngressParameters', name: 'p', apiGroup: 'skiff.dev' },
    });
    assert.deepEqual(create(obj), []);
    assert.equal(
      ((obj.spec as Record<string, unknown>).parameters as Record<string, unknown>).scope,
      'Cluster',
    );
    assert.deepEqual(create(ic({})), ['spec.controller: Required value']);
    assert.deepEqual(create(ic({ controller: 'nginx' })), [
      'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
    ]);
    assert.deepEqual(
      create(
        ic({ controller: 'a.io/x', parameters: { kind: 'K', name: 'n', scope: 'Namespace' } }),
      ),
      ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"],
    );
  });

  void it('keeps the controller immutable and prints parameters', () => {
    const old = ic({ controller: 'a.io/x' });
    assert.deepEqual(
      (s.validateUpdate?.(ic({ controller: 'b.io/x' }), old, ctx) ?? []).map(fieldErrorText),
      ['spec.controller: Invalid value: "b.io/x": field is immutable'],
    );
    const obj = ic({
      controller: 'skiff.dev/ingress',
      parameters: { kind: 'IngressParameters', name: 'p', apiGroup: 'skiff.dev' },
    });
    assert.deepEqual(s.row?.(obj, ctx.now), [
      'skiff',
      'skiff.dev/ingress',
      'IngressParameters.skiff.dev/p',
      '2m',
    ]);
    assert.deepEqual(s.row?.(ic({ controller: 'skiff.dev/ingress' }), ctx.now), [
      'skiff',
      'skiff.dev/ingress',
      '<none>',
      '2m',
    ]);
    assert.equal(ingressClassResource.namespaced, false);
  });
});
