// The horizontal pod autoscaler against a real API server that serves metrics.k8s.io, fed
// with /metrics/resource text written by the node's own formatter: each pod's CPU grows at
// the rate the test sets, so its usage is that rate.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resources, type Client } from '../../client/index.js';
import { createLogger } from '../../log/index.js';
import { startControllerManager } from '../manager.js';
import { eventually } from '../../../test/support/eventually.js';
import {
  startMetricsTestApi,
  type MetricsTestApi,
} from '../../../test/support/resource-metrics.js';
import { horizontalPodAutoscalerController } from './index.js';
import type { Condition, Hpa } from './types.js';

const HPAS = {
  group: 'autoscaling',
  version: 'v2',
  plural: 'horizontalpodautoscalers',
  namespaced: true,
};
const NODE = 'n1';
const T0 = Date.now();
const HOUR_AGO = new Date(T0 - 3_600_000).toISOString();

let env: MetricsTestApi;
let client: Client;
let cpu: Map<string, number>;
const stop = new AbortController();

async function namespace(name: string): Promise<void> {
  await client.create(resources.namespaces, '', { metadata: { name } });
}

/** A deployment (no controller runs it) and `pods` running pods it selects, ready an hour ago. */
/**
 * The HPA's CPU status: `millicores` used per pod on average, and as a percentage of the
 * 100m request. The node reports CPU counters as float seconds, so a rate comes out a
 * nanocore or two off, and a millicore value rounds up (Quantity.MilliValue), as in kube:
 * the figure or the one above it.
 */
function assertCpuMetric(h: { status?: { currentMetrics?: unknown } }, millicores: number): void {
  const seen = h.status?.currentMetrics as
    | {
        type: string;
        resource: { name: string; current: { averageValue: string; averageUtilization: number } };
      }[]
    | undefined;
  const m = millicores;
  assert.ok(
    [m, m + 1].some(
      (v) =>
        JSON.stringify(seen) ===
        JSON.stringify([
          {
            type: 'Resource',
            resource: { name: 'cpu', current: { averageValue: `${v}m`, averageUtilization: v } },
          },
        ]),
    ),
    `currentMetrics ${JSON.stringify(seen)}, want ${m}m (or ${m + 1}m)`,
  );
}

async function workload(
  ns: string,
  replicas: number,
  pods: number,
  cores: number,
  request: string | null = '100m',
): Promise<void> {
  const resourcesOf = request ? { requests: { cpu: request } } : {};
  await client.create(resources.deployments, ns, {
    metadata: { name: 'web' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'main', image: 'busybox', resources: resourcesOf }] },
      },
    },
  });
  for (let i = 0; i < pods; i++) {
    const name = `web-${i}`;
    const pod = await client.create(resources.pods, ns, {
      metadata: { name, labels: { app: 'web' } },
      spec: {
        nodeName: NODE,
        containers: [{ name: 'main', image: 'busybox', resources: resourcesOf }],
      },
    });
    await client.update(
      resources.pods,
      {
        ...pod,
        status: {
          phase: 'Running',
          startTime: HOUR_AGO,
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: HOUR_AGO }],
        },
      },
      'status',
    );
    cpu.set(`${ns}/${name}`, cores);
  }
}

async function autoscaler(ns: string, spec: Record<string, unknown>): Promise<void> {
  await client.create(HPAS, ns, {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 5,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
        },
      ],
      ...spec,
    },
  });
}

const hpaOf = (ns: string): Promise<Hpa> => client.get<Hpa>(HPAS, ns, 'web');
const replicasOf = async (ns: string): Promise<number> =>
  ((await client.get(resources.deployments, ns, 'web')).spec as { replicas: number }).replicas;
const conditions = (h: Hpa): string[] =>
  (h.status?.conditions ?? []).map(
    (c: Condition) => `${c.type} ${c.status} ${c.reason}: ${c.message}`,
  );

async function events(ns: string): Promise<string[]> {
  const list = await client.list(resources.events, ns);
  return list.items
    .filter(
      (e) =>
        (e['source'] as { component?: string } | undefined)?.component ===
        'horizontal-pod-autoscaler',
    )
    .map((e) => `${String(e['type'])} ${String(e['reason'])}: ${String(e['message'])}`);
}

before(async () => {
  env = await startMetricsTestApi();
  client = env.client;
  cpu = env.cpu;
  await client.create(resources.nodes, '', { metadata: { name: NODE } });
  await startControllerManager({
    client,
    controllers: [horizontalPodAutoscalerController({ syncPeriodMs: 200 })],
    logger: createLogger({ level: 'error' }),
    signal: stop.signal,
  });
});

after(async () => {
  stop.abort();
  await env.close();
});

describe('horizontal pod autoscaler', { concurrency: true }, () => {
  it('scales up on CPU over target, at most doubling a step, then to maxReplicas', async () => {
    await namespace('busy');
    // 150m used of 100m requested against a 50 % target: three times the pods wanted.
    await workload('busy', 2, 2, 0.15);
    await autoscaler('busy', {});
    await eventually(async () => (await replicasOf('busy')) === 4, 'scaled to 4', 20_000);
    assert.deepEqual(
      (await events('busy'))[0],
      'Normal SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target',
    );
    const h = await eventually(
      async () => {
        const x = await hpaOf('busy');
        return x.status?.desiredReplicas === 5 && x;
      },
      'desired 5',
      20_000,
    );
    assert.equal(await replicasOf('busy'), 5);
    assertCpuMetric(h, 150);
    assert.equal(h.status?.currentReplicas, 4);
    assert.ok(h.status?.lastScaleTime);
    assert.deepEqual(conditions(h), [
      'AbleToScale True SucceededRescale: the HPA controller was able to update the target scale to 5',
      'ScalingActive True ValidMetricFound: the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      'ScalingLimited True TooManyReplicas: the desired replica count is more than the maximum replica count',
    ]);
  });

  it('keeps the size within the 10 % tolerance and reports the utilization', async () => {
    await namespace('steady');
    await workload('steady', 2, 2, 0.052);
    await autoscaler('steady', {});
    const h = await eventually(
      async () => {
        const x = await hpaOf('steady');
        return x.status?.currentMetrics ? x : undefined;
      },
      'metrics reported',
      20_000,
    );
    assert.equal(await replicasOf('steady'), 2);
    assertCpuMetric(h, 52);
    assert.deepEqual(conditions(h), [
      'AbleToScale True ReadyForNewScale: recommended size matches current size',
      'ScalingActive True ValidMetricFound: the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      'ScalingLimited False DesiredWithinRange: the desired count is within the acceptable range',
    ]);
    assert.deepEqual(await events('steady'), []);
  });

  it('enforces minReplicas before any metric', async () => {
    await namespace('small');
    await workload('small', 1, 1, 0.001);
    await autoscaler('small', { minReplicas: 3 });
    await eventually(async () => (await replicasOf('small')) === 3, 'scaled to 3', 20_000);
    assert.deepEqual(await events('small'), [
      'Normal SuccessfulRescale: New size: 3; reason: Current number of replicas below Spec.MinReplicas',
    ]);
  });

  it('scales down, held back by the stabilization window a behavior sets', async () => {
    await namespace('idle');
    await workload('idle', 4, 4, 0.005);
    await autoscaler('idle', {
      minReplicas: 1,
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
        },
      },
    });
    await eventually(async () => (await replicasOf('idle')) === 3, 'scaled to 3', 20_000);
    const h = await eventually(
      async () => {
        const x = await hpaOf('idle');
        return conditions(x).some((c) => c.startsWith('ScalingLimited True ScaleDownLimit')) && x;
      },
      'limited by the policy',
      20_000,
    );
    assert.deepEqual(
      conditions(h)[2],
      'ScalingLimited True ScaleDownLimit: the desired replica count is decreasing faster than the maximum scale rate',
    );
    assert.equal(await replicasOf('idle'), 3);
    assert.deepEqual(await events('idle'), [
      'Normal SuccessfulRescale: New size: 3; reason: All metrics below target',
    ]);
  });

  it('reports pods without a CPU request', async () => {
    await namespace('norequest');
    await workload('norequest', 1, 1, 0.1, null);
    await autoscaler('norequest', {});
    let last: unknown;
    const h = await eventually(
      async () => {
        const x = await hpaOf('norequest');
        last = x.status;
        return conditions(x).some((c) => c.startsWith('ScalingActive False')) && x;
      },
      () => `ScalingActive False (status: ${JSON.stringify(last)})`,
      20_000,
    );
    assert.deepEqual(conditions(h), [
      "AbleToScale True SucceededGetScale: the HPA controller was able to get the target's current scale",
      'ScalingActive False FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container main of Pod web-0',
    ]);
    assert.equal(h.status?.currentReplicas, 1);
    const seen = await eventually(
      async () => {
        const e = await events('norequest');
        return e.length >= 2 && e;
      },
      'events',
      20_000,
    );
    assert.deepEqual(seen.slice(0, 2), [
      'Warning FailedGetResourceMetric: failed to get cpu utilization: missing request for cpu in container main of Pod web-0',
      'Warning FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: missing request for cpu in container main of Pod web-0',
    ]);
  });

  it('fails Pods metrics as a cluster without a custom metrics API does', async () => {
    await namespace('custom');
    await workload('custom', 1, 1, 0.01);
    await autoscaler('custom', {
      metrics: [
        {
          type: 'Pods',
          pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } },
        },
      ],
    });
    const h = await eventually(
      async () => {
        const x = await hpaOf('custom');
        return conditions(x).some((c) => c.startsWith('ScalingActive False')) && x;
      },
      'ScalingActive False',
      20_000,
    );
    assert.deepEqual(
      conditions(h)[1],
      'ScalingActive False FailedGetPodsMetric: the HPA was unable to compute the replica count: unable to get metric qps: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered',
    );
    const seen = await eventually(
      async () => {
        const e = await events('custom');
        return e.length >= 2 && e;
      },
      'events',
      20_000,
    );
    assert.deepEqual(seen.slice(0, 2), [
      'Warning FailedGetPodsMetric: unable to get metric qps: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered',
      'Warning FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 1), first error is: failed to get pods metric value: unable to get metric qps: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered',
    ]);
  });

  it('reports a target that does not exist', async () => {
    await namespace('missing');
    await autoscaler('missing', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' },
    });
    const h = await eventually(
      async () => {
        const x = await hpaOf('missing');
        return x.status?.conditions && x;
      },
      'a condition',
      20_000,
    );
    assert.deepEqual(conditions(h), [
      `AbleToScale False FailedGetScale: the HPA controller was unable to get the target's current scale: deployments.apps "nope" not found`,
    ]);
    assert.deepEqual(
      (await events('missing'))[0],
      'Warning FailedGetScale: deployments.apps "nope" not found',
    );
    await client.create(HPAS, 'missing', {
      metadata: { name: 'gadget' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Gadget', name: 'g' },
        maxReplicas: 2,
      },
    });
    const g = await eventually(
      async () => {
        const x = await client.get<Hpa>(HPAS, 'missing', 'gadget');
        return x.status?.conditions && x;
      },
      'a condition',
      20_000,
    );
    assert.deepEqual(conditions(g), [
      `AbleToScale False FailedGetScale: the HPA controller was unable to get the target's current scale: no matches for kind "Gadget" in group "apps"`,
    ]);
  });
});
