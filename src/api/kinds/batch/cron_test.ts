import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronError, nextAfter, parseCron } from './cron.js';
import { knownTimeZone } from './timezone.js';

const parse = (s: string): ReturnType<typeof parseCron> => parseCron(s, knownTimeZone);
const errorOf = (s: string): string => {
  try {
    parse(s);
  } catch (e) {
    assert.ok(e instanceof CronError);
    return e.message;
  }
  return '';
};
const next = (s: string, after: string, zone?: string): string | undefined =>
  nextAfter(parse(s), new Date(after), zone)?.toISOString();

void test('schedules robfig/cron refuses, with its messages', () => {
  const cases: [string, string][] = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-2 * * * *', 'beginning of range (5) beyond end of range (2): 5-2'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* * * foo *', 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every 5x', 'failed to parse duration @every 5x: time: invalid duration "5x"'],
    [
      'TZ=Mars/Olympus * * * * *',
      'provided bad location Mars/Olympus: unknown time zone Mars/Olympus',
    ],
  ];
  for (const [spec, msg] of cases) assert.equal(errorOf(spec), msg, spec);
});

void test('schedules it accepts: names, lists, ranges, steps, descriptors, TZ=', () => {
  for (const spec of [
    '*/1 * * * *',
    '0 0 * * *',
    '15,45 8-18/2 * jan-MAR mon-fri',
    '? * * * ?',
    '@hourly',
    '@daily',
    '@midnight',
    '@weekly',
    '@monthly',
    '@yearly',
    '@annually',
    '@every 1h30m',
    'TZ=Europe/Paris 0 9 * * *',
    'CRON_TZ=UTC 0 9 * * *',
  ])
    assert.equal(errorOf(spec), '', spec);
});

void test('next activation times, as SpecSchedule.Next and Every compute them', () => {
  assert.equal(next('*/1 * * * *', '2026-01-10T12:00:30Z', 'UTC'), '2026-01-10T12:01:00.000Z');
  assert.equal(next('*/1 * * * *', '2026-01-10T12:01:00Z', 'UTC'), '2026-01-10T12:02:00.000Z');
  assert.equal(next('*/15 * * * *', '2026-01-10T12:01:00Z', 'UTC'), '2026-01-10T12:15:00.000Z');
  assert.equal(next('0 0 * * *', '2026-01-10T12:00:00Z', 'UTC'), '2026-01-11T00:00:00.000Z');
  assert.equal(next('@monthly', '2026-01-10T12:00:00Z', 'UTC'), '2026-02-01T00:00:00.000Z');
  assert.equal(next('0 0 29 2 *', '2026-03-01T00:00:00Z', 'UTC'), '2028-02-29T00:00:00.000Z');
  // Day of month and day of week both restricted: either matches (2026-01-12 is a Monday).
  assert.equal(next('0 0 13 * 1', '2026-01-10T12:00:00Z', 'UTC'), '2026-01-12T00:00:00.000Z');
  // One of them a star: both must match.
  assert.equal(next('0 0 * * 1', '2026-01-10T12:00:00Z', 'UTC'), '2026-01-12T00:00:00.000Z');
  // In a time zone: 09:00 in Paris is 08:00 UTC in winter.
  assert.equal(
    next('0 9 * * *', '2026-01-10T12:00:00Z', 'Europe/Paris'),
    '2026-01-11T08:00:00.000Z',
  );
  assert.equal(
    next('TZ=America/New_York 0 9 * * *', '2026-01-10T12:00:00Z', 'UTC'),
    '2026-01-10T14:00:00.000Z',
  );
  assert.equal(next('@every 90s', '2026-01-10T12:00:00.500Z'), '2026-01-10T12:01:30.000Z');
  // Never: 30 February.
  assert.equal(next('0 0 30 2 *', '2026-01-10T12:00:00Z', 'UTC'), undefined);
});

void test('time zones as time.LoadLocation finds them in the system database', () => {
  assert.ok(knownTimeZone('UTC'));
  assert.ok(knownTimeZone('Europe/Paris'));
  assert.ok(knownTimeZone('America/Argentina/Buenos_Aires'));
  assert.ok(!knownTimeZone('Mars/Olympus'));
  assert.ok(!knownTimeZone('../etc/passwd'));
  assert.ok(!knownTimeZone('/etc/localtime'));
  // A directory of the database is no zone.
  assert.ok(!knownTimeZone('Europe'));
});
