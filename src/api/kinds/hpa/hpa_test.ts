import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../errors.js';
import type { FieldError, KubeObject, StrategyContext } from '../../types.js';
import {
  formatHpaMetrics,
  horizontalPodAutoscalerResource as v2,
  horizontalPodAutoscalerV1Resource as v1,
  hpaFromV1,
  hpaToV1,
} from './index.js';
import type { Obj } from '../kindutil.js';

const now = new Date('2026-01-10T12:00:00Z');
const ctx: StrategyContext = { namespace: 'default', now };

const hpa = (spec: Obj = {}): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: {
    name: 'web',
    namespace: 'default',
    creationTimestamp: new Date(now.getTime() - 75_000).toISOString(),
  },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    maxReplicas: 5,
    ...spec,
  },
});

function create(o: KubeObject, def = v2): FieldError[] {
  def.strategy.defaults?.(o, ctx);
  def.strategy.prepareForCreate?.(o, ctx);
  return def.strategy.validate?.(o, ctx) ?? [];
}

/** The Status message kube-apiserver would answer with. */
const message = (o: KubeObject): string =>
  invalid('HorizontalPodAutoscaler', 'autoscaling', 'web', create(o)).message;

void test('defaults: one replica at least, 80 % CPU, empty status', () => {
  const o = hpa();
  assert.deepEqual(create(o), []);
  assert.deepEqual(o.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    maxReplicas: 5,
    minReplicas: 1,
    metrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ],
  });
  assert.deepEqual(o.status, { desiredReplicas: 0, currentMetrics: null });
  // No behavior given: none is made up.
  assert.equal((o.spec as Obj).behavior, undefined);
});

void test('defaults: a behavior gets every unset rule field, the given ones kept', () => {
  const o = hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
  assert.deepEqual(create(o), []);
  assert.deepEqual((o.spec as Obj).behavior, {
    scaleDown: {
      stabilizationWindowSeconds: 60,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
  });
});

void test('validation: replica bounds', () => {
  assert.equal(
    message(hpa({ minReplicas: 0, maxReplicas: 0 })),
    'HorizontalPodAutoscaler.autoscaling "web" is invalid: [spec.minReplicas: Invalid value: 0: must be greater than or equal to 1, spec.maxReplicas: Invalid value: 0: must be greater than 0, spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas]',
  );
  assert.equal(
    message(hpa({ minReplicas: 3, maxReplicas: 2 })),
    'HorizontalPodAutoscaler.autoscaling "web" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
  );
});

void test('validation: the scale target reference', () => {
  assert.equal(
    message(hpa({ scaleTargetRef: {} })),
    'HorizontalPodAutoscaler.autoscaling "web" is invalid: [spec.scaleTargetRef.kind: Required value, spec.scaleTargetRef.name: Required value]',
  );
  assert.equal(
    message(hpa({ scaleTargetRef: { kind: 'Deployment', name: 'a/b' } })),
    `HorizontalPodAutoscaler.autoscaling "web" is invalid: spec.scaleTargetRef.name: Invalid value: "a/b": may not contain '/'`,
  );
});

void test('validation: metric specs by source type', () => {
  const cases: [Obj, string][] = [
    [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } },
      'spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
    ],
    [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } },
      },
      'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
    ],
    [
      {
        type: 'Resource',
        resource: {
          name: 'memory',
          target: { type: 'AverageValue', averageValue: '100Mi', averageUtilization: 50 },
        },
      },
      'spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization',
    ],
    [
      { type: 'Resource', resource: { target: { type: 'Percent', averageUtilization: 5 } } },
      '[spec.metrics[0].resource.name: Required value: must specify a resource name, spec.metrics[0].resource.target.type: Invalid value: "Percent": must be either Utilization, Value, or AverageValue]',
    ],
    [
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '-1' } },
      },
      'spec.metrics[0].resource.target.averageValue: Invalid value: "-1": must be positive',
    ],
    [
      { type: 'Pods' },
      'spec.metrics[0].pods: Required value: must populate information for the given metric source',
    ],
    [
      {
        type: 'Cpu',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } },
      },
      'spec.metrics[0].type: Unsupported value: "Cpu": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
    ],
    [
      {
        type: 'Pods',
        pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } },
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } },
      },
      'spec.metrics[0].resource: Forbidden: must populate the given metric source only',
    ],
    [
      {
        type: 'ContainerResource',
        containerResource: {
          name: 'cpu',
          container: 'Web',
          target: { type: 'Utilization', averageUtilization: 5 },
        },
      },
      `spec.metrics[0].containerResource.container: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ],
    [
      { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value' } } },
      'spec.metrics[0].external.target.averageValue: Required value: must set either a target value for metric or a per-pod target',
    ],
  ];
  for (const [metric, detail] of cases)
    assert.equal(
      message(hpa({ metrics: [metric] })),
      `HorizontalPodAutoscaler.autoscaling "web" is invalid: ${detail}`,
      JSON.stringify(metric),
    );
});

void test('validation: behavior rules and policies', () => {
  const o = hpa({
    behavior: {
      scaleUp: { stabilizationWindowSeconds: 3601, selectPolicy: 'Most', policies: [] },
      scaleDown: {
        stabilizationWindowSeconds: -1,
        policies: [{ type: 'Nodes', value: 0, periodSeconds: 1801 }],
      },
    },
  });
  assert.equal(
    message(o),
    'HorizontalPodAutoscaler.autoscaling "web" is invalid: [spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600, spec.behavior.scaleUp.selectPolicy: Unsupported value: "Most": supported values: "Disabled", "Max", "Min", spec.behavior.scaleUp.policies: Required value: must specify at least one Policy, spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero, spec.behavior.scaleDown.policies[0].type: Unsupported value: "Nodes": supported values: "Percent", "Pods", spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero, spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800]',
  );
});

void test('an update keeps the status, a status update keeps the spec; no generation', () => {
  const old = hpa();
  create(old);
  old.status = { currentReplicas: 2, desiredReplicas: 3 };
  const next = hpa({ maxReplicas: 9 });
  next.status = { desiredReplicas: 7 };
  v2.strategy.prepareForUpdate?.(next, old, ctx);
  assert.deepEqual(next.status, { currentReplicas: 2, desiredReplicas: 3 });
  assert.equal(v2.strategy.tracksGeneration, undefined);
  const status = hpa({ maxReplicas: 1 });
  status.status = { currentReplicas: -1, desiredReplicas: 1 };
  v2.statusStrategy?.prepareForUpdate(status, old);
  assert.equal((status.spec as Obj).maxReplicas, 5);
  assert.deepEqual(
    v2.statusStrategy?.validateUpdate(status, old).map((e) => [e.field, e.detail]),
    [['status.currentReplicas', 'must be greater than or equal to 0']],
  );
});

void test('printer: columns and the Targets cell as kubectl 1.33 shows it', () => {
  assert.deepEqual(
    v2.strategy.columns?.map((c) => [c.name, c.priority]),
    [
      ['Name', 0],
      ['Reference', 0],
      ['Targets', 0],
      ['MinPods', 0],
      ['MaxPods', 0],
      ['Replicas', 0],
      ['Age', 0],
    ],
  );
  const o = hpa();
  create(o);
  assert.deepEqual(v2.strategy.row?.(o, now), [
    'web',
    'Deployment/web',
    'cpu: <unknown>/80%',
    '1',
    5,
    0,
    '75s',
  ]);
  const cpu = {
    type: 'Resource',
    resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
  };
  const memory = {
    type: 'Resource',
    resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } },
  };
  const pods = {
    type: 'Pods',
    pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } },
  };
  assert.equal(formatHpaMetrics([], []), '<none>');
  assert.equal(
    formatHpaMetrics(
      [cpu, memory],
      [
        {
          type: 'Resource',
          resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '12m' } },
        },
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '10485760' } } },
      ],
    ),
    'cpu: 12%/80%, memory: 10485760/100Mi',
  );
  assert.equal(
    formatHpaMetrics([cpu, memory, pods], []),
    'cpu: <unknown>/80%, memory: <unknown>/100Mi + 1 more...',
  );
  assert.equal(formatHpaMetrics([pods], []), '<unknown>/1k');
});

void test('v1: targetCPUUtilizationPercentage ↔ the CPU metric, the rest in annotations', () => {
  const stored = hpa({
    minReplicas: 2,
    metrics: [
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } },
      },
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ],
  });
  create(stored);
  stored.status = {
    currentReplicas: 2,
    desiredReplicas: 2,
    currentMetrics: [
      { type: 'Resource', resource: { name: 'memory', current: { averageValue: '50Mi' } } },
      {
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: 20, averageValue: '20m' } },
      },
    ],
    conditions: [
      {
        type: 'AbleToScale',
        status: 'True',
        lastTransitionTime: '2026-01-10T11:00:00Z',
        reason: 'ReadyForNewScale',
        message: 'recommended size matches current size',
      },
    ],
  };
  const old = hpaToV1(stored);
  assert.equal(old.apiVersion, 'autoscaling/v1');
  assert.deepEqual(old.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 2,
    maxReplicas: 5,
    targetCPUUtilizationPercentage: 50,
  });
  assert.deepEqual(old.status, {
    currentReplicas: 2,
    desiredReplicas: 2,
    currentCPUUtilizationPercentage: 20,
  });
  assert.deepEqual(old.metadata.annotations, {
    'autoscaling.alpha.kubernetes.io/metrics':
      '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}]',
    'autoscaling.alpha.kubernetes.io/current-metrics':
      '[{"type":"Resource","resource":{"name":"memory","currentAverageValue":"50Mi"}},{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":20,"currentAverageValue":"20m"}}]',
    'autoscaling.alpha.kubernetes.io/conditions':
      '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-10T11:00:00Z","reason":"ReadyForNewScale","message":"recommended size matches current size"}]',
  });
  // And back: nothing lost, the annotations gone.
  const back = hpaFromV1(old);
  assert.deepEqual(back.spec, stored.spec);
  assert.deepEqual(back.status, stored.status);
  assert.equal(back.metadata.annotations, undefined);
});

void test('v1: created without a target, the CPU default; a behavior in Go field names', () => {
  const o: KubeObject = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 3,
    },
  };
  assert.deepEqual(create(o, v1), []);
  assert.deepEqual(o.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 1,
    maxReplicas: 3,
    targetCPUUtilizationPercentage: 80,
  });
  assert.deepEqual(o.status, { currentReplicas: 0, desiredReplicas: 0 });
  const withBehavior = hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } });
  create(withBehavior);
  const old = hpaToV1(withBehavior);
  assert.equal(
    old.metadata.annotations?.['autoscaling.alpha.kubernetes.io/behavior'],
    '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null},"ScaleDown":{"StabilizationWindowSeconds":30,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null}}',
  );
  assert.deepEqual(hpaFromV1(old).spec, withBehavior.spec);
});

void test('v2 writes never store the v1 round-trip annotations', () => {
  const o = hpa();
  o.metadata.annotations = {
    'autoscaling.alpha.kubernetes.io/conditions': '[]',
    'autoscaling.alpha.kubernetes.io/metrics': 'x',
    team: 'a',
  };
  assert.deepEqual(create(o), []);
  assert.deepEqual(o.metadata.annotations, { team: 'a' });
});
