import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { slowStartBatch } from './slowstart.js';

describe('slow start', () => {
  it('runs batches of 1, 2, 4, … and stops after a failing batch', async () => {
    let calls = 0;
    const ok = await slowStartBatch(10, 1, async () => void calls++);
    assert.deepEqual(ok, { successes: 10 });
    assert.equal(calls, 10);

    calls = 0;
    const failing = await slowStartBatch(100, 1, async () => {
      calls++;
      if (calls > 4) throw new Error('quota');
    });
    // 1 + 2 succeed; the batch of 4 has one success and three failures; nothing after.
    assert.equal(calls, 7);
    assert.equal(failing.successes, 4);
    assert.equal((failing.error as Error).message, 'quota');
  });
});
