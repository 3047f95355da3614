// The layer rules of eslint.config.js fail on deliberate breaches (small files in a scratch
// tree shaped like ours) and pass on the real tree.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface LayerPolicy {
  root: string;
  pending: { from: string; to: string }[];
  [option: string]: unknown;
}

// The same plugin and policy `npx eslint .` uses; only the root (and the known breaches) change.
async function layerConfig(root: string, rules: string[]): Promise<Linter.Config[]> {
  const load = (file: string) => import(pathToFileURL(join(repo, file)).href);
  const { layerPolicy } = (await load('eslint.config.js')) as { layerPolicy: LayerPolicy };
  const { skiffPlugin } = (await load('eslint-rules/layers.js')) as {
    skiffPlugin: NonNullable<Linter.Config['plugins']>[string];
  };
  const policy = root === repo ? layerPolicy : { ...layerPolicy, root, pending: [] };
  const all: Linter.RulesRecord = {
    'skiff/layers': ['error', policy],
    'skiff/no-cycle': ['error', { root }],
  };
  return [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser as Linter.Parser },
      plugins: { skiff: skiffPlugin },
      rules: Object.fromEntries(rules.map((r) => [r, all[r]])),
    },
  ];
}

async function lint(root: string, rules: string[], files: string[]) {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: await layerConfig(root, rules),
  });
  const results = await eslint.lintFiles(files);
  const problems = new Map<string, string[]>();
  for (const r of results) {
    const rel = r.filePath.slice(root.length + 1);
    for (const m of r.messages) problems.set(rel, [...(problems.get(rel) ?? []), m.message]);
  }
  return problems;
}

describe('layer rules on deliberate breaches', () => {
  let root = '';
  let problems = new Map<string, string[]>();
  const file = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'skiff-lint-'));
    file('src/apiserver/index.ts', `export const serve = 1;\n`);
    file('src/storage/index.ts', `export const store = 1;\n`);
    file('src/agent/index.ts', `export const node = 1;\n`);
    file('src/client/index.ts', `export { watch } from './informer.js';\n`);
    file('src/client/informer.ts', `export const watch = 1;\n`);
    file('src/api/labels.ts', `export const match = 1;\n`);
    file('src/api/kinds/index.ts', `export { volumes } from './podspec/volumes.js';\n`);
    file('src/api/kinds/podspec/volumes.ts', `export const volumes = 1;\n`);
    file('test/support/helpers.ts', `export const helper = 1;\n`);
    // Breaches.
    file('src/agent/x.ts', `import { serve } from '../apiserver/index.js';\nexport { serve };\n`);
    file('src/controllers/x.ts', `export { store } from '../storage/index.js';\n`);
    file('src/apiserver/y.ts', `export { node } from '../agent/index.js';\n`);
    file('src/scheduler/x.ts', `export { watch } from '../client/informer.js';\n`);
    file('src/scheduler/y.ts', `export { volumes } from '../api/kinds/podspec/volumes.js';\n`);
    file('src/images/x.ts', `export { helper } from '../../test/support/helpers.js';\n`);
    file('src/agent/x_test.ts', `export { watch } from '../client/informer.js';\n`);
    file('src/pki/a.ts', `import type { B } from './b.js';\nexport type A = B | 1;\n`);
    file('src/pki/b.ts', `import type { A } from './a.js';\nexport type B = { a?: A };\n`);
    // Allowed: public entries, shared vocabulary, own internals from tests, test support in tests.
    file(
      'src/scheduler/ok.ts',
      `export { watch } from '../client/index.js';\nexport { match } from '../api/labels.js';\nexport { volumes } from '../api/kinds/index.js';\n`,
    );
    file('src/client/informer_test.ts', `export { watch } from './informer.js';\n`);
    file('src/images/x_test.ts', `export { helper } from '../../test/support/helpers.js';\n`);
    file('src/cli/x.ts', `export { store } from '../storage/index.js';\n`);
    file('src/apiserver/x.ts', `export { store } from '../storage/index.js';\n`);
    problems = await lint(root, ['skiff/layers', 'skiff/no-cycle'], ['src', 'test']);
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  const only = (rel: string, pattern: RegExp) => {
    const found = problems.get(rel) ?? [];
    assert.equal(found.length, 1, `${rel}: ${JSON.stringify(found)}`);
    assert.match(found[0]!, pattern);
  };

  test('the agent does not import the API server', () =>
    only('src/agent/x.ts', /src\/agent must not import src\/apiserver/));
  test('the API server does not import the agent', () =>
    only('src/apiserver/y.ts', /src\/apiserver must not import src\/agent/));
  test('a controller does not import storage', () =>
    only('src/controllers/x.ts', /src\/controllers must not import src\/storage/));
  test("a sibling's internals are out of reach", () =>
    only('src/scheduler/x.ts', /src\/client\/informer\.ts is internal to src\/client/));
  test('deep files of the shared vocabulary are internal', () =>
    only('src/scheduler/y.ts', /src\/api\/kinds\/podspec\/volumes\.ts is internal to src\/api/));
  test('shipped code does not import test support', () =>
    only('src/images/x.ts', /must not import test\/support\/helpers\.ts/));
  test("a test file reaches its own component's internals only", () =>
    only('src/agent/x_test.ts', /is internal to src\/client/));
  test('an import cycle is an error, type-only imports included', () => {
    only('src/pki/a.ts', /Import cycle: src\/pki\/a\.ts → src\/pki\/b\.ts → src\/pki\/a\.ts/);
    only('src/pki/b.ts', /Import cycle: src\/pki\/b\.ts → src\/pki\/a\.ts → src\/pki\/b\.ts/);
  });
  test('allowed imports pass', () => {
    for (const rel of [
      'src/scheduler/ok.ts',
      'src/client/informer_test.ts',
      'src/images/x_test.ts',
      'src/cli/x.ts',
      'src/apiserver/x.ts',
    ]) {
      assert.deepEqual(problems.get(rel), undefined, rel);
    }
  });
});

// Cycles on the tree are left to `npx eslint .`, which also runs this rule.
test('the tree keeps its layers', async () => {
  const problems = await lint(repo, ['skiff/layers'], ['src']);
  assert.deepEqual(Object.fromEntries(problems), {});
});
