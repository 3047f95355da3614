// The command runner: what execFile would give, through one long-lived Perl process.

import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCommandRunner } from './runner.js';

const runner = createCommandRunner();
const runCommand = runner.run;
const execCommand = runner.exec;
after(() => runner.close());

it('passes input, returns stdout, stderr and the exit status', async () => {
  const r = await runCommand(['sh', '-c', 'cat; echo oops >&2; exit 3'], { input: 'hello\n' });
  assert.deepEqual(
    [r.code, r.signal, r.stdout.toString(), r.stderr.toString()],
    [3, null, 'hello\n', 'oops\n'],
  );
});

it('runs in the given directory and reports a signal', async () => {
  assert.equal((await execCommand('pwd', [], { cwd: '/tmp' })).stdout, '/tmp\n');
  const killed = await runCommand(['sh', '-c', 'kill -9 $$']);
  assert.deepEqual([killed.code, killed.signal], [null, 9]);
});

it('a missing command fails with 127; execCommand throws with stderr attached', async () => {
  await assert.rejects(
    execCommand('skiff-no-such-command', []),
    (e: Error & { code: number; stderr: string }) => {
      assert.equal(e.code, 127);
      assert.match(e.stderr, /skiff-no-such-command/);
      return true;
    },
  );
});

it('runs many commands at once, each answered with its own output', async () => {
  const n = 40;
  const t0 = Date.now();
  const out = await Promise.all(
    Array.from({ length: n }, (_, i) => runCommand(['sh', '-c', `sleep 0.2; echo ${i}`])),
  );
  assert.deepEqual(
    out.map((r) => r.stdout.toString().trim()),
    Array.from({ length: n }, (_, i) => String(i)),
  );
  // Concurrent, not one after another (40 × 0.2 s would be 8 s).
  assert.ok(Date.now() - t0 < 7000, `took ${Date.now() - t0} ms`);
});

it('large output arrives whole', async () => {
  const r = await runCommand(['head', '-c', '3000000', '/dev/zero']);
  assert.equal(r.stdout.length, 3_000_000);
});

it('kills a command that outlives its timeout', async () => {
  const t0 = Date.now();
  const r = await runCommand(['sleep', '30'], { timeoutMs: 300 });
  assert.deepEqual([r.code, r.signal], [null, 9]);
  assert.ok(Date.now() - t0 < 5000);
  // The runner goes on serving.
  assert.equal((await execCommand('echo', ['still here'])).stdout, 'still here\n');
});

it('a closed runner fails what still runs, then starts afresh', async () => {
  const own = createCommandRunner();
  const running = own.run(['sleep', '30']);
  // Let the request reach the process before closing it.
  assert.equal((await own.exec('echo', ['up'])).stdout, 'up\n');
  own.close();
  await assert.rejects(running, /the command runner exited/);
  assert.equal((await own.exec('echo', ['again'])).stdout, 'again\n');
  own.close();
});
