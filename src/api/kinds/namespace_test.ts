import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import {
  namespaceResource,
  prepareForFinalizeUpdate,
  prepareForStatusUpdate,
  validateNamespaceFinalizeUpdate,
  validateNamespaceStatusUpdate,
} from './namespace.js';

const ctx: StrategyContext = { namespace: '', now: new Date('2024-01-01T01:00:00Z') };
const s = namespaceResource.strategy;
const ns = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, creationTimestamp: '2024-01-01T00:00:00Z' },
  ...extra,
});
const create = (obj: KubeObject): string[] => {
  s.defaults?.(obj, ctx);
  s.prepareForCreate?.(obj, ctx);
  return (s.validate?.(obj, ctx) ?? []).map(fieldErrorText);
};

void describe('Namespace', () => {
  void it('gets the name label, the kubernetes finalizer and phase Active', () => {
    const obj = ns('team-a', { status: { phase: 'Terminating' } });
    assert.deepEqual(create(obj), []);
    assert.deepEqual(obj.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });
    assert.deepEqual(obj.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(obj.status, { phase: 'Active' });
  });

  void it('keeps other finalizers and adds kubernetes after them', () => {
    const obj = ns('team-b', { spec: { finalizers: ['example.com/cleanup'] } });
    assert.deepEqual(create(obj), []);
    assert.deepEqual((obj.spec as Record<string, unknown>).finalizers, [
      'example.com/cleanup',
      'kubernetes',
    ]);
  });

  void it('uses DNS-1123 label names and checks finalizer names', () => {
    const errs = create(ns('Team.A'));
    assert.equal(errs.length, 1);
    assert.match(
      errs[0] ?? '',
      /^metadata\.name: Invalid value: "Team\.A": a lowercase RFC 1123 label must consist/,
    );
    assert.deepEqual(create(ns('ok', { spec: { finalizers: ['custom'] } })), [
      'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  void it('keeps finalizers and status on a main update; status and finalize writes touch only their part', () => {
    const old = ns('team-a');
    create(old);
    const next = ns('team-a', { spec: { finalizers: [] }, status: { phase: 'Terminating' } });
    s.defaults?.(next, ctx);
    s.prepareForUpdate?.(next, old, ctx);
    assert.deepEqual(next.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(next.status, { phase: 'Active' });

    const fin = ns('team-a', { spec: { finalizers: [] }, status: { phase: 'Terminating' } });
    prepareForFinalizeUpdate(fin, old);
    assert.deepEqual(fin.spec, { finalizers: [] });
    assert.deepEqual(fin.status, { phase: 'Active' });
    assert.deepEqual(
      validateNamespaceFinalizeUpdate(ns('x', { spec: { finalizers: ['bad'] } })).map(
        fieldErrorText,
      ),
      [
        'spec.finalizers[0]: Invalid value: "bad": name is neither a standard finalizer name nor is it fully qualified',
      ],
    );

    const st = ns('team-a', { spec: { finalizers: [] }, status: { phase: 'Terminating' } });
    prepareForStatusUpdate(st, old);
    assert.deepEqual(st.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(validateNamespaceStatusUpdate(st).map(fieldErrorText), [
      'status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty',
    ]);
  });

  void it('prints name, status and age and selects by status.phase', () => {
    const obj = ns('default');
    create(obj);
    assert.deepEqual(s.row?.(obj, ctx.now), ['default', 'Active', '60m']);
    assert.deepEqual(
      s.columns?.map((c) => c.name),
      ['Name', 'Status', 'Age'],
    );
    assert.deepEqual(s.selectableFields?.(obj), { 'status.phase': 'Active', name: 'default' });
    assert.equal(namespaceResource.namespaced, false);
    assert.deepEqual(namespaceResource.shortNames, ['ns']);
    assert.deepEqual(
      namespaceResource.subresources?.map((r) => r.name),
      ['finalize', 'status'],
    );
  });
});
