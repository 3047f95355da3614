// The pod's IPC namespace (kept alive by a bind mount at podDir/ipc) and its /dev/shm, a
// 64 MiB tmpfs at podDir/shm: every container of the pod joins both, as they join the
// pause container's.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRunner } from '../runner/index.js';

export const podIpcPath = (podDir: string): string => join(podDir, 'ipc');
export const podShmPath = (podDir: string): string => join(podDir, 'shm');

function mounted(path: string): boolean {
  if (!existsSync(path)) return false;
  const target = ` ${path.replace(/ /g, '\\040')} `;
  return readFileSync('/proc/self/mounts', 'utf8').includes(target);
}

/** Makes both when missing; safe to repeat. */
export async function setUpPodIpc(podDir: string, runner: CommandRunner): Promise<void> {
  const ipc = podIpcPath(podDir);
  const shm = podShmPath(podDir);
  const opts = 'size=64m,nosuid,nodev,noexec,mode=1777';
  const shmMount = ['mount', '-t', 'tmpfs', '-o', opts, 'shm', shm];
  const haveIpc = mounted(ipc);
  const haveShm = mounted(shm);
  if (haveIpc && haveShm) return;
  mkdirSync(shm, { recursive: true });
  // One process for both (the spawn is the costly part): unshare makes the namespace
  // persistent at ipc, then runs the mount (which does not care about the IPC namespace).
  if (!haveIpc) {
    writeFileSync(ipc, '');
    await runner.exec('unshare', [`--ipc=${ipc}`, ...(haveShm ? ['true'] : shmMount)]);
  } else await runner.exec('mount', shmMount.slice(1));
}

export async function tearDownPodIpc(podDir: string, runner: CommandRunner): Promise<void> {
  for (const p of [podShmPath(podDir), podIpcPath(podDir)])
    if (mounted(p)) await runner.exec('umount', ['-l', p]);
}
