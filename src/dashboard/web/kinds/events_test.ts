import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/reducer.js';
import {
  decodeSecretValue,
  escapeFieldValue,
  isPathSegmentName,
  eventTime,
  involved,
  newestFirst,
  safeDecode,
} from './events.js';

const ev = (name: string, extra: any): KObject => ({ metadata: { name }, ...extra });

describe('events and secret values', () => {
  it('orders events by the last time they happened', () => {
    const es = [
      ev('a', { lastTimestamp: '2026-01-01T00:00:05Z' }),
      ev('b', { eventTime: '2026-01-01T00:00:09.000000Z' }),
      ev('c', {
        series: { lastObservedTime: '2026-01-01T00:00:10Z' },
        lastTimestamp: '2026-01-01T00:00:01Z',
      }),
      ev('d', { metadata: { name: 'd', creationTimestamp: '2026-01-01T00:00:07Z' } }),
    ];
    assert.deepEqual(
      newestFirst(es).map((e) => e.metadata.name),
      ['c', 'b', 'd', 'a'],
    );
    assert.equal(eventTime(es[0]!), '2026-01-01T00:00:05Z');
    assert.equal(
      involved(ev('x', { involvedObject: { kind: 'Pod', name: 'web-1' } })),
      'Pod/web-1',
    );
  });

  it('decodes base64 values as UTF-8', () => {
    assert.equal(decodeSecretValue('czNjcjN0'), 's3cr3t');
    assert.equal(decodeSecretValue(Buffer.from('pässwörd').toString('base64')), 'pässwörd');
    assert.equal(decodeSecretValue('%%%'), '%%%');
  });
});

describe('addresses and selectors', () => {
  it('escapes field selector values and decodes path segments safely', () => {
    assert.equal(escapeFieldValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
    assert.equal(escapeFieldValue('web-1'), 'web-1');
    assert.equal(safeDecode('a%20b'), 'a b');
    assert.equal(safeDecode('%zz'), '%zz');
    assert.equal(isPathSegmentName('web-1'), true);
    for (const bad of ['', '.', '..', 'a/b', '%zz']) assert.equal(isPathSegmentName(bad), false);
  });
});
