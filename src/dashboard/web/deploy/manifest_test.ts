import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeObject, parseManifest } from './manifest.js';

describe('manifests', () => {
  it('YAML with several documents: one entry each, with its first line; empty documents skipped', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: a',
      '---',
      '# only a comment',
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: b}',
      '',
    ].join('\n');
    const e = parseManifest(text);
    assert.equal(e.length, 2);
    assert.deepEqual(
      e.map((x) => [x.line, x.error, x.object?.kind]),
      [
        [1, undefined, 'ConfigMap'],
        [8, undefined, 'Namespace'],
      ],
    );
  });

  it('a syntax error is one entry with its line; the other documents still come', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: a}',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: b',
      ' data: [1, 2',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: c}',
    ].join('\n');
    const e = parseManifest(text);
    assert.deepEqual(
      e.map((x) => x.object?.metadata?.name ?? null),
      ['a', null, 'c'],
    );
    assert.match(e[1]!.error!, /^YAML syntax error at line 9: /);
    assert.equal(e[1]!.line, 9);
  });

  it('objects without apiVersion, kind or name are refused on their own line', () => {
    const e = parseManifest('kind: ConfigMap\nmetadata: {}\n---\n- 1\n');
    assert.equal(e[0]!.error, 'error validating data: [apiVersion not set, metadata.name not set]');
    assert.match(e[1]!.error!, /^not an object/);
  });

  it('JSON: an object, a List of objects, and a syntax error with its line', () => {
    const one = parseManifest('{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}');
    assert.deepEqual(
      one.map((x) => x.object?.metadata.name),
      ['x'],
    );
    const list = parseManifest(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'p' } },
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'q' } },
        ],
      }),
    );
    assert.deepEqual(
      list.map((x) => x.object?.metadata.name),
      ['p', 'q'],
    );
    const bad = parseManifest(
      '{\n  "apiVersion": "v1",\n  "kind": "Namespace",\n  "metadata": {"name": }\n}\n',
    );
    assert.equal(bad.length, 1);
    assert.equal(bad[0]!.line, 4);
    assert.equal(bad[0]!.error, "JSON syntax error at line 4: unexpected '}'");
  });

  it('names an object by kind, namespace and name', () => {
    assert.equal(
      describeObject({ kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } }),
      'Deployment prod/web',
    );
    assert.equal(
      describeObject({ kind: 'Namespace', metadata: { name: 'prod' } }),
      'Namespace prod',
    );
    assert.equal(describeObject(undefined), 'document');
  });
});

describe('JSON syntax errors', () => {
  it('finds the first offending offset', async () => {
    const { findJsonError } = await import('./jsonpos.js');
    assert.equal(findJsonError('{"a": [1, 2, {"b": null}], "c": "x\\n"}'), undefined);
    assert.deepEqual(findJsonError('{"a" 1}'), { offset: 5, message: "expected ':', found '1'" });
    assert.deepEqual(findJsonError('[1, 2'), {
      offset: 5,
      message: "expected ',' or ']', found end of input",
    });
    assert.deepEqual(findJsonError('{"a": tru}'), { offset: 6, message: "unexpected 't'" });
    assert.deepEqual(findJsonError('{} x'), {
      offset: 3,
      message: "unexpected 'x' after the JSON value",
    });
    assert.deepEqual(findJsonError('{"a": "\\q"}'), { offset: 8, message: 'bad escape' });
    // Agrees with JSON.parse on a seeded sample of mangled documents.
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const base = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      data: { a: '1', b: [1, 2.5, true, null] },
    });
    for (let k = 0; k < 300; k++) {
      const at = Math.floor(rnd() * base.length);
      const ch = '{}[]",: 1ex\\'[Math.floor(rnd() * 12)]!;
      const s = base.slice(0, at) + ch + base.slice(at + (rnd() < 0.5 ? 1 : 0));
      let parses = true;
      try {
        JSON.parse(s);
      } catch {
        parses = false;
      }
      assert.equal(findJsonError(s) === undefined, parses, s);
    }
  });
});

describe('generated manifests', () => {
  it('an alias to a missing anchor is an error of its document', () => {
    const e = parseManifest('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: *nowhere}\n');
    assert.equal(e.length, 1);
    assert.match(e[0]!.error!, /^YAML error in the document at line 1: .*alias/i);
  });

  // A seeded walk over mangled multi-document YAML: reading never throws, every entry is an
  // object or an error, and every line named is a line of the text.
  it('never throw, and every entry has an object or an error on a real line', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const doc = (i: number) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\ndata:\n  k: "v"\n  list: [1, 2]\n`;
    const junk = [':', '- ', '  ', '[', '{', '"', '---\n', '\t', '#', '&a ', '*a', '\n', '}'];
    for (let k = 0; k < 300; k++) {
      let text = [0, 1, 2].map(doc).join('---\n');
      for (let m = Math.floor(rnd() * 4); m > 0; m--) {
        const at = Math.floor(rnd() * text.length);
        text = text.slice(0, at) + junk[Math.floor(rnd() * junk.length)]! + text.slice(at);
      }
      const lines = text.split('\n').length;
      const entries = parseManifest(text);
      for (const e of entries) {
        assert.ok(e.object !== undefined || e.error !== undefined, text);
        assert.ok(e.line >= 1 && e.line <= lines, `${e.line} of ${lines}: ${text}`);
      }
    }
  });
});
