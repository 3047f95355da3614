// The kubelet's restart and pull back-off: 10 s, doubling, capped at 5 minutes.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, BACKOFF_MAX_MS } from './backoff.js';

it('doubles from 10 s to a 5 minute cap, counting from the failure', () => {
  let now = 1_000_000;
  const b = new Backoff(() => now);
  assert.equal(b.remaining(), 0);
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    b.fail();
    delays.push(b.currentDelayMs);
    assert.equal(b.remaining(), b.currentDelayMs);
    now += b.currentDelayMs;
    assert.equal(b.remaining(), 0);
  }
  assert.deepEqual(
    delays.map((d) => d / 1000),
    [10, 20, 40, 80, 160, 300, 300, 300],
  );
  assert.equal(Math.max(...delays), BACKOFF_MAX_MS);
});

it('a failure recorded in the past leaves only the rest of the wait', () => {
  const b = new Backoff(() => 50_000);
  b.fail(45_000);
  assert.equal(b.remaining(), 5_000);
});

it('reset starts over at 10 s', () => {
  const b = new Backoff(() => 0);
  b.fail();
  b.fail();
  assert.equal(b.currentDelayMs, 20_000);
  b.reset();
  assert.equal(b.remaining(), 0);
  b.fail();
  assert.equal(b.currentDelayMs, 10_000);
});
