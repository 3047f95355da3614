import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRecord, remainingBackoff } from './backoff.js';

void test('back-off doubles from 10 s with each failure since the last success, up to 10 min', () => {
  let r = nextRecord({ failuresAfterLastSuccess: 0 }, [], [1000]);
  assert.deepEqual(r, { failuresAfterLastSuccess: 1, lastFailureTime: 1000 });
  assert.equal(remainingBackoff(r, 1000), 10_000);
  assert.equal(remainingBackoff(r, 6000), 5000);
  assert.equal(remainingBackoff(r, 20_000), 0);
  r = nextRecord(r, [], [30_000]);
  assert.equal(remainingBackoff(r, 30_000), 20_000);
  r = nextRecord(r, [], [40_000, 41_000]);
  assert.equal(r.failuresAfterLastSuccess, 4);
  assert.equal(remainingBackoff(r, 41_000), 80_000);
  for (let i = 0; i < 10; i++) r = nextRecord(r, [], [50_000 + i]);
  assert.equal(remainingBackoff(r, 50_009), 600_000);
  // A success resets it; failures after it count again.
  r = nextRecord(r, [60_000], [59_000]);
  assert.deepEqual(r, { failuresAfterLastSuccess: 0 });
  assert.equal(remainingBackoff(r, 60_000), 0);
  r = nextRecord(r, [70_000], [71_000]);
  assert.deepEqual(r, { failuresAfterLastSuccess: 1, lastFailureTime: 71_000 });
});
