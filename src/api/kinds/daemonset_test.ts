import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../errors.js';
import type { FieldError, KubeObject, StrategyContext } from '../types.js';
import {
  DAEMON_SET_COLUMNS,
  daemonSetResource,
  daemonSetRow,
  prepareForStatusUpdate,
  validateStatusUpdate,
} from './daemonset.js';
import type { Obj } from './podspec/index.js';

const now = new Date('2026-01-10T12:00:00Z');
const ctx: StrategyContext = { namespace: 'kube-system', now };
const s = daemonSetResource.strategy;

function create(ds: KubeObject): FieldError[] {
  ds.metadata.namespace ??= 'kube-system';
  s.defaults?.(ds, ctx);
  s.prepareForCreate?.(ds, ctx);
  return s.validate?.(ds, ctx) ?? [];
}

const daemonSet = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: {
    name: 'node-agent',
    creationTimestamp: new Date(now.getTime() - 90_000).toISOString(),
  },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: {
      metadata: { labels: { app: 'agent' } },
      spec: {
        nodeSelector: { 'kubernetes.io/os': 'linux', disk: 'ssd' },
        containers: [
          { name: 'agent', image: 'agent:1.2' },
          { name: 'log', image: 'busybox' },
        ],
      },
    },
  },
});

const template = (ds: KubeObject): Obj => (ds.spec as { template: { spec: Obj } }).template.spec;
const errors = (errs: FieldError[]): unknown[] => errs.map((e) => [e.field, e.type, e.detail]);

void test('defaults as SetDefaults_DaemonSet; status, generation and template generation on create', () => {
  const ds = daemonSet();
  assert.deepEqual(create(ds), []);
  const spec = ds.spec as Obj;
  assert.deepEqual(spec.updateStrategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(template(ds).restartPolicy, 'Always');
  assert.equal(template(ds).dnsPolicy, 'ClusterFirst');
  assert.deepEqual(ds.status, {
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    desiredNumberScheduled: 0,
    numberReady: 0,
  });
  assert.equal(ds.metadata.generation, 1);
  assert.deepEqual(ds.metadata.annotations, { 'deprecated.daemonset.template.generation': '1' });

  const onDelete = daemonSet();
  (onDelete.spec as Obj).updateStrategy = { type: 'OnDelete' };
  assert.deepEqual(create(onDelete), []);
  assert.deepEqual((onDelete.spec as Obj).updateStrategy, { type: 'OnDelete' });
});

void test('selector, template and update strategy rules, with the messages of kube-apiserver', () => {
  const ds = daemonSet();
  (ds.spec as Obj).selector = { matchLabels: { app: 'other' } };
  template(ds).restartPolicy = 'OnFailure';
  template(ds).activeDeadlineSeconds = 10;
  (ds.spec as Obj).minReadySeconds = -1;
  (ds.spec as Obj).revisionHistoryLimit = -3;
  const errs = create(ds);
  assert.deepEqual(errors(errs), [
    [
      'spec.template.metadata.labels',
      'FieldValueInvalid',
      '`selector` does not match template `labels`',
    ],
    ['spec.template.spec.restartPolicy', 'FieldValueNotSupported', undefined],
    [
      'spec.template.spec.activeDeadlineSeconds',
      'FieldValueForbidden',
      'activeDeadlineSeconds in DaemonSet is not Supported',
    ],
    ['spec.minReadySeconds', 'FieldValueInvalid', 'must be greater than or equal to 0'],
    ['spec.revisionHistoryLimit', 'FieldValueInvalid', 'must be greater than or equal to 0'],
  ]);
  assert.equal(
    invalid('DaemonSet', 'apps', 'node-agent', errs).message,
    'DaemonSet.apps "node-agent" is invalid: [spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`, spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always", spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported, spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0, spec.revisionHistoryLimit: Invalid value: -3: must be greater than or equal to 0]',
  );

  const empty = daemonSet();
  (empty.spec as Obj).selector = {};
  assert.deepEqual(errors(create(empty)), [
    ['spec.selector', 'FieldValueInvalid', 'empty selector is invalid for daemonset'],
  ]);
  const none = daemonSet();
  delete (none.spec as Obj).selector;
  assert.deepEqual(errors(create(none)), [
    [
      'spec.template.metadata.labels',
      'FieldValueInvalid',
      '`selector` does not match template `labels`',
    ],
  ]);

  const strategy = (updateStrategy: unknown): unknown[] => {
    const d = daemonSet();
    (d.spec as Obj).updateStrategy = updateStrategy;
    return errors(create(d));
  };
  assert.deepEqual(strategy({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }), [
    [
      'spec.updateStrategy.rollingUpdate.maxSurge',
      'FieldValueInvalid',
      'may not be set when maxUnavailable is non-zero',
    ],
  ]);
  assert.deepEqual(
    strategy({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } }),
    [],
  );
  assert.deepEqual(
    strategy({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } }),
    [
      [
        'spec.updateStrategy.rollingUpdate.maxUnavailable',
        'FieldValueRequired',
        'cannot be 0 when maxSurge is 0',
      ],
    ],
  );
  assert.deepEqual(
    strategy({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '150%' } }),
    [
      [
        'spec.updateStrategy.rollingUpdate.maxUnavailable',
        'FieldValueInvalid',
        'must not be greater than 100%',
      ],
    ],
  );
  assert.deepEqual(
    strategy({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: -1 } }),
    [
      [
        'spec.updateStrategy.rollingUpdate.maxUnavailable',
        'FieldValueInvalid',
        'must be greater than or equal to 0',
      ],
    ],
  );
  const unsupported = daemonSet();
  (unsupported.spec as Obj).updateStrategy = { type: 'Recreate' };
  const errs2 = create(unsupported);
  assert.deepEqual(
    errs2.map((e) => [e.field, e.type]),
    [['spec.updateStrategy', 'FieldValueNotSupported']],
  );
  assert.match(
    invalid('DaemonSet', 'apps', 'node-agent', errs2).message,
    /spec\.updateStrategy: Unsupported value: .*"Recreate".*: supported values: "RollingUpdate", "OnDelete"$/,
  );
});

void test('updates: selector immutable, status kept, template generation bumped on template change', () => {
  const old = daemonSet();
  create(old);
  old.status = { currentNumberScheduled: 2, desiredNumberScheduled: 2, numberReady: 2 };

  const relabel = structuredClone(old);
  (relabel.spec as Obj).selector = { matchLabels: { app: 'agent', tier: 'x' } };
  relabel.status = {};
  relabel.metadata.annotations = {};
  s.prepareForUpdate?.(relabel, old, ctx);
  assert.deepEqual(relabel.status, old.status);
  assert.equal(relabel.metadata.annotations['deprecated.daemonset.template.generation'], '1');
  assert.deepEqual(
    (s.validateUpdate?.(relabel, old, ctx) ?? []).map((e) => [e.field, e.detail]),
    [['spec.selector', 'field is immutable']],
  );

  const newImage = structuredClone(old);
  (template(newImage).containers as Obj[])[0]!.image = 'agent:1.3';
  newImage.metadata.annotations = { 'deprecated.daemonset.template.generation': '9' };
  s.prepareForUpdate?.(newImage, old, ctx);
  assert.equal(newImage.metadata.annotations['deprecated.daemonset.template.generation'], '2');

  const status = structuredClone(newImage);
  status.spec = { changed: true };
  status.status = { currentNumberScheduled: -1, numberReady: 1, collisionCount: 1 };
  prepareForStatusUpdate(status, newImage);
  assert.deepEqual(status.spec, newImage.spec);
  assert.deepEqual(
    validateStatusUpdate(status, { ...old, status: { collisionCount: 2 } }).map((e) => [
      e.field,
      e.detail,
    ]),
    [
      ['status.currentNumberScheduled', 'must be greater than or equal to 0'],
      ['status.collisionCount', 'cannot be decremented'],
    ],
  );
});

void test('printer: the columns and cells of kubectl get ds', () => {
  assert.deepEqual(
    DAEMON_SET_COLUMNS.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Desired', 'integer', 0],
      ['Current', 'integer', 0],
      ['Ready', 'integer', 0],
      ['Up-to-date', 'integer', 0],
      ['Available', 'integer', 0],
      ['Node Selector', 'string', 0],
      ['Age', 'string', 0],
      ['Containers', 'string', 1],
      ['Images', 'string', 1],
      ['Selector', 'string', 1],
    ],
  );
  const ds = daemonSet();
  create(ds);
  ds.status = {
    desiredNumberScheduled: 3,
    currentNumberScheduled: 3,
    numberReady: 2,
    updatedNumberScheduled: 3,
    numberAvailable: 1,
  };
  assert.deepEqual(daemonSetRow(ds, now), [
    'node-agent',
    3,
    3,
    2,
    3,
    1,
    'disk=ssd,kubernetes.io/os=linux',
    '90s',
    'agent,log',
    'agent:1.2,busybox',
    'app=agent',
  ]);
  delete template(ds).nodeSelector;
  assert.equal(daemonSetRow(ds, now)[6], '<none>');
  assert.deepEqual(daemonSetResource.shortNames, ['ds']);
  assert.deepEqual(daemonSetResource.categories, ['all']);
});
