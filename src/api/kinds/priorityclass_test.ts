import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { SYSTEM_PRIORITY_CLASSES, priorityClassResource } from './priorityclass.js';

const ctx: StrategyContext = { namespace: '', now: new Date('2024-01-01T00:02:00Z') };
const s = priorityClassResource.strategy;
const pc = (name: string, fields: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  metadata: { name, creationTimestamp: '2024-01-01T00:00:00Z' },
  ...fields,
});
const create = (obj: KubeObject): string[] => {
  s.defaults?.(obj, ctx);
  return (s.validate?.(obj, ctx) ?? []).map(fieldErrorText);
};
const update = (obj: KubeObject, old: KubeObject): string[] => {
  s.defaults?.(obj, ctx);
  s.defaults?.(old, ctx);
  return (s.validateUpdate?.(obj, old, ctx) ?? []).map(fieldErrorText);
};

void describe('PriorityClass', () => {
  void it('is served as scheduling.k8s.io/v1 priorityclasses, cluster-scoped, short name pc', () => {
    assert.equal(priorityClassResource.group, 'scheduling.k8s.io');
    assert.equal(priorityClassResource.version, 'v1');
    assert.equal(priorityClassResource.plural, 'priorityclasses');
    assert.equal(priorityClassResource.namespaced, false);
    assert.deepEqual(priorityClassResource.shortNames, ['pc']);
  });

  void it('defaults preemptionPolicy and reads back false and empty fields as absent', () => {
    const obj = pc('high', { value: 1000, globalDefault: false, description: '' });
    assert.deepEqual(create(obj), []);
    assert.equal(obj['preemptionPolicy'], 'PreemptLowerPriority');
    assert.equal('globalDefault' in obj, false);
    assert.equal('description' in obj, false);
    const none = pc('zero');
    assert.deepEqual(create(none), []);
    assert.equal(none['value'], 0);
  });

  void it('refuses user classes above 1000000000 and unknown preemption policies', () => {
    assert.deepEqual(create(pc('top', { value: 1000000000 })), []);
    assert.deepEqual(create(pc('top', { value: -5 })), []);
    assert.deepEqual(create(pc('over', { value: 1000000001 })), [
      'value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
    ]);
    assert.deepEqual(create(pc('p', { value: 1, preemptionPolicy: 'Sometimes' })), [
      'preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"',
    ]);
    assert.deepEqual(create(pc('p', { value: 1, preemptionPolicy: '' })), [
      'preemptionPolicy: Required value',
    ]);
    assert.deepEqual(create(pc('Bad_Name', { value: 1 })), [
      "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });

  void it('reserves the system- prefix for the system classes, as they are', () => {
    for (const sys of SYSTEM_PRIORITY_CLASSES)
      assert.deepEqual(create(structuredClone(sys) as KubeObject), []);
    assert.deepEqual(create(pc('system-mine', { value: 5 })), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    ]);
    assert.deepEqual(create(pc('system-node-critical', { value: 5 })), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
    ]);
    assert.deepEqual(
      create(pc('system-cluster-critical', { value: 2000000000, globalDefault: true })),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
      ],
    );
  });

  void it('keeps value and preemptionPolicy fixed on update', () => {
    const old = pc('high', { value: 1000 });
    assert.deepEqual(update(pc('high', { value: 1000, description: 'now described' }), old), []);
    assert.deepEqual(update(pc('high', { value: 2000 }), old), [
      'value: Forbidden: may not be changed in an update.',
    ]);
    assert.deepEqual(update(pc('high', { value: 1000, preemptionPolicy: 'Never' }), old), [
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
  });

  void it('prints NAME, VALUE, GLOBAL-DEFAULT, AGE and PREEMPTIONPOLICY as kube-apiserver', () => {
    assert.deepEqual(
      s.columns?.map((c) => [c.name, c.type, c.priority ?? 0]),
      [
        ['Name', 'string', 0],
        ['Value', 'integer', 0],
        ['Global-Default', 'boolean', 0],
        ['Age', 'string', 0],
        ['PreemptionPolicy', 'string', 0],
      ],
    );
    const obj = pc('high', { value: 1000, globalDefault: true, preemptionPolicy: 'Never' });
    assert.deepEqual(s.row?.(obj, ctx.now), ['high', 1000, true, '2m', 'Never']);
    const plain = pc('low', { value: -1 });
    s.defaults?.(plain, ctx);
    assert.deepEqual(s.row?.(plain, ctx.now), ['low', -1, false, '2m', 'PreemptLowerPriority']);
  });
});
