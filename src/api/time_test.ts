import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMicroTime, formatTime, formatTimeNano } from './time.js';

describe('API timestamps', () => {
  const cases: [string, string, string, string][] = [
    // [instant, metav1.Time, metav1.MicroTime, RFC3339Nano]
    [
      '2024-05-01T10:20:30.000Z',
      '2024-05-01T10:20:30Z',
      '2024-05-01T10:20:30.000000Z',
      '2024-05-01T10:20:30Z',
    ],
    [
      '2024-05-01T10:20:30.500Z',
      '2024-05-01T10:20:30Z',
      '2024-05-01T10:20:30.500000Z',
      '2024-05-01T10:20:30.5Z',
    ],
    [
      '2024-05-01T10:20:30.999Z',
      '2024-05-01T10:20:30Z',
      '2024-05-01T10:20:30.999000Z',
      '2024-05-01T10:20:30.999Z',
    ],
    [
      '1970-01-01T00:00:00.120Z',
      '1970-01-01T00:00:00Z',
      '1970-01-01T00:00:00.120000Z',
      '1970-01-01T00:00:00.12Z',
    ],
  ];
  for (const [instant, time, micro, nano] of cases) {
    it(instant, () => {
      const d = new Date(instant);
      assert.equal(formatTime(d), time);
      assert.equal(formatMicroTime(d), micro);
      assert.equal(formatTimeNano(d.getTime()), nano);
    });
  }

  it('seconds are truncated, never rounded up', () => {
    assert.equal(
      formatTime(new Date(Date.UTC(2023, 11, 31, 23, 59, 59, 999))),
      '2023-12-31T23:59:59Z',
    );
  });

  it('years past 9999 keep all their digits', () => {
    const d = new Date(Date.UTC(20000, 0, 1, 2, 3, 4, 500));
    assert.equal(formatTime(d), '+020000-01-01T02:03:04Z');
    assert.equal(formatMicroTime(d), '+020000-01-01T02:03:04.500000Z');
  });

  it('an instant in another offset is written in UTC', () => {
    assert.equal(formatTime(new Date('2024-05-01T12:20:30+02:00')), '2024-05-01T10:20:30Z');
  });
});
