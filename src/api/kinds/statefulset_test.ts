import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { FieldError, KubeObject, StrategyContext } from '../types.js';
import {
  STATEFUL_SET_COLUMNS,
  scaleSelector,
  statefulSetResource,
  statefulSetRow,
  validateStatusUpdate,
} from './statefulset.js';
import type { Obj } from './podspec/index.js';

const now = new Date('2026-01-10T12:00:00Z');
const ctx: StrategyContext = { namespace: 'default', now };
const s = statefulSetResource.strategy;

function create(set: KubeObject): FieldError[] {
  set.metadata.namespace ??= 'default';
  s.defaults?.(set, ctx);
  s.prepareForCreate?.(set, ctx);
  return s.validate?.(set, ctx) ?? [];
}

/** An update as the store runs it: defaults, prepareForUpdate, validate and validateUpdate. */
function update(set: KubeObject, old: KubeObject): FieldError[] {
  s.defaults?.(set, ctx);
  s.prepareForUpdate?.(set, old, ctx);
  return [...(s.validate?.(set, ctx) ?? []), ...(s.validateUpdate?.(set, old, ctx) ?? [])];
}

const web = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', creationTimestamp: new Date(now.getTime() - 75_000).toISOString() },
  spec: {
    serviceName: 'nginx',
    replicas: 3,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: {
        containers: [
          { name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.8' },
          { name: 'log', image: 'busybox' },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: 'www' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ],
  },
});

const spec = (o: KubeObject): Obj => o.spec as Obj;
const podSpec = (o: KubeObject): Obj => (spec(o)['template'] as { spec: Obj }).spec;
const texts = (errs: FieldError[]): string[] => errs.map(fieldErrorText);

void test('defaults as SetDefaults_StatefulSet, the template and claim template defaulters', () => {
  const set = web();
  delete spec(set)['replicas'];
  assert.deepEqual(create(set), []);
  const sp = spec(set);
  assert.equal(sp['podManagementPolicy'], 'OrderedReady');
  assert.deepEqual(sp['updateStrategy'], {
    type: 'RollingUpdate',
    rollingUpdate: { partition: 0 },
  });
  assert.deepEqual(sp['persistentVolumeClaimRetentionPolicy'], {
    whenDeleted: 'Retain',
    whenScaled: 'Retain',
  });
  assert.equal(sp['replicas'], 1);
  assert.equal(sp['revisionHistoryLimit'], 10);
  assert.equal(podSpec(set)['restartPolicy'], 'Always');
  assert.equal(podSpec(set)['terminationGracePeriodSeconds'], 30);
  assert.deepEqual(sp['volumeClaimTemplates'], [
    {
      metadata: { name: 'www' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        volumeMode: 'Filesystem',
      },
      status: { phase: 'Pending' },
    },
  ]);
  // Status is the zero StatefulSetStatus: replicas and availableReplicas have no omitempty.
  assert.deepEqual(set.status, { replicas: 0, availableReplicas: 0 });
  assert.equal(set.metadata.generation, 1);
});

void test('an explicit strategy keeps its shape; a partition is defaulted only for RollingUpdate', () => {
  const onDelete = web();
  spec(onDelete)['updateStrategy'] = { type: 'OnDelete' };
  assert.deepEqual(create(onDelete), []);
  assert.deepEqual(spec(onDelete)['updateStrategy'], { type: 'OnDelete' });

  const rolling = web();
  spec(rolling)['updateStrategy'] = { type: 'RollingUpdate' };
  assert.deepEqual(create(rolling), []);
  assert.deepEqual(spec(rolling)['updateStrategy'], { type: 'RollingUpdate' });

  // maxUnavailable needs the MaxUnavailableStatefulSet gate, off in 1.33: dropped.
  const max = web();
  spec(max)['updateStrategy'] = {
    type: 'RollingUpdate',
    rollingUpdate: { partition: 2, maxUnavailable: 2 },
  };
  assert.deepEqual(create(max), []);
  assert.deepEqual(spec(max)['updateStrategy'], {
    type: 'RollingUpdate',
    rollingUpdate: { partition: 2 },
  });
});

void test('spec rules, each with the field path and message of kube-apiserver', () => {
  const cases: [string, (o: KubeObject) => void, string[]][] = [
    [
      'pod management policy',
      (o) => (spec(o)['podManagementPolicy'] = 'Burst'),
      [`spec.podManagementPolicy: Invalid value: "Burst": must be 'OrderedReady' or 'Parallel'`],
    ],
    [
      'update strategy type',
      (o) => (spec(o)['updateStrategy'] = { type: 'Sometimes' }),
      [
        `spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:"Sometimes", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'`,
      ],
    ],
    [
      'rollingUpdate with OnDelete',
      (o) => (spec(o)['updateStrategy'] = { type: 'OnDelete', rollingUpdate: { partition: 1 } }),
      [
        `spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:1, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'`,
      ],
    ],
    [
      'negative partition',
      (o) =>
        (spec(o)['updateStrategy'] = { type: 'RollingUpdate', rollingUpdate: { partition: -1 } }),
      [
        'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
      ],
    ],
    [
      'retention policy',
      (o) =>
        (spec(o)['persistentVolumeClaimRetentionPolicy'] = {
          whenDeleted: 'Keep',
          whenScaled: 'Delete',
        }),
      [
        'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
      ],
    ],
    [
      'service name',
      (o) => (spec(o)['serviceName'] = 'Web_Svc'),
      [
        `spec.serviceName: Invalid value: "Web_Svc": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
    [
      'negative counters',
      (o) => {
        spec(o)['replicas'] = -1;
        spec(o)['minReadySeconds'] = -5;
        spec(o)['ordinals'] = { start: -2 };
      },
      [
        'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        'spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0',
        'spec.ordinals.start: Invalid value: -2: must be greater than or equal to 0',
      ],
    ],
    ['no selector', (o) => delete spec(o)['selector'], ['spec.selector: Required value']],
    [
      'empty selector',
      (o) => (spec(o)['selector'] = {}),
      [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset',
      ],
    ],
    [
      'selector not matching the template',
      (o) => (spec(o)['selector'] = { matchLabels: { app: 'apache' } }),
      [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`',
      ],
    ],
    [
      'template without labels',
      (o) => delete (spec(o)['template'] as { metadata: Obj }).metadata['labels'],
      [
        'spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`',
      ],
    ],
    [
      'restart policy and deadline',
      (o) => {
        podSpec(o)['restartPolicy'] = 'Never';
        podSpec(o)['activeDeadlineSeconds'] = 30;
      },
      [
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
        'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported',
      ],
    ],
    [
      'a name that is a subdomain but not a label',
      (o) => (o.metadata.name = 'web.v2'),
      [
        `metadata.name: Invalid value: "web.v2": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
  ];
  for (const [what, mutate, want] of cases) {
    const set = web();
    mutate(set);
    assert.deepEqual(texts(create(set)), want, what);
  }
});

void test('the pod spec itself is not validated (kube 1.33 leaves it to pod creation)', () => {
  const set = web();
  podSpec(set)['containers'] = [{ name: 'Not_A_Name' }];
  assert.deepEqual(create(set), []);
});

void test('updates may change replicas, ordinals, template, strategy, retention and minReadySeconds only', () => {
  const old = web();
  assert.deepEqual(create(old), []);
  old.status = { replicas: 3, readyReplicas: 3, availableReplicas: 3 };

  const allowed = structuredClone(old);
  spec(allowed)['replicas'] = 5;
  spec(allowed)['ordinals'] = { start: 1 };
  spec(allowed)['minReadySeconds'] = 10;
  spec(allowed)['updateStrategy'] = { type: 'OnDelete' };
  spec(allowed)['persistentVolumeClaimRetentionPolicy'] = {
    whenDeleted: 'Delete',
    whenScaled: 'Delete',
  };
  podSpec(allowed)['containers'] = [{ name: 'nginx', image: 'nginx:2' }];
  // A status sent with the main resource is ignored.
  allowed.status = { replicas: 0 };
  assert.deepEqual(update(allowed, old), []);
  assert.deepEqual(allowed.status, old.status);

  const forbidden =
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
  for (const [field, value] of [
    ['serviceName', 'other'],
    ['podManagementPolicy', 'Parallel'],
    ['revisionHistoryLimit', 3],
    ['volumeClaimTemplates', []],
  ] as const) {
    const next = structuredClone(old);
    spec(next)[field] = value;
    assert.deepEqual(texts(update(next, old)), [forbidden], field);
  }
  const selector = structuredClone(old);
  spec(selector)['selector'] = { matchLabels: { app: 'nginx', tier: 'web' } };
  (spec(selector)['template'] as { metadata: Obj }).metadata['labels'] = {
    app: 'nginx',
    tier: 'web',
  };
  assert.deepEqual(texts(update(selector, old)), [forbidden]);
  // The new object is validated whole too.
  const negative = structuredClone(old);
  spec(negative)['replicas'] = -1;
  assert.deepEqual(texts(update(negative, old)), [
    'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  ]);
});

void test('status updates: counters, bounds and the collision count (ValidateStatefulSetStatusUpdate)', () => {
  const old = web();
  create(old);
  old.status = { replicas: 3, collisionCount: 2 };
  const next = structuredClone(old);
  next.status = {
    replicas: 1,
    readyReplicas: 1,
    currentReplicas: -1,
    updatedReplicas: 2,
    availableReplicas: 2,
    observedGeneration: -1,
    collisionCount: 1,
  };
  assert.deepEqual(texts(validateStatusUpdate(next, old)), [
    'status.currentReplicas: Invalid value: -1: must be greater than or equal to 0',
    'status.observedGeneration: Invalid value: -1: must be greater than or equal to 0',
    'status.updatedReplicas: Invalid value: 2: cannot be greater than status.replicas',
    'status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas',
    'status.availableReplicas: Invalid value: 2: cannot be greater than status.readyReplicas',
    'status.collisionCount: Invalid value: 1: cannot be decremented',
  ]);
  // The status strategy keeps the spec.
  next.spec = { replicas: 9 };
  statefulSetResource.statusStrategy?.prepareForUpdate(next, old);
  assert.deepEqual(next.spec, old.spec);
});

void test('printer: NAME READY AGE, and CONTAINERS IMAGES with -o wide; the scale selector', () => {
  assert.deepEqual(
    STATEFUL_SET_COLUMNS.map((c) => [c.name, c.priority]),
    [
      ['Name', 0],
      ['Ready', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
    ],
  );
  const set = web();
  create(set);
  set.status = { replicas: 3, readyReplicas: 2 };
  assert.deepEqual(statefulSetRow(set, now), [
    'web',
    '2/3',
    '75s',
    'nginx,log',
    'registry.k8s.io/nginx-slim:0.8,busybox',
  ]);
  assert.equal(scaleSelector(set), 'app=nginx');
});
