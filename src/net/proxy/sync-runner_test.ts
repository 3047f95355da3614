import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncRunner } from './sync-runner.js';

test('requests coalesce, never overlap, and keep the minimum interval', async () => {
  const starts: number[] = [];
  let running = 0;
  let overlap = false;
  const r = createSyncRunner(
    async () => {
      if (running++) overlap = true;
      starts.push(performance.now());
      await new Promise((res) => setTimeout(res, 5));
      running--;
    },
    { minIntervalMs: 30 },
  );
  for (let i = 0; i < 10; i++) r.request();
  await r.idle();
  assert.equal(starts.length, 1, 'ten requests in one tick make one sync');
  r.request();
  await new Promise((res) => setTimeout(res, 1));
  r.request();
  await r.idle();
  assert.equal(overlap, false);
  for (let i = 1; i < starts.length; i++)
    assert.ok(starts[i]! - starts[i - 1]! >= 29, `interval ${starts[i]! - starts[i - 1]!}`);
  r.stop();
});

test('a failed sync is retried until it succeeds', async () => {
  let calls = 0;
  const errors: number[] = [];
  const r = createSyncRunner(
    async () => {
      if (++calls < 3) throw new Error('nft failed');
    },
    { minIntervalMs: 0, retryMs: 5, onError: (_e, ms) => errors.push(ms) },
  );
  r.request();
  const deadline = Date.now() + 5000;
  while (calls < 3 && Date.now() < deadline)
    await r.idle().then(() => new Promise((res) => setTimeout(res, 5)));
  assert.equal(calls, 3);
  assert.deepEqual(errors, [5, 10]);
  r.stop();
});
