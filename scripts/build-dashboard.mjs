// Builds the dashboard's web app (src/dashboard/web) into dist/dashboard: one bundle per
// entry, split so that heavy parts (the terminal, the YAML editor) load only when opened.
// Run by scripts/setup.mjs when the web sources are newer than the last build.

import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'src', 'dashboard', 'web');
const out = join(root, 'dist', 'dashboard');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(web, 'main.tsx')],
  outdir: join(out, 'assets'),
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  sourcemap: 'linked',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  loader: { '.css': 'css' },
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  tsconfig: join(web, 'tsconfig.json'),
});
copyFileSync(join(web, 'index.html'), join(out, 'index.html'));

// The sizes the benchmark and the server read: each output with its gzip size.
const sizes = {};
for (const file of Object.keys(result.metafile.outputs)) {
  if (file.endsWith('.map')) continue;
  const bytes = readFileSync(join(root, file));
  sizes[file.slice('dist/dashboard/'.length)] = {
    bytes: bytes.length,
    gzip: gzipSync(bytes).length,
  };
}
writeFileSync(join(out, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
