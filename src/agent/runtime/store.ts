// Where the runtime keeps its state in the data dir, and the per-container record that
// lets a new agent process re-adopt what an earlier one created:
//   <data>/oci/                 the OCI runtime's --root (its own state)
//   <data>/exits/<id>           exit code, written by the monitor when the container ends
//   <data>/containers/<id>/     bundle: config.json, record.json, rootfs/ (overlay),
//                               upper/, work/, monitor/{exit,oom}, sock/

import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerConfig } from './types.js';

export interface ContainerRecord {
  config: ContainerConfig;
  logPath: string;
  cgroupsPath: string;
  createdAt: string;
  startedAt?: string;
}

export interface Layout {
  ociRoot: string;
  exitDir: string;
  containersDir: string;
  containerDir(id: string): string;
  exitFile(id: string): string;
}

export function layout(dataDir: string): Layout {
  const containersDir = join(dataDir, 'containers');
  const exitDir = join(dataDir, 'exits');
  return {
    ociRoot: join(dataDir, 'oci'),
    exitDir,
    containersDir,
    containerDir: (id) => join(containersDir, id),
    exitFile: (id) => join(exitDir, id),
  };
}

export async function ensureLayout(l: Layout): Promise<void> {
  for (const d of [l.ociRoot, l.exitDir, l.containersDir])
    await mkdir(d, { recursive: true, mode: 0o700 });
}

export async function saveRecord(dir: string, rec: ContainerRecord): Promise<void> {
  const tmp = join(dir, 'record.json.tmp');
  await writeFile(tmp, JSON.stringify(rec, null, 1));
  await rename(tmp, join(dir, 'record.json'));
}

/** Every record on disk (containers whose record was never written are skipped). */
export function loadRecords(l: Layout): Map<string, ContainerRecord> {
  const out = new Map<string, ContainerRecord>();
  let names: string[] = [];
  try {
    names = readdirSync(l.containersDir);
  } catch {
    return out;
  }
  for (const id of names) {
    try {
      const rec = JSON.parse(
        readFileSync(join(l.containerDir(id), 'record.json'), 'utf8'),
      ) as ContainerRecord;
      if (rec.config?.id === id) out.set(id, rec);
    } catch {
      /* half-created: no record */
    }
  }
  return out;
}

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
