// The host's device nodes, given to privileged containers (as containerd does).

import { readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { OciSpec } from './spec.js';

type Device = NonNullable<OciSpec['linux']['devices']>[number];

const SKIP = new Set(['/dev/pts', '/dev/shm', '/dev/mqueue', '/dev/fd', '/dev/.lxc', '/dev/.udev']);

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

export function hostDevices(dir = '/dev'): Device[] {
  const out: Device[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (SKIP.has(path)) continue;
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) out.push(...hostDevices(path));
    else if (st.isCharacterDevice() || st.isBlockDevice())
      out.push({
        path,
        type: st.isCharacterDevice() ? 'c' : 'b',
        major: major(st.rdev),
        minor: minor(st.rdev),
        fileMode: st.mode & 0o777,
        uid: st.uid,
        gid: st.gid,
      });
  }
  return out;
}
