import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionTokens, HOP_BY_HOP_HEADERS } from './hop-by-hop.js';

test('connectionTokens reads every Connection line, trimmed and lower-cased', () => {
  assert.deepEqual(
    [...connectionTokens({ connection: ' Keep-Alive, X-Secret ,,' })],
    ['keep-alive', 'x-secret'],
  );
  // Node keeps repeated Connection lines as an array only for some headers; both forms count.
  const repeated = { connection: ['close', 'X-Other'] } as unknown as Record<string, string>;
  assert.deepEqual([...connectionTokens(repeated)], ['close', 'x-other']);
  assert.equal(connectionTokens({}).size, 0);
});

test("the fixed list is Go reverse proxy's", () => {
  assert.deepEqual([...HOP_BY_HOP_HEADERS].sort(), [
    'connection',
    'keep-alive',
    'proxy-authenticate',
    'proxy-authorization',
    'proxy-connection',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
  ]);
});
