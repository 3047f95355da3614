import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../replicaset/types.js';
import { planPods } from './plan.js';
import type { Job } from './types.js';

const job = (spec: NonNullable<Job['spec']>): Job => ({ metadata: { name: 'j', uid: 'u' }, spec });
let n = 0;
const pod = (
  extra: { index?: number; node?: string; phase?: string; ready?: boolean } = {},
): Pod => ({
  metadata: {
    name: `p${n++}`,
    creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    ...(extra.index !== undefined
      ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(extra.index) } }
      : {}),
  },
  spec: extra.node ? { nodeName: extra.node } : {},
  status: {
    phase: extra.phase ?? 'Running',
    conditions: extra.ready ? [{ type: 'Ready', status: 'True' }] : [],
  },
});

void test('NonIndexed: parallelism capped by the completions left', () => {
  const j = job({ parallelism: 3, completions: 5 });
  assert.equal(planPods(j, [], 0, 0, new Set(), 3).create.length, 3);
  assert.equal(planPods(j, [pod()], 0, 3, new Set(), 3).create.length, 1);
  assert.equal(planPods(j, [], 0, 5, new Set(), 3).create.length, 0);
  // Too many: the unscheduled, pending, not-ready ones go first.
  const ready = pod({ node: 'n', ready: true });
  const pending = pod({ phase: 'Pending' });
  const plan = planPods(j, [ready, pending, pod({ node: 'n' })], 0, 4, new Set(), 3);
  assert.deepEqual(
    plan.remove.map((p) => p.metadata.name),
    [pending.metadata.name, plan.remove[1]?.metadata.name],
  );
  assert.equal(plan.remove.length, 2);
  assert.ok(!plan.remove.includes(ready));
});

void test('a work queue stops starting pods after its first success', () => {
  const j = job({ parallelism: 2 });
  assert.equal(planPods(j, [], 0, 0, new Set(), 2).create.length, 2);
  assert.equal(planPods(j, [pod()], 0, 1, new Set(), 2).create.length, 0);
});

void test('podReplacementPolicy Failed: a terminating pod still holds its place', () => {
  const j = job({ parallelism: 2, completions: 4, podReplacementPolicy: 'Failed' });
  assert.equal(planPods(j, [pod()], 1, 0, new Set(), 2).create.length, 0);
  const k = job({ parallelism: 2, completions: 4, podReplacementPolicy: 'TerminatingOrFailed' });
  assert.equal(planPods(k, [pod()], 1, 0, new Set(), 2).create.length, 1);
});

void test('Indexed: the lowest missing indexes; duplicates, completed and out-of-range ones go', () => {
  const j = job({ parallelism: 3, completions: 5, completionMode: 'Indexed' });
  assert.deepEqual(planPods(j, [], 0, 0, new Set(), 3).create, [0, 1, 2]);
  const plan = planPods(
    j,
    [pod({ index: 0 }), pod({ index: 0 }), pod({ index: 1 }), pod({ index: 7 })],
    0,
    1,
    new Set([1]),
    3,
  );
  assert.equal(plan.remove.length, 3);
  assert.deepEqual(plan.create, [2, 3]);
});
