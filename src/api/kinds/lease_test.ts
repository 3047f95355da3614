import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { leaseResource } from './lease.js';

const ctx: StrategyContext = {
  namespace: 'kube-node-lease',
  now: new Date('2024-01-01T00:00:10Z'),
};
const s = leaseResource.strategy;
const lease = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'node-1',
    namespace: 'kube-node-lease',
    creationTimestamp: '2024-01-01T00:00:00Z',
  },
  spec,
});

void describe('Lease', () => {
  void it('validates durations and transitions', () => {
    assert.deepEqual(
      s.validate?.(lease({ holderIdentity: 'node-1', leaseDurationSeconds: 40 }), ctx),
      [],
    );
    assert.deepEqual(
      (s.validate?.(lease({ leaseDurationSeconds: 0, leaseTransitions: -1 }), ctx) ?? []).map(
        fieldErrorText,
      ),
      [
        'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
        'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
      ],
    );
  });

  void it('prints the holder', () => {
    assert.deepEqual(s.row?.(lease({ holderIdentity: 'node-1' }), ctx.now), [
      'node-1',
      'node-1',
      '10s',
    ]);
    assert.deepEqual(s.row?.(lease({}), ctx.now), ['node-1', '', '10s']);
    assert.deepEqual(
      s.columns?.map((c) => c.name),
      ['Name', 'Holder', 'Age'],
    );
    assert.equal(leaseResource.group, 'coordination.k8s.io');
    assert.equal(leaseResource.shortNames, undefined);
  });
});
