import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../errors.js';
import type { FieldError, KubeObject, StrategyContext } from '../types.js';
import {
  replicationControllerResource,
  replicationControllerRow,
  scaleSelector,
} from './replicationcontroller.js';
import type { Obj } from './podspec/index.js';

const now = new Date('2026-01-10T12:00:00Z');
const ctx: StrategyContext = { namespace: 'default', now };
const s = replicationControllerResource.strategy;

function create(rc: KubeObject): FieldError[] {
  rc.metadata.namespace ??= 'default';
  s.defaults?.(rc, ctx);
  s.prepareForCreate?.(rc, ctx);
  return s.validate?.(rc, ctx) ?? [];
}

const controller = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'web', creationTimestamp: new Date(now.getTime() - 600_000).toISOString() },
  spec: {
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
    },
  },
});

void test('selector, labels and replicas are defaulted from the template', () => {
  const rc = controller();
  assert.deepEqual(create(rc), []);
  const spec = rc.spec as Obj;
  assert.deepEqual(spec.selector, { app: 'web' });
  assert.deepEqual(rc.metadata.labels, { app: 'web' });
  assert.equal(spec.replicas, 1);
  assert.deepEqual(rc.status, { replicas: 0 });
  const template = spec.template as { metadata: Obj; spec: Obj };
  assert.equal(template.metadata.creationTimestamp, null);
  assert.equal(template.spec.restartPolicy, 'Always');
});

void test('an explicit selector and labels are kept', () => {
  const rc = controller();
  rc.metadata.labels = { team: 'a' };
  (rc.spec as Obj).selector = { app: 'web' };
  create(rc);
  assert.deepEqual(rc.metadata.labels, { team: 'a' });
});

void test('validation: template required, restartPolicy Always, selector must match', () => {
  const none: KubeObject = { metadata: { name: 'empty' }, spec: {} };
  assert.equal(
    invalid('ReplicationController', '', 'empty', create(none)).message,
    'ReplicationController "empty" is invalid: [spec.selector: Required value, spec.template: Required value]',
  );
  const rc = controller();
  const spec = rc.spec as Obj;
  spec.selector = { app: 'other' };
  (spec.template as { spec: Obj }).spec.restartPolicy = 'OnFailure';
  assert.deepEqual(
    create(rc).map((e) => [e.field, e.detail ?? e.supported?.join(',')]),
    [
      ['spec.template.metadata.labels', '`selector` does not match template `labels`'],
      ['spec.template.spec.restartPolicy', 'Always'],
    ],
  );
});

void test('the selector of a replication controller may change; status is kept on update', () => {
  const old = controller();
  create(old);
  old.status = { replicas: 1 };
  const next = structuredClone(old);
  (next.spec as Obj).selector = {};
  next.status = { replicas: 5 };
  s.prepareForUpdate?.(next, old, ctx);
  assert.deepEqual(next.status, { replicas: 1 });
  assert.deepEqual(s.validateUpdate?.(next, old, ctx), []);
});

void test('printer, selectable fields and scale selector', () => {
  const rc = controller();
  create(rc);
  rc.status = { replicas: 1, readyReplicas: 1 };
  assert.deepEqual(replicationControllerRow(rc, now), [
    'web',
    1,
    1,
    1,
    '10m',
    'nginx',
    'nginx',
    'app=web',
  ]);
  assert.deepEqual(s.selectableFields?.(rc), { 'status.replicas': '1' });
  assert.equal(scaleSelector(rc), 'app=web');
  (rc.spec as Obj).selector = {};
  assert.equal(replicationControllerRow(rc, now)[7], '<none>');
});
