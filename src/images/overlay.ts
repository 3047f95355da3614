// Overlay whiteouts: a character device 0:0 where a lower file is deleted and the xattr
// trusted.overlay.opaque=y on a directory whose lower contents are hidden. Node can make
// neither, so they are handed to GNU tar (always on Debian) as one small archive per layer.

import { spawn } from 'node:child_process';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { tarBuffer, type TarWriteEntry } from './tar-writer.js';

export interface OverlayMarkers {
  whiteouts: string[];
  opaques: string[];
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** Makes the markers under `root`; throws when they cannot be made (not root, no tar). */
export async function applyOverlayMarkers(root: string, m: OverlayMarkers): Promise<void> {
  const entries: TarWriteEntry[] = [];
  for (const w of m.whiteouts) {
    // an entry of this same layer at that path already hides the lower one
    if (await exists(join(root, w))) continue;
    entries.push({ name: w, type: 'char', devmajor: 0, devminor: 0, mode: 0 });
  }
  for (const d of m.opaques) {
    const st = await lstat(join(root, d));
    entries.push({
      name: d,
      type: 'directory',
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      xattrs: { 'trusted.overlay.opaque': 'y' },
    });
  }
  if (!entries.length) return;
  await runTar(root, tarBuffer(entries));
}

function runTar(root: string, archive: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'tar',
      [
        '-x',
        '--xattrs',
        '--xattrs-include=trusted.overlay.*',
        '--numeric-owner',
        '-f',
        '-',
        '-C',
        root,
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) =>
      reject(new Error(`cannot run tar to make overlay whiteouts: ${e.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`making overlay whiteouts failed: ${stderr.trim() || `tar exited ${code}`}`),
        );
    });
    child.stdin.on('error', () => {});
    child.stdin.end(archive);
  });
}
