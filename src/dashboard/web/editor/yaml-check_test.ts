import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkYaml, kindAt } from './yaml-check.js';
import { configMapSchema } from '../testing.js';

const schemaOf = async (apiVersion: string, kind: string) =>
  apiVersion === 'v1' && kind === 'ConfigMap' ? configMapSchema : undefined;

describe('checking YAML', () => {
  it('marks an unknown field on its key and a wrong type on its value', async () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  nmae: y\ndata:\n  a: "1"\nimmutable: maybe\n';
    const problems = await checkYaml(text, schemaOf);
    assert.deepEqual(
      problems.map((p) => [text.slice(p.from, p.to), p.severity, p.message]),
      [
        ['nmae', 'error', 'unknown field "metadata.nmae"'],
        ['maybe', 'error', 'immutable: expected boolean, got string'],
      ],
    );
  });

  it('reports syntax errors and checks each document of a stream by its own kind', async () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nbogus: 1\n---\napiVersion: v1\nkind: Other\nbogus: 1\n---\na: [\n';
    const problems = await checkYaml(text, schemaOf);
    assert.equal(problems.length >= 2, true);
    assert.equal(text.slice(problems[0]!.from, problems[0]!.to), 'bogus');
    assert.equal(problems[0]!.from < text.indexOf('---'), true);
    assert.ok(problems.slice(1).every((p) => p.from > text.lastIndexOf('---')));
    assert.ok(problems.slice(1).every((p) => p.severity === 'error'));
    assert.ok(
      problems.slice(1).every((p) => !/line \d+/.test(p.message)),
      problems[1]!.message,
    );
  });

  it('marks an alias without its anchor instead of failing', async () => {
    const problems = await checkYaml('apiVersion: v1\nkind: ConfigMap\ndata: *nowhere\n', schemaOf);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /Unresolved alias/);
  });

  it('says nothing about a document without a kind or a kind without a schema', async () => {
    assert.deepEqual(await checkYaml('a: 1\n', schemaOf), []);
    assert.deepEqual(await checkYaml('apiVersion: v9\nkind: X\nfoo: 1\n', schemaOf), []);
    assert.deepEqual(await checkYaml('', schemaOf), []);
  });
});

describe('the kind at the cursor', () => {
  it('reads apiVersion and kind of the document around the cursor', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\n---\napiVersion: apps/v1\nkind: "Deployment"\nspec:\n  ';
    assert.deepEqual(kindAt(text, 5), { apiVersion: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(kindAt(text, text.length), { apiVersion: 'apps/v1', kind: 'Deployment' });
  });
});
