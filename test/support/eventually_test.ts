import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from './eventually.js';

void describe('eventually', () => {
  void it('returns the first value that is neither undefined nor false', async () => {
    let n = 0;
    const v = await eventually(() => (++n < 3 ? undefined : n), 'n to reach 3', { intervalMs: 1 });
    assert.equal(v, 3);
  });

  void it('treats false and exceptions as "not yet"', async () => {
    let n = 0;
    const v = await eventually(
      async () => {
        n++;
        if (n === 1) return false;
        if (n === 2) throw new Error('not ready');
        return 'ready';
      },
      'the third try',
      { intervalMs: 1 },
    );
    assert.equal(v, 'ready');
    assert.equal(n, 3);
  });

  void it('fails after the deadline, naming what it waited for and the last error', async () => {
    let n = 0;
    await assert.rejects(
      eventually(
        () => {
          throw new Error(`refused ${++n}`);
        },
        'the door to open',
        { timeoutMs: 30, intervalMs: 5 },
      ),
      (e: Error) => {
        assert.equal(
          e.message,
          `timed out after 30 ms waiting for the door to open; last error: refused ${n}`,
        );
        return true;
      },
    );
    assert.ok(n >= 2, `polled ${n} times`);
  });

  void it('describes the state at the deadline when given a function', async () => {
    const seen: string[] = ['a'];
    await assert.rejects(
      eventually(
        () => false,
        () => `b among ${seen.join(',')}`,
        10,
      ),
      {
        message: 'timed out after 10 ms waiting for b among a',
      },
    );
  });
});
