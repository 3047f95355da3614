import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentile, summarize } from './stats.js';
import { formatTable } from './report.js';

test('percentiles use the nearest rank', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(hundred, 0.5), 50);
  assert.equal(percentile(hundred, 0.99), 99);
  assert.equal(percentile(hundred, 1), 100);
  assert.equal(median([5, 1, 3]), 3);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

test('a summary reports p50, p99, max and mean of unsorted samples', () => {
  const s = summarize([3, 1, 2, 10]);
  assert.deepEqual(s, { n: 4, p50: 2, p99: 10, max: 10, mean: 4 });
});

test('the table shows PASS, MISS and nothing for figures without a goal', () => {
  const out = formatTable([
    { metric: 'a', measured: '1 ms', goal: '< 2 ms', pass: true },
    { metric: 'b', measured: '3 ms', goal: '< 2 ms', pass: false },
    { metric: 'c', measured: '4/s' },
  ]).split('\n');
  assert.match(out[2] ?? '', /^ {2}a +1 ms +< 2 ms +PASS$/);
  assert.match(out[3] ?? '', /MISS$/);
  assert.match(out[4] ?? '', /^ {2}c +4\/s +—$/);
});
