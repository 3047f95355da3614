import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batch } from '../../api/kinds/index.js';
import { mostRecentScheduleTime, nextScheduleDelay, scheduleOf } from './schedule.js';
import type { CronJob } from './types.js';

const every = (spec: string): ReturnType<typeof scheduleOf> =>
  scheduleOf(batch.parseCron(spec, batch.knownTimeZone), 'UTC');
const cronJob = (created: string, extra: CronJob['spec'] = {}, last?: string): CronJob => ({
  metadata: { name: 'c', creationTimestamp: created },
  spec: { schedule: '*/1 * * * *', ...extra },
  ...(last ? { status: { lastScheduleTime: last } } : {}),
});
const iso = (d: Date | undefined): string | undefined => d?.toISOString();

void test('the activation due: none before the first, the latest of those missed, how many', () => {
  const s = every('*/1 * * * *');
  const cj = cronJob('2026-01-10T12:00:20Z');
  let r = mostRecentScheduleTime(cj, new Date('2026-01-10T12:00:50Z'), s, true);
  assert.equal(r.mostRecent, undefined);
  r = mostRecentScheduleTime(cj, new Date('2026-01-10T12:01:05Z'), s, true);
  assert.equal(iso(r.mostRecent), '2026-01-10T12:01:00.000Z');
  assert.equal(r.missed, 'none');
  r = mostRecentScheduleTime(cj, new Date('2026-01-10T12:05:05Z'), s, true);
  assert.equal(iso(r.mostRecent), '2026-01-10T12:05:00.000Z');
  assert.equal(r.missed, 'few');
  r = mostRecentScheduleTime(cj, new Date('2026-01-10T15:00:05Z'), s, true);
  assert.equal(iso(r.mostRecent), '2026-01-10T15:00:00.000Z');
  assert.equal(r.missed, 'many');
  // The last schedule counts from there, not from creation.
  const ran = cronJob('2026-01-10T12:00:20Z', {}, '2026-01-10T12:04:00Z');
  r = mostRecentScheduleTime(ran, new Date('2026-01-10T12:04:30Z'), s, true);
  assert.equal(r.mostRecent, undefined);
});

void test('startingDeadlineSeconds: activations older than the deadline are not looked at', () => {
  const s = every('*/1 * * * *');
  const cj = cronJob('2026-01-10T12:00:20Z', { startingDeadlineSeconds: 30 });
  const r = mostRecentScheduleTime(cj, new Date('2026-01-10T15:00:40Z'), s, true);
  assert.equal(r.mostRecent, undefined);
  assert.equal(r.missed, 'none');
  const inTime = mostRecentScheduleTime(cj, new Date('2026-01-10T15:00:20Z'), s, true);
  assert.equal(iso(inTime.mostRecent), '2026-01-10T15:00:00.000Z');
});

void test('the wait for the next activation, 100 ms past it', () => {
  const s = every('*/5 * * * *');
  const cj = cronJob('2026-01-10T12:00:20Z');
  assert.equal(nextScheduleDelay(cj, new Date('2026-01-10T12:01:00Z'), s), 4 * 60_000 + 100);
  const hourly = every('@hourly');
  assert.equal(nextScheduleDelay(cj, new Date('2026-01-10T12:30:00Z'), hourly), 30 * 60_000 + 100);
});
