import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  depthOf,
  JsonDepthError,
  MAX_JSON_DEPTH,
  nestsDeeperThan,
  scanJson,
  truncateForMessage,
} from './json-scan.js';

void describe('scanJson', () => {
  void it('finds duplicate keys with their paths', () => {
    assert.deepEqual(scanJson('{"a":1,"a":2}'), ['a']);
    assert.deepEqual(
      scanJson(
        '{"metadata":{"labels":{"x":"1","y":"2","x":"3"}},"spec":{"c":[{"n":1},{"n":1,"n":2}]}}',
      ),
      ['metadata.labels.x', 'spec.c[1].n'],
    );
    assert.deepEqual(scanJson('{"a":{"b":1},"b":{"b":2}}'), []);
    assert.deepEqual(scanJson('{"a\\u0062":1,"ab":2}'), ['ab']);
    assert.deepEqual(scanJson('{"s":"{\\"a\\":1,\\"a\\":2}"}'), []);
  });

  void it('refuses nesting past the limit before any parse, without recursion', () => {
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    assert.deepEqual(scanJson(ok), []);
    const deep = '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000);
    assert.throws(
      () => scanJson(deep),
      (e: unknown) =>
        e instanceof JsonDepthError && e.message === "invalid character '{' exceeded max depth",
    );
    assert.throws(
      () => scanJson('['.repeat(MAX_JSON_DEPTH + 1)),
      /invalid character '\[' exceeded max depth/,
    );
  });

  void it('ignores brackets inside strings', () => {
    assert.deepEqual(scanJson(JSON.stringify({ s: '['.repeat(5000) })), []);
  });
});

void describe('depth of values', () => {
  void it('measures without recursion', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    assert.equal(depthOf(v), 100_000);
    assert.equal(nestsDeeperThan(v, MAX_JSON_DEPTH), true);
    assert.equal(nestsDeeperThan({ a: [{}] }, 3), false);
    assert.equal(depthOf('x'), 0);
  });
});

void describe('truncateForMessage', () => {
  void it('keeps short text and cuts long text', () => {
    assert.equal(truncateForMessage('abc'), 'abc');
    const cut = truncateForMessage('x'.repeat(10_000));
    assert.ok(cut.length < 1100 && cut.endsWith('...(truncated)'));
  });
});
