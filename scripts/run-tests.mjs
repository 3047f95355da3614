// Runs every test: unit tests beside the code (src/**/*_test.ts) and end-to-end tests
// (test/**/*_test.ts), in parallel, through Node's test runner.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function find(dir, out = []) {
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'testdata') find(p, out);
    } else if (e.name.endsWith('_test.ts')) out.push(relative(root, p));
  }
  return out;
}

const filter = process.argv.slice(2);
let files = [
  ...find(join(root, 'src')),
  ...find(join(root, 'test')),
  ...find(join(root, 'bench')),
].sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=4', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, SKIFF_TEST: '1' } },
);
process.exit(r.status ?? 1);
