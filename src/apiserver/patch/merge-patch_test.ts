import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyMergePatch } from './merge-patch.js';

// RFC 7386 appendix A, then what kubectl sends.
const cases: [string, unknown, unknown, unknown][] = [
  ['replace a member', { a: 'b' }, { a: 'c' }, { a: 'c' }],
  ['add a member', { a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  ['null removes', { a: 'b' }, { a: null }, {}],
  ['null removes one of two', { a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  ['a list replaces a string', { a: ['b'] }, { a: 'c' }, { a: 'c' }],
  ['a string replaces a list', { a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  ['nested objects merge', { a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  ['lists are replaced whole', { a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  ['lists of scalars are replaced', ['a', 'b'], ['c', 'd'], ['c', 'd']],
  ['an object replaces a list document', ['a'], { a: 'b' }, { a: 'b' }],
  ['a list replaces an object document', { a: 'foo' }, ['a'], ['a']],
  ['null replaces a member with null, removing it', { e: null }, { a: 1 }, { e: null, a: 1 }],
  [
    'a patch null nested in a new object is dropped',
    {},
    { a: { bb: { ccc: null } } },
    { a: { bb: {} } },
  ],
  ['a string patch replaces', { a: 'foo' }, 'bar', 'bar'],
  ['null patch gives null', { a: 'foo' }, null, null],
  [
    'kubectl label (merge patch)',
    { metadata: { name: 'web', labels: { app: 'web' } } },
    { metadata: { labels: { tier: 'front' } } },
    { metadata: { name: 'web', labels: { app: 'web', tier: 'front' } } },
  ],
  [
    'kubectl label x- (remove)',
    { metadata: { labels: { app: 'web', tier: 'front' } } },
    { metadata: { labels: { tier: null } } },
    { metadata: { labels: { app: 'web' } } },
  ],
  [
    'kubectl scale',
    { spec: { replicas: 1 }, status: { replicas: 1 } },
    { spec: { replicas: 5 } },
    { spec: { replicas: 5 }, status: { replicas: 1 } },
  ],
];

void describe('applyMergePatch', () => {
  for (const [name, doc, patch, want] of cases) {
    void it(name, () => {
      const d = structuredClone(doc);
      const p = structuredClone(patch);
      assert.deepEqual(applyMergePatch(d, p), want);
      assert.deepEqual(d, doc, 'the document is not modified');
      assert.deepEqual(p, patch, 'the patch is not modified');
    });
  }

  void it('returns values not shared with its inputs', () => {
    const doc = { keep: { x: 1 } };
    const patch = { add: { y: [1] } };
    const out = applyMergePatch(doc, patch) as { keep: { x: number }; add: { y: number[] } };
    out.keep.x = 2;
    out.add.y.push(2);
    assert.deepEqual(doc, { keep: { x: 1 } });
    assert.deepEqual(patch, { add: { y: [1] } });
  });
});
