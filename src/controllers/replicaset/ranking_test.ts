import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DELETION_COST_ANNOTATION, podsToDelete } from './ranking.js';
import type { Pod } from './types.js';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();

function pod(
  name: string,
  o: {
    node?: string;
    phase?: string;
    readyFor?: number;
    age?: number;
    restarts?: number;
    cost?: string;
  } = {},
): Pod {
  return {
    metadata: {
      name,
      uid: `uid-${name}`,
      creationTimestamp: ago(o.age ?? 3600),
      ...(o.cost !== undefined ? { annotations: { [DELETION_COST_ANNOTATION]: o.cost } } : {}),
    },
    spec: { ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.readyFor !== undefined
        ? {
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ago(o.readyFor) }],
          }
        : {}),
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  };
}

const order = (pods: Pod[], related: Pod[] = pods): string[] =>
  podsToDelete(pods, related, pods.length - 1, now).map((p) => p.metadata.name ?? '');

describe('which pods a scale-down deletes first', () => {
  it('unscheduled, then pending, then not ready', () => {
    const pods = [
      pod('ready', { node: 'n1', readyFor: 100 }),
      pod('notready', { node: 'n1' }),
      pod('pending', { node: 'n1', phase: 'Pending' }),
      pod('unscheduled', { phase: 'Pending' }),
    ];
    assert.deepEqual(order(pods), ['unscheduled', 'pending', 'notready']);
  });

  it('lower deletion cost first, then pods doubled up on a node', () => {
    const pods = [
      pod('alone', { node: 'n1', readyFor: 100 }),
      pod('pair-a', { node: 'n2', readyFor: 100, cost: '10' }),
      pod('pair-b', { node: 'n2', readyFor: 100 }),
      pod('cheap', { node: 'n3', readyFor: 100, cost: '-5' }),
    ];
    assert.deepEqual(order(pods), ['cheap', 'pair-b', 'alone']);
  });

  it('ready more recently, then more restarts, then newer', () => {
    const ready = [
      pod('old-ready', { node: 'a', readyFor: 100_000 }),
      pod('new-ready', { node: 'b', readyFor: 10 }),
    ];
    assert.deepEqual(order(ready), ['new-ready']);
    const restarts = [pod('calm', { node: 'a' }), pod('crashy', { node: 'b', restarts: 7 })];
    assert.deepEqual(order(restarts), ['crashy']);
    const ages = [pod('old', { node: 'a', age: 100_000 }), pod('young', { node: 'b', age: 10 })];
    assert.deepEqual(order(ages), ['young']);
  });

  it('pods of similar age are told apart by uid, not by a few seconds', () => {
    // 1000 s and 1010 s fall in the same power-of-two bucket of nanoseconds.
    const pods = [pod('b', { node: 'x', age: 1010 }), pod('a', { node: 'y', age: 1000 })];
    assert.deepEqual(order(pods), ['a']);
    const swapped = [pod('a', { node: 'x', age: 1010 }), pod('b', { node: 'y', age: 1000 })];
    assert.deepEqual(order(swapped), ['a']);
  });

  it('deleting everything needs no ordering', () => {
    const pods = [pod('x'), pod('y')];
    assert.equal(podsToDelete(pods, pods, 5, now).length, 2);
  });
});
