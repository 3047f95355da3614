import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../api/errors.js';
import type { ResourceDef } from '../api/types.js';
import { builtinResources } from '../api/registry.js';
import {
  conversionError,
  decodeJson,
  decodeObjectBody,
  decodeYaml,
  decodeYamlWithStrictError,
  bodyStrictErrors,
  decodePatchBody,
  strictDecodingErrors,
  addWarnings,
} from './negotiate.js';

const badRequest = (message: RegExp | string) => (e: unknown) => {
  assert.ok(e instanceof ApiError && e.code === 400, String(e));
  if (typeof message === 'string') assert.equal(e.message, message);
  else assert.match(e.message, message);
  return true;
};

const def = (kind: string): ResourceDef => {
  const d = builtinResources.find((r) => r.kind === kind);
  assert.ok(d, kind);
  return d;
};

void describe('decodeJson', () => {
  void it('refuses nesting past the limit before parsing', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    assert.throws(
      () => decodeJson(Buffer.from(deep)),
      badRequest("error decoding JSON: invalid character '[' exceeded max depth"),
    );
  });

  void it('records duplicate keys of an object body', () => {
    const obj = decodeObjectBody(
      'application/json',
      Buffer.from('{"kind":"ConfigMap","metadata":{"name":"a","name":"b"},"data":{"x":"1"}}'),
      'ConfigMap',
    );
    assert.equal(obj.metadata.name, 'b');
    assert.deepEqual(bodyStrictErrors(obj), ['duplicate field "metadata.name"']);
  });
});

void describe('decodeYaml', () => {
  void it('refuses an alias bomb', () => {
    const bomb = [
      'a: &a [x,x,x,x,x,x,x,x,x]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    assert.throws(
      () => decodeYaml(Buffer.from(bomb)),
      badRequest('error converting YAML to JSON: yaml: document contains excessive aliasing'),
    );
  });

  void it('keeps ordinary anchors and refuses deep nesting', () => {
    assert.deepEqual(decodeYaml(Buffer.from('a: &x {b: 1}\nc: *x\n')), {
      a: { b: 1 },
      c: { b: 1 },
    });
    assert.throws(
      () => decodeYaml(Buffer.from(`a: ${'['.repeat(5000)}${']'.repeat(5000)}`)),
      badRequest(/exceeded max depth/),
    );
  });
});

void describe('strict decoding errors', () => {
  void it('are deduplicated and capped at 100', () => {
    const dups = Array.from({ length: 300 }, (_, i) => `duplicate field "k${i % 150}"`);
    const errs = strictDecodingErrors(dups, ['spec.x']);
    assert.equal(errs.length, 100);
    assert.equal(errs[0], 'duplicate field "k0"');
    assert.deepEqual(strictDecodingErrors(['duplicate field "a"', 'duplicate field "a"'], ['b']), [
      'duplicate field "a"',
      'unknown field "b"',
    ]);
  });
});

void describe('conversionError', () => {
  void it('names the failed conversion for a known kind of another type', () => {
    assert.equal(
      conversionError(
        builtinResources,
        { apiVersion: 'v1', kind: 'Pod', metadata: {} },
        def('Namespace'),
      ),
      'Pod in version "v1" cannot be handled as a Namespace: converting (v1.Pod) to (core.Namespace): unknown conversion',
    );
    assert.equal(
      conversionError(
        builtinResources,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
        def('Deployment'),
      ),
      'ConfigMap in version "v1" cannot be handled as a Deployment: converting (v1.ConfigMap) to (apps.Deployment): unknown conversion',
    );
  });

  void it('says nothing for the same kind or an unknown one', () => {
    assert.equal(
      conversionError(
        builtinResources,
        { apiVersion: 'v1', kind: 'Pod', metadata: {} },
        def('Pod'),
      ),
      undefined,
    );
    assert.equal(
      conversionError(
        builtinResources,
        { apiVersion: 'v1', kind: 'Nope', metadata: {} },
        def('Pod'),
      ),
      undefined,
    );
  });
});

void describe('decodePatchBody', () => {
  void it('words decode failures as the patch handler does for each type', () => {
    const deep = Buffer.from('{"a":'.repeat(5000) + '1' + '}'.repeat(5000));
    for (const [type, message] of [
      [
        'application/merge-patch+json',
        "error decoding patch: invalid character '{' exceeded max depth",
      ],
      [
        'application/json-patch+json',
        "error decoding patch: invalid character '{' exceeded max depth",
      ],
      ['application/strategic-merge-patch+json', "invalid character '{' exceeded max depth"],
    ] as const)
      assert.throws(() => decodePatchBody(type, deep), badRequest(message));
  });

  void it('reports duplicate keys, and unknown fields of JSON patch operations', () => {
    assert.deepEqual(
      decodePatchBody('application/merge-patch+json', Buffer.from('{"a":{"b":1,"b":2}}'))
        .strictErrors,
      ['duplicate field "a.b"'],
    );
    assert.deepEqual(
      decodePatchBody(
        'application/json-patch+json',
        Buffer.from('[{"op":"add","path":"/a","path":"/b","value":1,"extra":2}]'),
      ).strictErrors,
      ['json patch duplicate field "[0].path"', 'json patch unknown field "[0].extra"'],
    );
  });
});

void describe('decodeYamlWithStrictError', () => {
  void it('keeps the last of duplicate keys and words the strict error as goyaml', () => {
    const out = decodeYamlWithStrictError(
      Buffer.from('a: 1\nb:\n  c: 2\n  c: 3\nl: [{x: 1, x: 2}]\na: 4\n'),
    );
    assert.deepEqual(out.value, { a: 4, b: { c: 3 }, l: [{ x: 2 }] });
    assert.equal(
      out.strictError,
      'yaml: unmarshal errors:\n  line 4: key "c" already set in map\n  line 5: key "x" already set in map\n  line 6: key "a" already set in map',
    );
    assert.equal(decodeYamlWithStrictError(Buffer.from('a: 1\n')).strictError, undefined);
  });
});

void describe('addWarnings', () => {
  void it('dedupes, and cuts every warning to 256 once the total passes 4096', () => {
    const w = ['earlier'];
    addWarnings(w, ['a', 'a', 'b']);
    assert.deepEqual(w, ['earlier', 'a', 'b']);
    const huge = Array.from({ length: 30 }, (_, i) => `${i}:${'x'.repeat(1000)}`);
    const limited: string[] = [];
    addWarnings(limited, huge);
    assert.ok(limited.every((t) => t.length <= 256));
    assert.ok(limited.join('').length <= 4096 + 256);
    assert.equal(limited[0], `0:${'x'.repeat(254)}`);
  });
});
