import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../types.js';
import { serviceAccountResource } from './serviceaccount.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:03:00Z') };
const s = serviceAccountResource.strategy;

void describe('ServiceAccount', () => {
  void it('trims secret references to names and prints their count', () => {
    const obj: KubeObject = {
      metadata: {
        name: 'builder',
        namespace: 'default',
        creationTimestamp: '2024-01-01T00:00:00Z',
      },
      secrets: [{ name: 'tok', namespace: 'other', uid: 'x' }],
    };
    s.prepareForCreate?.(obj, ctx);
    assert.deepEqual(obj.secrets, [{ name: 'tok' }]);
    assert.deepEqual(s.validate?.(obj, ctx), []);
    assert.deepEqual(s.row?.(obj, ctx.now), ['builder', 1, '3m']);
    assert.deepEqual(s.row?.({ metadata: { name: 'default' } }, ctx.now), [
      'default',
      0,
      '<unknown>',
    ]);
    assert.deepEqual(serviceAccountResource.shortNames, ['sa']);
    assert.deepEqual(serviceAccountResource.subresources?.[0]?.kind?.kind, 'TokenRequest');
  });
});
