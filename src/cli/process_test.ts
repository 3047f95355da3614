import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// A child process plays the server: a component throws from a timer and another leaves a
// rejection unhandled; the process must log both and go on with its work.
test('guardProcess: an uncaught error is logged and the process keeps running', () => {
  const script = `
    const { guardProcess } = await import(${JSON.stringify(pathToFileURL(join(here, 'process.ts')).href)});
    const { createLogger } = await import(${JSON.stringify(pathToFileURL(join(here, '..', 'log', 'index.ts')).href)});
    guardProcess(createLogger({ component: 'skiff' }));
    setTimeout(() => { throw new Error('rmSync EBUSY'); }, 10);
    void Promise.reject(new Error('teardown failed'));
    setTimeout(() => console.log('still serving'), 100);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'still serving\n');
  const logged = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(logged.map((l) => [l['level'], l['component'], l['msg'], l['err']]).sort(), [
    ['error', 'skiff', 'uncaught exception; the server keeps running', 'rmSync EBUSY'],
    ['error', 'skiff', 'unhandled rejection; the server keeps running', 'teardown failed'],
  ]);
  assert.ok(logged.every((l) => typeof l['stack'] === 'string'));
});

test('without the guard the same error ends the process', () => {
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `setTimeout(() => { throw new Error('boom'); }, 10); setTimeout(() => console.log('x'), 100);`,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
});
