import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { objectPathAt, rangeOf } from './yaml-path.js';

/** objectPathAt at the `|` in `text`. */
function at(text: string) {
  const offset = text.indexOf('|');
  const clean = text.slice(0, offset) + text.slice(offset + 1);
  const before = clean.slice(0, offset).split('\n');
  return objectPathAt(clean, before.length - 1, before.at(-1)!.length);
}

describe('the object the cursor is in', () => {
  it('top level, with the keys already there', () => {
    assert.deepEqual(at('apiVersion: v1\nkind: ConfigMap\nda|\nmetadata:\n  name: x\n'), {
      path: [],
      siblings: ['kind', 'apiVersion', 'metadata'],
    });
  });

  it('a nested map', () => {
    assert.deepEqual(at('metadata:\n  name: x\n  la|'), { path: ['metadata'], siblings: ['name'] });
    assert.deepEqual(at('spec:\n  replicas: 1\n  |\n'), { path: ['spec'], siblings: ['replicas'] });
  });

  it('a list item written as `- key:` with the rest under it', () => {
    assert.deepEqual(at('spec:\n  containers:\n  - name: a\n    im|'), {
      path: ['spec', 'containers', 0],
      siblings: ['name'],
    });
    assert.deepEqual(at('spec:\n  containers:\n    - name: a\n      image: b\n    - na|'), {
      path: ['spec', 'containers', 0],
      siblings: [],
    });
  });

  it('lists inside lists, several levels down', () => {
    const text =
      'spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        ports:\n' +
      '        - containerPort: 80\n          pro|';
    assert.deepEqual(at(text).path, ['spec', 'template', 'spec', 'containers', 0, 'ports', 0]);
  });

  it('back at a shallower level after a list', () => {
    assert.deepEqual(at('spec:\n  containers:\n  - name: a\n    image: b\n  rep|'), {
      path: ['spec'],
      siblings: ['containers'],
    });
  });

  it('stays within its document of a multi-document stream', () => {
    assert.deepEqual(at('kind: A\nspec: {}\n---\nkind: B\nme|\n---\nzzz: 1\n'), {
      path: [],
      siblings: ['kind'],
    });
  });

  it('ignores comments and blank lines', () => {
    assert.deepEqual(at('# a comment\nspec:\n\n  # note\n  rep|').path, ['spec']);
  });
});

describe('where a path sits in the text', () => {
  const text = 'kind: ConfigMap\ndata:\n  a: "1"\nspec:\n  list:\n  - x: 1\n    bad: 2\n';
  const doc = parseDocument(text);
  const slice = (r: { from: number; to: number } | undefined) => r && text.slice(r.from, r.to);

  it('finds a key or its value', () => {
    assert.equal(slice(rangeOf(doc, ['data', 'a'], true)), 'a');
    assert.equal(slice(rangeOf(doc, ['data', 'a'], false)), '"1"');
    assert.equal(slice(rangeOf(doc, ['spec', 'list', 0, 'bad'], true)), 'bad');
    assert.equal(slice(rangeOf(doc, ['spec', 'list', 0, 'x'], false)), '1');
  });

  it('says nothing for a path that is not there', () => {
    assert.equal(rangeOf(doc, ['nope'], true), undefined);
    assert.equal(rangeOf(doc, ['data', 'a', 'deeper'], true), undefined);
  });
});
