import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../errors.js';
import type { FieldError, KubeObject, StrategyContext } from '../types.js';
import {
  prepareForStatusUpdate,
  replicaSetResource,
  replicaSetRow,
  scaleSelector,
  validateStatusUpdate,
} from './replicaset.js';
import type { Obj } from './podspec/index.js';

const now = new Date('2026-01-10T12:00:00Z');
const ctx: StrategyContext = { namespace: 'default', now };
const s = replicaSetResource.strategy;

function create(rs: KubeObject): FieldError[] {
  rs.metadata.namespace ??= 'default';
  s.defaults?.(rs, ctx);
  s.prepareForCreate?.(rs, ctx);
  return s.validate?.(rs, ctx) ?? [];
}

const replicaSet = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web-5d4f', creationTimestamp: new Date(now.getTime() - 90_000).toISOString() },
  spec: {
    selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f' } },
    template: {
      metadata: { labels: { app: 'web', 'pod-template-hash': '5d4f' } },
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1.27' },
          { name: 'log', image: 'busybox' },
        ],
      },
    },
  },
});

void test('replicas default to 1; status starts at zero replicas', () => {
  const rs = replicaSet();
  assert.deepEqual(create(rs), []);
  assert.equal((rs.spec as Obj).replicas, 1);
  assert.deepEqual(rs.status, { replicas: 0 });
  assert.equal(rs.metadata.generation, 1);
});

void test('selector and template rules, with the messages of kube-apiserver', () => {
  const rs = replicaSet();
  const spec = rs.spec as Obj;
  spec.replicas = -2;
  spec.selector = { matchLabels: { app: 'other' } };
  (spec.template as { spec: Obj }).spec.activeDeadlineSeconds = 10;
  const errs = create(rs);
  assert.deepEqual(
    errs.map((e) => [e.field, e.type, e.detail]),
    [
      ['spec.replicas', 'FieldValueInvalid', 'must be greater than or equal to 0'],
      [
        'spec.template.metadata.labels',
        'FieldValueInvalid',
        '`selector` does not match template `labels`',
      ],
      [
        'spec.template.spec.activeDeadlineSeconds',
        'FieldValueForbidden',
        'activeDeadlineSeconds in ReplicaSet is not Supported',
      ],
    ],
  );
  assert.match(
    invalid('ReplicaSet', 'apps', 'web-5d4f', errs).message,
    /^ReplicaSet\.apps "web-5d4f" is invalid: \[spec\.replicas: Invalid value: -2: must be greater than or equal to 0, /,
  );
});

void test('the selector is immutable; status is kept on update and counters are checked', () => {
  const old = replicaSet();
  create(old);
  old.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
  const next = structuredClone(old);
  (next.spec as Obj).selector = { matchLabels: { app: 'web' } };
  next.status = {};
  s.prepareForUpdate?.(next, old, ctx);
  assert.deepEqual(next.status, old.status);
  assert.deepEqual(
    (s.validateUpdate?.(next, old, ctx) ?? []).map((e) => [e.field, e.detail]),
    [['spec.selector', 'field is immutable']],
  );
  const status = structuredClone(old);
  (status.spec as Obj).replicas = 7;
  status.status = { replicas: 1, readyReplicas: 1, availableReplicas: 2 };
  prepareForStatusUpdate(status, old);
  assert.deepEqual(status.spec, old.spec);
  assert.deepEqual(
    validateStatusUpdate(status, old).map((e) => [e.field, e.detail]),
    [
      ['status.availableReplicas', 'cannot be greater than status.replicas'],
      ['status.availableReplicas', 'cannot be greater than readyReplicas'],
    ],
  );
});

void test('printer and selectable fields', () => {
  const rs = replicaSet();
  create(rs);
  (rs.spec as Obj).replicas = 3;
  rs.status = { replicas: 3, readyReplicas: 1 };
  assert.deepEqual(replicaSetRow(rs, now), [
    'web-5d4f',
    3,
    3,
    1,
    '90s',
    'nginx,log',
    'nginx:1.27,busybox',
    'app=web,pod-template-hash=5d4f',
  ]);
  assert.deepEqual(s.selectableFields?.(rs), { 'status.replicas': '3' });
  assert.equal(scaleSelector(rs), 'app=web,pod-template-hash=5d4f');
  (rs.spec as Obj).selector = {
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['b', 'a'] },
      { key: 'app', operator: 'Exists' },
    ],
  };
  assert.equal(replicaSetRow(rs, now)[7], 'app,tier in (a,b)');
});
