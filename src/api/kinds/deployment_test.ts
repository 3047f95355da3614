import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../errors.js';
import type { FieldError, KubeObject, StrategyContext } from '../types.js';
import {
  deploymentResource,
  deploymentRow,
  prepareForStatusUpdate,
  scaleSelector,
  validateStatusUpdate,
} from './deployment.js';
import type { Obj } from './podspec/index.js';

const now = new Date('2026-01-10T12:00:00Z');
const ctx: StrategyContext = { namespace: 'default', now };
const s = deploymentResource.strategy;

function create(d: KubeObject): FieldError[] {
  d.metadata.namespace ??= 'default';
  s.defaults?.(d, ctx);
  s.prepareForCreate?.(d, ctx);
  return s.validate?.(d, ctx) ?? [];
}

const message = (d: KubeObject, errs: FieldError[]): string =>
  invalid('Deployment', 'apps', d.metadata.name ?? '', errs).message;

/** The body `kubectl create deployment web --image=nginx` sends. */
const kubectlCreate = (): KubeObject => ({
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] },
    },
    strategy: {},
  },
  status: {},
});

void test('kubectl create deployment reads back with the defaults kube-apiserver fills', () => {
  const d = kubectlCreate();
  assert.deepEqual(create(d), []);
  assert.deepEqual(d.spec, {
    progressDeadlineSeconds: 600,
    replicas: 1,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'web' } },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        containers: [
          {
            image: 'nginx',
            imagePullPolicy: 'Always',
            name: 'nginx',
            resources: {},
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      },
    },
  });
  assert.deepEqual(d.status, {});
  assert.equal(d.metadata.generation, 1);
});

void test('replicas default to 1 only when absent; Recreate gets no rollingUpdate', () => {
  const d = kubectlCreate();
  const spec = d.spec as Obj;
  spec.replicas = 0;
  spec.strategy = { type: 'Recreate' };
  assert.deepEqual(create(d), []);
  assert.equal(spec.replicas, 0);
  assert.deepEqual(spec.strategy, { type: 'Recreate' });
});

void test('the selector is required and must match the template labels', () => {
  const d = kubectlCreate();
  delete (d.spec as Obj).selector;
  const errs = create(d);
  assert.deepEqual(errs, [
    { type: 'FieldValueRequired', field: 'spec.selector' },
    {
      type: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      badValue: { app: 'web' },
      detail: '`selector` does not match template `labels`',
    },
  ]);
  assert.match(
    message(d, errs),
    /^Deployment\.apps "web" is invalid: \[spec\.selector: Required value, spec\.template\.metadata\.labels: Invalid value: .*"app":"web".*: `selector` does not match template `labels`\]$/,
  );

  const other = kubectlCreate();
  (other.spec as Obj).selector = { matchLabels: { app: 'x' } };
  assert.deepEqual(
    create(other).map((e) => [e.field, e.detail]),
    [['spec.template.metadata.labels', '`selector` does not match template `labels`']],
  );

  const empty = kubectlCreate();
  (empty.spec as Obj).selector = {};
  assert.deepEqual(
    create(empty).map((e) => [e.field, e.detail]),
    [['spec.selector', 'empty selector is invalid for deployment']],
  );

  const expr = kubectlCreate();
  (expr.spec as Obj).selector = {
    matchExpressions: [{ key: 'app', operator: 'Near', values: ['web'] }],
  };
  assert.deepEqual(
    create(expr).map((e) => [e.field, e.detail]),
    [
      ['spec.selector.matchExpressions[0].operator', 'not a valid selector operator'],
      ['spec.selector', 'invalid label selector'],
    ],
  );
});

void test('replicas, strategy, restart policy and deadlines are validated', () => {
  const d = kubectlCreate();
  const spec = d.spec as Obj;
  spec.replicas = -1;
  spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } };
  spec.minReadySeconds = 700;
  (spec.template as { spec: Obj }).spec.restartPolicy = 'Never';
  assert.equal(
    message(d, create(d)),
    'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always", spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0, spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds]',
  );
  const pct = kubectlCreate();
  (pct.spec as Obj).strategy = {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: '150%', maxSurge: 'lots' },
  };
  assert.deepEqual(
    create(pct).map((e) => [e.field, e.detail]),
    [
      [
        'spec.strategy.rollingUpdate.maxSurge',
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      ],
      ['spec.strategy.rollingUpdate.maxUnavailable', 'must not be greater than 100%'],
    ],
  );
  const recreate = kubectlCreate();
  (recreate.spec as Obj).strategy = { type: 'Recreate', rollingUpdate: {} };
  assert.equal(
    message(recreate, create(recreate)),
    'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is \'Recreate\'',
  );
});

void test('updates keep the status, bump the generation on spec or annotation change, refuse selector changes', () => {
  const old = kubectlCreate();
  create(old);
  old.status = { replicas: 1, readyReplicas: 1 };
  const next = structuredClone(old);
  next.metadata.annotations = { 'kubernetes.io/change-cause': 'x' };
  next.status = {};
  s.defaults?.(next, ctx);
  s.prepareForUpdate?.(next, old, ctx);
  assert.deepEqual(next.status, old.status);
  assert.equal(next.metadata.generation, 2);

  const moved = structuredClone(old);
  (moved.spec as Obj).selector = { matchLabels: { app: 'web', tier: 'front' } };
  const errs = s.validateUpdate?.(moved, old, ctx) ?? [];
  assert.deepEqual(errs, [
    {
      type: 'FieldValueInvalid',
      field: 'spec.selector',
      badValue: { matchLabels: { app: 'web', tier: 'front' } },
      detail: 'field is immutable',
    },
  ]);
});

void test('status updates keep spec and labels; counters are validated', () => {
  const old = kubectlCreate();
  create(old);
  const next = structuredClone(old);
  (next.spec as Obj).replicas = 9;
  next.metadata.labels = { changed: 'yes' };
  next.status = { replicas: 1, readyReplicas: 2, availableReplicas: 1 };
  prepareForStatusUpdate(next, old);
  assert.deepEqual(next.spec, old.spec);
  assert.deepEqual(next.metadata.labels, { app: 'web' });
  assert.deepEqual(
    validateStatusUpdate(next, old).map((e) => [e.field, e.detail]),
    [['status.readyReplicas', 'cannot be greater than status.replicas']],
  );
});

void test('printer: Ready, Up-to-date, Available, Age and the wide columns', () => {
  const d = kubectlCreate();
  create(d);
  d.metadata.creationTimestamp = new Date(now.getTime() - 3 * 86400_000).toISOString();
  (d.spec as Obj).replicas = 3;
  d.status = { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 };
  assert.deepEqual(deploymentRow(d, now), ['web', '2/3', 3, 2, '3d', 'nginx', 'nginx', 'app=web']);
  assert.deepEqual(
    s.columns?.map((c) => c.name),
    ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector'],
  );
  assert.equal(scaleSelector(d), 'app=web');
});
