import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalJson,
  deepCopy,
  equalIgnoringEmpty,
  equalIgnoringZeroValues,
  isJsonObject,
  jsonEqual,
  sortedJson,
} from './json.js';

// [a, b, jsonEqual, equalIgnoringEmpty, equalIgnoringZeroValues]
const cases: [unknown, unknown, boolean, boolean, boolean][] = [
  [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true, true, true],
  [{ a: 1 }, { a: 2 }, false, false, false],
  [[1, 2], [2, 1], false, false, false],
  [undefined, null, false, true, true],
  [undefined, {}, false, true, true],
  [undefined, [], false, true, true],
  [{ a: [] }, {}, false, true, true],
  [{ a: null }, { a: {} }, false, true, true],
  [{ a: { b: [] } }, undefined, false, true, true],
  [[{}], [null], false, true, true],
  [[{}], [], false, false, false],
  [{ a: '' }, {}, false, false, true],
  [{ a: 0 }, {}, false, false, true],
  [{ a: false }, { a: null }, false, false, true],
  [{ a: { b: 0, c: '' } }, undefined, false, false, true],
  [[''], [null], false, false, true],
  [{ a: '0' }, {}, false, false, false],
  [{ a: 0 }, { a: false }, false, false, true],
  [{ a: 1 }, { a: true }, false, false, false],
];

describe('JSON equalities', () => {
  for (const [a, b, exact, empty, zero] of cases) {
    const name = `${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
    it(name, () => {
      assert.equal(jsonEqual(a, b), exact, 'jsonEqual');
      assert.equal(equalIgnoringEmpty(a, b), empty, 'equalIgnoringEmpty');
      assert.equal(equalIgnoringZeroValues(a, b), zero, 'equalIgnoringZeroValues');
      // Each equality is symmetric, and each is looser than the one before.
      assert.equal(jsonEqual(b, a), exact);
      assert.equal(equalIgnoringEmpty(b, a), empty);
      assert.equal(equalIgnoringZeroValues(b, a), zero);
      if (exact) assert.ok(empty);
      if (empty) assert.ok(zero);
    });
  }
});

describe('deepCopy', () => {
  it('copies every level and keeps the value', () => {
    const v = { a: [{ b: 1 }], c: { d: 'x' }, e: null, f: undefined };
    const c = deepCopy(v);
    assert.deepEqual(c, v);
    assert.ok('f' in c);
    assert.notEqual(c.a, v.a);
    assert.notEqual(c.a[0], v.a[0]);
    assert.notEqual(c.c, v.c);
    assert.equal(deepCopy(undefined), undefined);
    assert.equal(deepCopy('s'), 's');
  });
});

describe('renderings', () => {
  it('sortedJson sorts keys at every level and skips undefined', () => {
    assert.equal(
      sortedJson({ b: 1, a: { d: [], c: null }, u: undefined }),
      '{"a":{"c":null,"d":[]},"b":1}',
    );
  });
  it('canonicalJson also drops null and empty containers', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [], c: null }, e: '' }), '{"b":1,"e":""}');
    assert.equal(canonicalJson({ a: {} }), 'null');
    assert.equal(canonicalJson([{}, 1]), '[null,1]');
  });
  it('isJsonObject accepts objects only', () => {
    assert.ok(isJsonObject({}));
    assert.ok(!isJsonObject([]));
    assert.ok(!isJsonObject(null));
    assert.ok(!isJsonObject('x'));
  });
});
