// The layout of tests and their helpers: code under src/ never imports from test/ (the
// shipped build, tsconfig.build.json, holds src/ alone), and tests beside the code reach
// test/ only through test/support/.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'test');

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The files under test/ that `file` imports (static or dynamic imports, relative paths). */
function importsOfTest(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)];
  return specs
    .map((m) => resolve(dirname(file), m[1] ?? ''))
    .filter((p) => p.startsWith(testDir + '/'))
    .map((p) => relative(root, p));
}

void it('no module under src/ imports from test/, and tests only through test/support/', () => {
  const wrong: string[] = [];
  for (const file of sources(join(root, 'src'))) {
    const isTest = file.endsWith('_test.ts');
    for (const target of importsOfTest(file)) {
      if (!isTest || !target.startsWith('test/support/'))
        wrong.push(`${relative(root, file)} imports ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});
