import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from './args.js';
import { autoscalerChildArgs, autoscalerSyncPeriod, parseDuration } from './autoscaler-flags.js';

const args = (...a: string[]) => parseArgs(['up', ...a], new Set());

void test('the sync period is a Go duration', () => {
  assert.equal(parseDuration('15s'), 15_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('15'), undefined);
  assert.equal(parseDuration('s'), undefined);
  assert.equal(autoscalerSyncPeriod(args()), undefined);
  assert.equal(autoscalerSyncPeriod(args('--horizontal-pod-autoscaler-sync-period', '2s')), 2000);
  assert.throws(
    () => autoscalerSyncPeriod(args('--horizontal-pod-autoscaler-sync-period=0s')),
    /flag --horizontal-pod-autoscaler-sync-period: invalid duration "0s"/,
  );
  assert.deepEqual(autoscalerChildArgs(args('--horizontal-pod-autoscaler-sync-period=3s')), [
    '--horizontal-pod-autoscaler-sync-period',
    '3s',
  ]);
});
