import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference } from '../../api/types.js';
import {
  DELETION_TIMEOUT_MS,
  countHealthy,
  disruptedPodMap,
  expectedPodCount,
  failSafeStatus,
  nextStatus,
  scaledValue,
  type Budget,
  type Pod,
  type ScaleFinder,
} from './status.js';
import { STALE_DISRUPTION_TIMEOUT_MS, staleDisruption } from './stale.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const iso = (ms: number): string => new Date(NOW.getTime() + ms).toISOString().replace('.000', '');

const owner = (uid: string, kind = 'ReplicaSet'): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind,
  name: uid,
  uid,
  controller: true,
});

function pod(name: string, o: { ready?: boolean; owner?: string; deleting?: boolean } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      ...(o.owner ? { ownerReferences: [owner(o.owner)] } : {}),
      ...(o.deleting ? { deletionTimestamp: iso(0) } : {}),
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

const budget = (spec: NonNullable<Budget['spec']>, status?: Budget['status']): Budget => ({
  metadata: { name: 'b', namespace: 'ns', generation: 1 },
  spec,
  ...(status ? { status } : {}),
});

/** Finds every owner uid in `scales`. */
const fixed =
  (scales: Record<string, number>): ScaleFinder =>
  (ref) =>
    Promise.resolve(ref.uid in scales ? { uid: ref.uid, scale: scales[ref.uid] ?? 0 } : undefined);

describe('disruption status arithmetic', () => {
  it('scales percentages rounding up, as GetScaledValueFromIntOrPercent(…, true)', () => {
    assert.equal(scaledValue('50%', 3, true), 2);
    assert.equal(scaledValue('25%', 4, true), 1);
    assert.equal(scaledValue('10%', 7, true), 1);
    assert.equal(scaledValue('0%', 7, true), 0);
    assert.equal(scaledValue(3, 10, true), 3);
    assert.throws(() => scaledValue('3', 10, true), /string is not a percentage/);
  });

  it('minAvailable as an int: expects the matched pods, needs that many', async () => {
    const e = await expectedPodCount(budget({ minAvailable: 2 }), [pod('a'), pod('b')], []);
    assert.deepEqual(e, { expected: 2, desiredHealthy: 2, unmanaged: [] });
  });

  it('percentages and maxUnavailable count the controllers’ scale, each controller once', async () => {
    const pods = [
      pod('a', { owner: 'rs1' }),
      pod('b', { owner: 'rs1' }),
      pod('c', { owner: 'ss' }),
    ];
    const finders = [fixed({ rs1: 4, ss: 2 })];
    assert.deepEqual(await expectedPodCount(budget({ minAvailable: '50%' }), pods, finders), {
      expected: 6,
      desiredHealthy: 3,
      unmanaged: [],
    });
    assert.deepEqual(await expectedPodCount(budget({ maxUnavailable: '25%' }), pods, finders), {
      expected: 6,
      desiredHealthy: 4,
      unmanaged: [],
    });
    assert.deepEqual(await expectedPodCount(budget({ maxUnavailable: 10 }), pods, finders), {
      expected: 6,
      desiredHealthy: 0,
      unmanaged: [],
    });
  });

  it('pods without a controller are unmanaged; a controller nobody finds is an error', async () => {
    const e = await expectedPodCount(
      budget({ maxUnavailable: 1 }),
      [pod('bare'), pod('owned', { owner: 'rs1' })],
      [fixed({ rs1: 3 })],
    );
    assert.deepEqual(e, { expected: 3, desiredHealthy: 2, unmanaged: ['bare'] });
    await assert.rejects(
      expectedPodCount(budget({ minAvailable: '50%' }), [pod('x', { owner: 'gone' })], []),
      { message: 'found no controllers for pod "x"' },
    );
  });

  it('keeps noted disruptions of pods still here for DeletionTimeout, and does not count them', () => {
    const pods = [pod('fresh'), pod('old'), pod('going', { deleting: true }), pod('other')];
    const b = budget(
      { minAvailable: 1 },
      {
        disruptedPods: {
          fresh: iso(-1000),
          old: iso(-DELETION_TIMEOUT_MS - 1),
          going: iso(0),
          missing: iso(0),
        },
      },
    );
    const { disrupted, overdue, recheckAt } = disruptedPodMap(pods, b, NOW);
    assert.deepEqual(disrupted, { fresh: iso(-1000) });
    assert.deepEqual(
      overdue.map((p) => p.metadata.name),
      ['old'],
    );
    assert.equal(recheckAt, NOW.getTime() - 1000 + DELETION_TIMEOUT_MS);
    // fresh (noted) and going (deleted) do not count; old and other do.
    assert.equal(countHealthy(pods, disrupted, NOW), 2);
    assert.equal(countHealthy([pod('u', { ready: false })], {}, NOW), 0);
  });

  it('allows healthy minus desired disruptions, never while no pods are expected', () => {
    const b = budget({ minAvailable: 1 });
    const s = nextStatus(
      b,
      { currentHealthy: 3, desiredHealthy: 1, expected: 3, disrupted: {} },
      NOW,
    );
    assert.deepEqual(s, {
      observedGeneration: 1,
      disruptionsAllowed: 2,
      currentHealthy: 3,
      desiredHealthy: 1,
      expectedPods: 3,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: 'True',
          observedGeneration: 1,
          lastTransitionTime: '2026-03-01T12:00:00Z',
          reason: 'SufficientPods',
          message: '',
        },
      ],
    });
    // Already said: nothing to write.
    assert.equal(
      nextStatus(
        { ...b, status: s },
        { currentHealthy: 3, desiredHealthy: 1, expected: 3, disrupted: {} },
        NOW,
      ),
      undefined,
    );
    const none = nextStatus(
      b,
      { currentHealthy: 2, desiredHealthy: 0, expected: 0, disrupted: {} },
      NOW,
    );
    assert.equal(none?.disruptionsAllowed, 0);
    assert.equal(none?.conditions?.[0]?.reason, 'InsufficientPods');
    assert.equal(none?.conditions?.[0]?.status, 'False');
  });

  it('the fail-safe allows nothing and says why', () => {
    const s = failSafeStatus(
      budget({ minAvailable: '50%' }, { disruptionsAllowed: 2, observedGeneration: 1 }),
      'found no controllers for pod "x"',
      NOW,
    );
    assert.equal(s?.disruptionsAllowed, 0);
    assert.deepEqual(s?.conditions, [
      {
        type: 'DisruptionAllowed',
        status: 'False',
        observedGeneration: 1,
        lastTransitionTime: '2026-03-01T12:00:00Z',
        reason: 'SyncFailed',
        message: 'found no controllers for pod "x"',
      },
    ]);
  });
});

describe('stale DisruptionTarget conditions', () => {
  const marked = (o: { ago: number; reason?: string; phase?: string; deleting?: boolean }) => ({
    metadata: { name: 'p', ...(o.deleting ? { deletionTimestamp: iso(0) } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: o.reason ?? 'EvictionByEvictionAPI',
          lastTransitionTime: iso(-o.ago),
        },
      ],
    },
  });

  it('are stale two minutes after they were set, unless the pod is going or done', () => {
    assert.deepEqual(staleDisruption(marked({ ago: 30_000 }), NOW), {
      stale: true,
      inMs: STALE_DISRUPTION_TIMEOUT_MS - 30_000,
    });
    assert.deepEqual(staleDisruption(marked({ ago: 5 * 60_000 }), NOW), { stale: true, inMs: 0 });
    assert.deepEqual(staleDisruption(marked({ ago: 0, deleting: true }), NOW), { stale: false });
    assert.deepEqual(staleDisruption(marked({ ago: 0, phase: 'Failed' }), NOW), { stale: false });
    assert.deepEqual(staleDisruption(marked({ ago: 0, reason: 'TerminationByKubelet' }), NOW), {
      stale: false,
    });
    assert.deepEqual(staleDisruption(pod('plain'), NOW), { stale: false });
  });
});
