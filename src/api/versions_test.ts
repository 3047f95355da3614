import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDef, StrategyContext } from './types.js';
import { STANDARD_VERBS } from './types.js';
import { deprecationWarning, servedVersion, type VersionConversion } from './versions.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:00:00Z') };

/** A toy kind stored as `example.com/v1` with `spec.size`, served as v1beta1 with `spec.count`. */
const calls: string[] = [];
const stored: ResourceDef = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  plural: 'widgets',
  singular: 'widget',
  namespaced: true,
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  strategy: {
    defaults: (obj) => {
      calls.push(`stored defaults ${JSON.stringify(obj.spec)}`);
      const spec = obj.spec as Record<string, unknown>;
      spec['size'] ??= 1;
    },
    validate: (obj) =>
      (obj.spec as { size: number }).size > 10
        ? [{ type: 'FieldValueInvalid', field: 'spec.size', badValue: 11, detail: 'too big' }]
        : [],
    selectableFields: (obj) => ({ 'spec.size': String((obj.spec as { size?: number }).size) }),
    columns: [
      { name: 'Name', type: 'string' },
      { name: 'Size', type: 'integer' },
    ],
    row: (obj) => [obj.metadata.name, (obj.spec as { size: number }).size],
    tracksGeneration: true,
  },
  statusStrategy: {
    prepareForUpdate: (obj, old) => {
      obj.spec = structuredClone(old.spec);
    },
    validateUpdate: () => [],
  },
};

const rename = (obj: KubeObject, from: string, to: string, apiVersion: string): KubeObject => {
  const out = structuredClone(obj);
  out.apiVersion = apiVersion;
  const spec = out.spec as Record<string, unknown> | undefined;
  if (spec && from in spec) {
    spec[to] = spec[from];
    delete spec[from];
  }
  return out;
};

const beta: VersionConversion = {
  group: 'example.com',
  version: 'v1beta1',
  toStorage: (o) => rename(o, 'count', 'size', 'example.com/v1'),
  fromStorage: (o) => rename(o, 'size', 'count', 'example.com/v1beta1'),
  defaults: (obj) => {
    calls.push('served defaults');
    (obj.spec as Record<string, unknown>)['mode'] ??= 'fast';
  },
  lifecycle: {
    deprecated: [1, 20],
    removed: [1, 25],
    replacement: { group: 'example.com', version: 'v1', kind: 'Widget' },
  },
};

const widget = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'example.com/v1beta1',
  kind: 'Widget',
  metadata: { name: 'w' },
  spec,
});

void describe('servedVersion', () => {
  const def = servedVersion(stored, beta);

  void it('serves from the stored version’s storage, with kube’s deprecation warning', () => {
    assert.equal(def.version, 'v1beta1');
    assert.deepEqual(def.storageOf, { group: 'example.com', plural: 'widgets' });
    assert.deepEqual(def.deprecation, {
      warning:
        'example.com/v1beta1 Widget is deprecated in v1.20+, unavailable in v1.25+; use example.com/v1 Widget',
      removedRelease: '1.25',
    });
    assert.equal(stored.deprecation, undefined);
    assert.throws(() => servedVersion(def, beta), /served from another's storage/);
  });

  void it('runs its own defaults first, then the stored strategy on the stored shape', () => {
    calls.length = 0;
    const obj = widget({ count: 3 });
    def.strategy.defaults?.(obj, ctx);
    assert.deepEqual(calls, ['served defaults', 'stored defaults {"mode":"fast","size":3}']);
    assert.deepEqual(obj.spec, { mode: 'fast', count: 3 });
    assert.equal(obj.apiVersion, 'example.com/v1beta1');
    assert.deepEqual(
      def.strategy.validate?.(widget({ count: 11 }), ctx).map((e) => e.field),
      ['spec.size'],
    );
    assert.deepEqual(def.strategy.selectableFields?.(widget({ count: 4 })), { 'spec.size': '4' });
    assert.deepEqual(def.strategy.row?.(widget({ count: 5 }), ctx.now), ['w', 5]);
    assert.equal(def.strategy.columns, stored.strategy.columns);
    assert.equal(def.strategy.tracksGeneration, true);
  });

  void it('converts both objects for the status strategy', () => {
    const obj = widget({ count: 9 });
    def.statusStrategy?.prepareForUpdate(obj, widget({ count: 2 }));
    assert.deepEqual(obj.spec, { count: 2 });
  });
});

void describe('deprecationWarning', () => {
  void it('words each part as kube-apiserver does, leaving out what is not known', () => {
    const gvk = { group: '', version: 'v1beta1', kind: 'Thing' };
    assert.equal(
      deprecationWarning(gvk, { deprecated: [1, 9] }),
      'v1beta1 Thing is deprecated in v1.9+',
    );
    assert.equal(
      deprecationWarning(
        { group: 'extensions', version: 'v1beta1', kind: 'Ingress' },
        {
          deprecated: [1, 14],
          removed: [1, 22],
          replacement: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' },
        },
      ),
      'extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress',
    );
  });
});
