// Debian packages as image inputs: the candidate version apt knows, downloaded once with
// `apt-get download` into the cache and unpacked with `dpkg-deb -x`.

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { withLock } from './lock.js';
import { run, sha256File } from './exec.js';

export interface DebPackage {
  package: string;
  version: string;
  architecture: string;
  /** sha256 of the .deb as downloaded (and as the archive index lists it). */
  sha256: string;
  /** The .deb in the cache. */
  file: string;
  /** The package's files, unpacked. */
  root: string;
}

interface Candidate {
  version: string;
  architecture: string;
  sha256: string | undefined;
}

async function candidate(pkg: string): Promise<Candidate | undefined> {
  let out: string;
  try {
    out = (await run('apt-cache', ['show', '--no-all-versions', pkg])).stdout;
  } catch {
    return undefined;
  }
  const fields = new Map<string, string>();
  for (const line of out.split('\n')) {
    if (line === '') break; // first stanza only
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) fields.set(m[1], m[2]);
  }
  const version = fields.get('Version');
  const architecture = fields.get('Architecture');
  if (!version || !architecture) return undefined;
  return { version, architecture, sha256: fields.get('SHA256') };
}

let updated: Promise<void> | undefined;

/** `apt-get update`, at most once per process and never twice at the same time. */
function aptUpdateOnce(cacheRoot: string): Promise<void> {
  updated ??= withLock(join(cacheRoot, 'apt.lock'), async () => {
    await run('apt-get', ['update', '-qq'], { timeoutMs: 600_000 });
  });
  return updated;
}

function debName(pkg: string, c: Candidate): string {
  return `${pkg}_${c.version.replace(/:/g, '%3a')}_${c.architecture}`;
}

async function download(pkg: string, c: Candidate, debsDir: string): Promise<string> {
  const file = join(debsDir, `${debName(pkg, c)}.deb`);
  if (existsSync(file)) return file;
  const tmp = mkdtempSync(join(debsDir, '.download-'));
  try {
    const sandbox = process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
    await run('apt-get', ['download', '-qq', ...sandbox, `${pkg}=${c.version}`], { cwd: tmp });
    const got = readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!got) throw new Error(`apt-get download ${pkg} produced no .deb file`);
    renameSync(join(tmp, got), file);
    return file;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function fetchOnce(pkg: string, cacheRoot: string): Promise<DebPackage | undefined> {
  const c = await candidate(pkg);
  if (!c) return undefined;
  const debsDir = join(cacheRoot, 'debs');
  mkdirSync(debsDir, { recursive: true });
  let file: string;
  try {
    file = await download(pkg, c, debsDir);
  } catch {
    return undefined;
  }
  const digest = await sha256File(file);
  if (c.sha256 && c.sha256 !== digest) {
    rmSync(file, { force: true });
    throw new Error(
      `${pkg} ${c.version}: downloaded .deb has sha256 ${digest}, the archive index says ${c.sha256}`,
    );
  }
  const root = join(debsDir, `${debName(pkg, c)}.unpacked`);
  if (!existsSync(root)) {
    const tmp = mkdtempSync(join(debsDir, '.unpack-'));
    try {
      await run('dpkg-deb', ['-x', file, tmp]);
      renameSync(tmp, root);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(root)) throw err;
    }
  }
  return {
    package: pkg,
    version: c.version,
    architecture: c.architecture,
    sha256: digest,
    file,
    root,
  };
}

function readPin(pinFile: string): DebPackage | undefined {
  try {
    const pin = JSON.parse(readFileSync(pinFile, 'utf8')) as DebPackage;
    return existsSync(pin.file) && existsSync(pin.root) ? pin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The package's candidate version, downloaded and unpacked under cacheRoot/debs. Runs
 * `apt-get update` once if apt does not know the package or cannot fetch it. The version
 * is then pinned (debs/<package>.pin.json) so later builds neither ask apt again (slow
 * without apt's package cache) nor change when the archive does; delete the pin to move on.
 */
export async function fetchDeb(pkg: string, cacheRoot: string): Promise<DebPackage> {
  mkdirSync(cacheRoot, { recursive: true });
  const pinFile = join(cacheRoot, 'debs', `${pkg}.pin.json`);
  const pinned = readPin(pinFile);
  if (pinned) return pinned;
  return withLock(join(cacheRoot, 'debs.lock'), async () => {
    const again = readPin(pinFile);
    if (again) return again;
    let got = await fetchOnce(pkg, cacheRoot);
    if (!got) {
      await aptUpdateOnce(cacheRoot);
      got = await fetchOnce(pkg, cacheRoot);
    }
    if (got) {
      writeFileSync(`${pinFile}.tmp`, JSON.stringify(got, null, 2) + '\n');
      renameSync(`${pinFile}.tmp`, pinFile);
      return got;
    }
    throw new Error(
      `Cannot download the Debian package ${pkg}: apt-cache show or apt-get download failed even ` +
        'after apt-get update; check the apt sources and that the package mirror is reachable',
    );
  });
}
