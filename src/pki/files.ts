// Small file helpers: optional reads and atomic writes with an explicit mode.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** The file's text, or undefined when it does not exist. */
export function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Writes through a temporary file and a rename, so a reader never sees half a key; the
 * temporary file is created with `mode`, so a key is never readable by others. `durable`
 * adds an fsync (milliseconds each on a busy disk): worth it only for what cannot be
 * re-issued, since a broken leaf certificate is simply re-issued at the next start.
 */
export function writeAtomic(path: string, data: string, mode: number, durable = false): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  rmSync(temp, { force: true }); // a stale one would keep its old mode
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
