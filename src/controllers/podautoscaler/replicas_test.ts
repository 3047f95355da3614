import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodMetrics } from './metrics.js';
import { parseGoDuration } from './metrics.js';
import { AutoscalerHistory, limitWithBehavior, limitWithRules } from './normalize.js';
import { rawResourceReplicas, resourceReplicas, type CalculatorOptions } from './replicas.js';
import type { Pod } from './types.js';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const ago = (s: number): string => new Date(NOW - s * 1000).toISOString();
const o: CalculatorOptions = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 300_000,
  initialReadinessDelayMs: 30_000,
  nowMs: NOW,
};

function pod(name: string, request = '1', phase = 'Running', startedS = 3600, readyS = 3600): Pod {
  return {
    metadata: { name },
    spec: {
      containers: [{ name: 'main', resources: { requests: { cpu: request, memory: request } } }],
    },
    status: {
      phase,
      startTime: ago(startedS),
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ago(readyS) }],
    },
  };
}

const metrics = (m: Record<string, number>): PodMetrics =>
  new Map(
    Object.entries(m).map(([k, v]) => [
      k,
      { timestampMs: NOW, windowMs: 30_000, value: BigInt(v) },
    ]),
  );

void test('utilization: no change within the tolerance, otherwise ready pods × ratio', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  assert.deepEqual(
    resourceReplicas(3, 50, 'cpu', '', pods, metrics({ a: 520, b: 520, c: 520 }), o),
    {
      replicas: 3,
      utilization: 52,
      rawAverage: 520n,
    },
  );
  assert.equal(
    resourceReplicas(3, 50, 'cpu', '', pods, metrics({ a: 900, b: 900, c: 900 }), o).replicas,
    6,
  );
  assert.equal(
    resourceReplicas(3, 50, 'cpu', '', pods, metrics({ a: 100, b: 100, c: 100 }), o).replicas,
    1,
  );
});

void test('utilization: unready pods count as idle when scaling up', () => {
  const pods = [pod('a'), pod('b'), pod('c', '1', 'Pending')];
  const p = resourceReplicas(3, 50, 'cpu', '', pods, metrics({ a: 900, b: 900 }), o);
  // (900 + 900 + 0) / 3000 = 60 %: 1.2 × 3 pods.
  assert.deepEqual(p, { replicas: 4, utilization: 90, rawAverage: 900n });
});

void test('utilization: pods without metrics count as using their request when scaling down', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  // 10 % measured; with c at 100 %: 40 %, still below target but 0.8 × 3 rounds up to 3.
  assert.equal(
    resourceReplicas(3, 50, 'cpu', '', pods, metrics({ a: 100, b: 100 }), o).replicas,
    3,
  );
  // Scaling up, they count as idle: (900 + 900 + 0) / 3000 = 60 % → 4.
  assert.equal(
    resourceReplicas(3, 50, 'cpu', '', pods, metrics({ a: 900, b: 900 }), o).replicas,
    4,
  );
});

void test('a CPU sample counts once a window follows readiness during initialization', () => {
  const fresh = [pod('a', '1', 'Running', 60, 10)];
  assert.throws(
    () => resourceReplicas(1, 50, 'cpu', '', fresh, metrics({ a: 900 }), o),
    /did not receive metrics for targeted pods \(pods might be unready\)/,
  );
  const settled = [pod('a', '1', 'Running', 120, 60)];
  assert.equal(resourceReplicas(1, 50, 'cpu', '', settled, metrics({ a: 900 }), o).replicas, 2);
  // Memory is never held back.
  assert.equal(
    resourceReplicas(1, 50, 'memory', '', [pod('a', '1Gi')], metrics({ a: 2 ** 30 * 900 }), o)
      .replicas,
    2,
  );
});

void test("kube's errors", () => {
  assert.throws(
    () => resourceReplicas(1, 50, 'cpu', '', [], metrics({ a: 1 }), o),
    /^Error: no pods returned by selector while calculating replica count$/,
  );
  const noRequest: Pod = { ...pod('a'), spec: { containers: [{ name: 'main' }] } };
  assert.throws(
    () => resourceReplicas(1, 50, 'cpu', '', [noRequest], metrics({ a: 1 }), o),
    /^Error: missing request for cpu in container main of Pod a$/,
  );
});

void test('average value: per-pod usage against the target', () => {
  const pods = [pod('a'), pod('b')];
  assert.deepEqual(
    rawResourceReplicas(2, 100_000n, 'memory', pods, metrics({ a: 300_000, b: 300_000 }), o),
    {
      replicas: 6,
      rawAverage: 300_000n,
    },
  );
});

void test('limits without a behavior: min, max and at most doubling (or 4)', () => {
  assert.deepEqual(limitWithRules(2, 10, 1, 20), {
    replicas: 4,
    reason: 'ScaleUpLimit',
    message: 'the desired replica count is increasing faster than the maximum scale rate',
  });
  assert.equal(limitWithRules(2, 10, 1, 3).reason, 'TooManyReplicas');
  assert.deepEqual(limitWithRules(5, 0, 2, 10), {
    replicas: 2,
    reason: 'TooFewReplicas',
    message: 'the desired replica count is less than the minimum replica count',
  });
  assert.equal(limitWithRules(5, 6, 2, 10).reason, 'DesiredWithinRange');
});

void test('behavior: the policies limit each period, the default scale-up doubles or adds 4', () => {
  const h = new AutoscalerHistory();
  const rules = {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max' as const,
      policies: [
        { type: 'Pods' as const, value: 4, periodSeconds: 15 },
        { type: 'Percent' as const, value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      selectPolicy: 'Max' as const,
      policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 60 }],
    },
  };
  assert.equal(limitWithBehavior(h, 10, 30, 1, 100, rules, NOW).replicas, 20);
  assert.equal(limitWithBehavior(h, 2, 30, 1, 100, rules, NOW).replicas, 6);
  // One pod down a minute: after 4 → 3, nothing more until the minute has passed.
  assert.equal(limitWithBehavior(h, 4, 1, 1, 100, rules, NOW).replicas, 3);
  h.storeScaleEvent(rules, 4, 3, NOW);
  assert.deepEqual(limitWithBehavior(h, 3, 1, 1, 100, rules, NOW + 1000), {
    replicas: 3,
    reason: 'ScaleDownLimit',
    message: 'the desired replica count is decreasing faster than the maximum scale rate',
  });
  assert.equal(limitWithBehavior(h, 3, 1, 1, 100, rules, NOW + 61_000).replicas, 2);
});

void test('stabilization: the highest recommendation of the downscale window wins', () => {
  const h = new AutoscalerHistory();
  h.initialize(5, NOW);
  assert.equal(h.stabilize(2, 300_000, NOW + 1000), 5);
  assert.equal(h.stabilize(2, 300_000, NOW + 301_000), 2);
});

void test('window durations as metrics-server writes them', () => {
  assert.equal(parseGoDuration('15s'), 15_000);
  assert.equal(parseGoDuration('15.25s'), 15_250);
  assert.equal(parseGoDuration('1m0.5s'), 60_500);
});
