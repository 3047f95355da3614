import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { staleReason } from './index.js';

const at = (iso: string) => new Date(iso);
const csr = (created: string, conditions: object[] = []) => ({
  metadata: { name: 'x', creationTimestamp: created },
  status: { conditions },
});

describe('csr cleaner', () => {
  it('keeps fresh requests and removes decided ones after an hour, pending ones after a day', () => {
    const now = at('2030-01-02T12:00:00Z');
    assert.equal(staleReason(csr('2030-01-02T00:00:00Z'), now), undefined);
    assert.equal(staleReason(csr('2030-01-01T11:00:00Z'), now), 'pending over a day');
    for (const type of ['Approved', 'Denied', 'Failed']) {
      assert.equal(
        staleReason(
          csr('2030-01-02T11:00:00Z', [{ type, lastUpdateTime: '2030-01-02T11:30:00Z' }]),
          now,
        ),
        undefined,
      );
      assert.equal(
        staleReason(
          csr('2030-01-02T10:00:00Z', [{ type, lastUpdateTime: '2030-01-02T10:30:00Z' }]),
          now,
        ),
        `${type.toLowerCase()} over an hour ago`,
      );
    }
  });
});
