// Time zone names as Go's time.LoadLocation finds them: "UTC" and "Local" always, any other
// name as a TZif file of the system's zoneinfo database (what kube-apiserver and
// kube-controller-manager read); without that database, the zones Node's ICU knows.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ZONEINFO_DIRS = ['/usr/share/zoneinfo', '/usr/share/lib/zoneinfo', '/usr/lib/locale/TZ'];

function isTzif(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4);
      return readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === 'TZif';
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

function hasDatabase(): string[] {
  const dirs: string[] = [];
  for (const d of ZONEINFO_DIRS)
    try {
      if (statSync(d).isDirectory()) dirs.push(d);
    } catch {
      /* absent */
    }
  return dirs;
}

function icuKnows(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const known = new Map<string, boolean>();

/** Whether time.LoadLocation(zone) succeeds. */
export function knownTimeZone(zone: string): boolean {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return true;
  if (zone.split('/').includes('..') || zone.startsWith('/') || zone.startsWith('\\')) return false;
  const cached = known.get(zone);
  if (cached !== undefined) return cached;
  const dirs = hasDatabase();
  const ok = dirs.length ? dirs.some((d) => isTzif(join(d, zone))) : icuKnows(zone);
  // Bounded: names come from requests.
  if (known.size < 1000) known.set(zone, ok);
  return ok;
}
