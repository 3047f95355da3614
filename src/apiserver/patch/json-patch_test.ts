import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../api/errors.js';
import { applyJsonPatch, MAX_JSON_PATCH_COPY_BYTES } from './json-patch.js';

interface Case {
  name: string;
  doc: unknown;
  patch: unknown;
  want?: unknown;
  /** Expected error: HTTP code and message. */
  error?: [number, string];
}

// The examples of RFC 6902 appendix A, then error cases worded as the Go library does.
const cases: Case[] = [
  {
    name: 'A.1 add an object member',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux' }],
    want: { foo: 'bar', baz: 'qux' },
  },
  {
    name: 'A.2 add an array element',
    doc: { foo: ['bar', 'baz'] },
    patch: [{ op: 'add', path: '/foo/1', value: 'qux' }],
    want: { foo: ['bar', 'qux', 'baz'] },
  },
  {
    name: 'A.3 remove an object member',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'remove', path: '/baz' }],
    want: { foo: 'bar' },
  },
  {
    name: 'A.4 remove an array element',
    doc: { foo: ['bar', 'qux', 'baz'] },
    patch: [{ op: 'remove', path: '/foo/1' }],
    want: { foo: ['bar', 'baz'] },
  },
  {
    name: 'A.5 replace a value',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'replace', path: '/baz', value: 'boo' }],
    want: { baz: 'boo', foo: 'bar' },
  },
  {
    name: 'A.6 move a value',
    doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    patch: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    want: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  },
  {
    name: 'A.7 move an array element',
    doc: { foo: ['all', 'grass', 'cows', 'eat'] },
    patch: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    want: { foo: ['all', 'cows', 'eat', 'grass'] },
  },
  {
    name: 'A.8 test a value (success)',
    doc: { baz: 'qux', foo: ['a', 2, 'c'] },
    patch: [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    want: { baz: 'qux', foo: ['a', 2, 'c'] },
  },
  {
    name: 'A.9 test a value (error)',
    doc: { baz: 'qux' },
    patch: [{ op: 'test', path: '/baz', value: 'bar' }],
    error: [422, 'testing value /baz failed: test failed'],
  },
  {
    name: 'A.10 add a nested member object',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    want: { foo: 'bar', child: { grandchild: {} } },
  },
  {
    name: 'A.11 ignore unrecognized elements',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
    want: { foo: 'bar', baz: 'qux' },
  },
  {
    name: 'A.12 add to a nonexistent target',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz/bat', value: 'qux' }],
    error: [422, 'add operation does not apply: doc is missing path: "/baz/bat": missing value'],
  },
  {
    name: 'A.14 ~ escape ordering',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: 10 }],
    want: { '/': 9, '~1': 10 },
  },
  {
    name: 'A.15 comparing strings and numbers',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: '10' }],
    error: [422, 'testing value /~01 failed: test failed'],
  },
  {
    name: 'A.16 add an array value',
    doc: { foo: ['bar'] },
    patch: [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
    want: { foo: ['bar', ['abc', 'def']] },
  },
  {
    name: 'copy a value',
    doc: { a: { b: [1] } },
    patch: [{ op: 'copy', from: '/a/b', path: '/c' }],
    want: { a: { b: [1] }, c: [1] },
  },
  {
    name: 'escaped slash in a label key (kubectl label via json patch)',
    doc: { metadata: { labels: { 'app.kubernetes.io/name': 'web' } } },
    patch: [{ op: 'remove', path: '/metadata/labels/app.kubernetes.io~1name' }],
    want: { metadata: { labels: {} } },
  },
  {
    name: 'test of an object ignores key order',
    doc: { a: { x: 1, y: [1, { z: 2 }] } },
    patch: [{ op: 'test', path: '/a', value: { y: [1, { z: 2 }], x: 1 } }],
    want: { a: { x: 1, y: [1, { z: 2 }] } },
  },
  {
    name: 'replace the whole document',
    doc: { a: 1 },
    patch: [{ op: 'replace', path: '', value: { b: 2 } }],
    want: { b: 2 },
  },
  {
    name: 'replace a missing key',
    doc: { spec: {} },
    patch: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    error: [
      422,
      'replace operation does not apply: doc is missing key: /spec/replicas: missing value',
    ],
  },
  {
    name: 'replace under a missing parent',
    doc: {},
    patch: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    error: [
      422,
      'replace operation does not apply: doc is missing path: /spec/replicas: missing value',
    ],
  },
  {
    name: 'remove a missing key',
    doc: { metadata: { labels: {} } },
    patch: [{ op: 'remove', path: '/metadata/labels/app' }],
    error: [
      422,
      "error in remove for path: '/metadata/labels/app': Unable to remove nonexistent key: app: missing value",
    ],
  },
  {
    name: 'remove past the end of an array',
    doc: { a: [1] },
    patch: [{ op: 'remove', path: '/a/3' }],
    error: [
      422,
      "error in remove for path: '/a/3': Unable to access invalid index: 3: invalid index referenced",
    ],
  },
  {
    name: 'add past the end of an array',
    doc: { a: [1] },
    patch: [{ op: 'add', path: '/a/5', value: 2 }],
    error: [
      422,
      "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced",
    ],
  },
  {
    name: 'add with an index that is not a number',
    doc: { a: [1] },
    patch: [{ op: 'add', path: '/a/x', value: 2 }],
    error: [
      422,
      `error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
    ],
  },
  {
    name: 'move from a missing path',
    doc: { a: {} },
    patch: [{ op: 'move', from: '/b/c', path: '/a/c' }],
    error: [422, 'move operation does not apply: doc is missing from path: /b/c: missing value'],
  },
  {
    name: 'move into its own child',
    doc: { a: { b: {} } },
    patch: [{ op: 'move', from: '/a', path: '/a/b/c' }],
    error: [422, 'move operation does not apply: from path /a is a prefix of path /a/b/c'],
  },
  {
    name: 'unknown op',
    doc: {},
    patch: [{ op: 'frob', path: '/a' }],
    error: [422, 'Unexpected kind: frob'],
  },
  {
    name: 'missing op',
    doc: {},
    patch: [{ path: '/a' }],
    error: [422, 'Unexpected kind: unknown'],
  },
  {
    name: 'add without a path',
    doc: {},
    patch: [{ op: 'add', value: 1 }],
    error: [422, 'add operation failed to decode path: missing value'],
  },
  {
    name: 'add without a value',
    doc: {},
    patch: [{ op: 'add', path: '/a' }],
    error: [
      422,
      'add operation failed to decode value: operation, missing value field: missing value',
    ],
  },
  {
    name: 'a patch that is not a list',
    doc: {},
    patch: { op: 'add' },
    error: [400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
  },
  {
    name: 'an operation that is not an object',
    doc: {},
    patch: ['add'],
    error: [400, 'json: cannot unmarshal string into Go value of type jsonpatch.Operation'],
  },
  {
    name: 'a failing operation leaves earlier ones unapplied',
    doc: { a: 1 },
    patch: [
      { op: 'add', path: '/b', value: 2 },
      { op: 'test', path: '/a', value: 2 },
    ],
    error: [422, 'testing value /a failed: test failed'],
  },
];

void describe('applyJsonPatch', () => {
  for (const c of cases) {
    void it(c.name, () => {
      const doc = structuredClone(c.doc);
      const patch = structuredClone(c.patch);
      if (c.error) {
        assert.throws(
          () => applyJsonPatch(doc, patch),
          (e: unknown) =>
            e instanceof ApiError && e.code === c.error?.[0] && e.message === c.error[1],
        );
      } else {
        assert.deepEqual(applyJsonPatch(doc, patch), c.want);
      }
      assert.deepEqual(doc, c.doc, 'the document is not modified');
      assert.deepEqual(patch, c.patch, 'the patch is not modified');
    });
  }

  void it('does not share values between the patch and the result', () => {
    const value = { x: [1] };
    const out = applyJsonPatch({}, [{ op: 'add', path: '/v', value }]) as { v: { x: number[] } };
    out.v.x.push(2);
    assert.deepEqual(value, { x: [1] });
  });

  void it('refuses more than 10000 operations with 413', () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '', value: {} }));
    assert.throws(
      () => applyJsonPatch({}, ops),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 413 &&
        e.message ===
          'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    );
  });

  void it('refuses copies past the accumulated copy limit, before making them', () => {
    const ops: unknown[] = [];
    for (let i = 0; i < 40; i++) ops.push({ op: 'copy', from: '/a', path: '/a/-' });
    const started = Date.now();
    assert.throws(
      () => applyJsonPatch({ a: ['x'.repeat(100)] }, ops),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 422 &&
        new RegExp(
          `^Unable to complete the copy, the accumulated size increase of copy is \\d+, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}$`,
        ).test(e.message),
    );
    assert.ok(Date.now() - started < 2000);
  });

  void it('allows copies within the limit', () => {
    const out = applyJsonPatch({ a: 'x'.repeat(1000) }, [
      { op: 'copy', from: '/a', path: '/b' },
      { op: 'copy', from: '/a', path: '/c' },
    ]);
    assert.deepEqual(Object.keys(out as object), ['a', 'b', 'c']);
  });

  void it('refuses a value that would nest too deep', () => {
    // A chain of k nested `a` keys ending in {}; each copy hangs the whole chain at its own
    // end, so the chain doubles (2k + 1) while the patch stays small.
    let k = 30;
    let deep: unknown = {};
    for (let i = 0; i < k; i++) deep = { a: deep };
    const ops: unknown[] = [{ op: 'add', path: '/d', value: deep }];
    for (let i = 0; i < 10; i++) {
      ops.push({ op: 'copy', from: '/d', path: `/d${'/a'.repeat(k)}/a` });
      k = 2 * k + 1;
    }
    assert.throws(
      () => applyJsonPatch({}, ops),
      (e: unknown) =>
        e instanceof ApiError && e.code === 422 && /exceeds max depth/.test(e.message),
    );
  });

  void it('refuses a patch that would shift too many array elements, quickly', () => {
    const doc = { a: new Array(1_000_000).fill(0) };
    const ops = Array.from({ length: 9999 }, () => ({ op: 'add', path: '/a/0', value: 0 }));
    const cpuBefore = process.cpuUsage();
    assert.throws(
      () => applyJsonPatch(doc, ops),
      (e: unknown) => e instanceof ApiError && e.code === 422 && /shifts more than/.test(e.message),
    );
    // CPU time, not wall time, so a busy machine does not change the verdict: the shifts
    // cost about 9 s when they were made.
    const { user, system } = process.cpuUsage(cpuBefore);
    assert.ok((user + system) / 1000 < 3000, `${(user + system) / 1000} ms of CPU`);
    // Appending shifts nothing.
    const out = applyJsonPatch(doc, [{ op: 'add', path: '/a/-', value: 1 }]) as { a: unknown[] };
    assert.equal(out.a.length, 1_000_001);
  });
});
