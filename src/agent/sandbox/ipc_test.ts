// The pod's IPC namespace and /dev/shm, made and removed through the runner the caller
// passes: a real runner, recording what goes through it.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingRunner } from '../../../test/support/command-runner.js';
import { createCommandRunner } from '../runner/index.js';
import { podIpcPath, podShmPath, setUpPodIpc, tearDownPodIpc } from './ipc.js';
import { which } from './exec.js';

const skip =
  process.getuid?.() !== 0
    ? 'needs root (mount, unshare)'
    : !which('unshare')
      ? '"unshare" is not installed'
      : false;

const mounted = (p: string): boolean =>
  readFileSync('/proc/self/mounts', 'utf8').includes(` ${p} `);

const runner = recordingRunner(createCommandRunner());
after(() => runner.close());

test('the pod IPC set-up and clean-up run through the given runner', { skip }, async () => {
  const podDir = mkdtempSync(join(tmpdir(), 'skiff-ipc-'));
  const ipc = podIpcPath(podDir);
  const shm = podShmPath(podDir);
  try {
    await setUpPodIpc(podDir, runner);
    assert.deepEqual(runner.commands, [
      [
        'unshare',
        `--ipc=${ipc}`,
        'mount',
        '-t',
        'tmpfs',
        '-o',
        'size=64m,nosuid,nodev,noexec,mode=1777',
        'shm',
        shm,
      ],
    ]);
    assert.ok(mounted(ipc) && mounted(shm), 'both mounted');

    await setUpPodIpc(podDir, runner); // already there: nothing to run
    assert.equal(runner.commands.length, 1);

    await tearDownPodIpc(podDir, runner);
    assert.deepEqual(runner.commands.slice(1), [
      ['umount', '-l', shm],
      ['umount', '-l', ipc],
    ]);
    assert.ok(!mounted(ipc) && !mounted(shm), 'both unmounted');
  } finally {
    for (const p of [podShmPath(podDir), podIpcPath(podDir)])
      if (mounted(p)) await runner.exec('umount', ['-l', p]).catch(() => undefined);
    rmSync(podDir, { recursive: true, force: true });
  }
});
