// The Kubernetes release whose API Skiff serves, with Skiff's version as build metadata.

import { createRequire } from 'node:module';
import type { VersionInfo } from './types.js';

export const KUBERNETES_VERSION = { major: '1', minor: '33', patch: '1' };

export function skiffVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require('../../../package.json') as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function versionInfo(buildDate = '2026-11-22T00:00:00Z'): VersionInfo {
  const k = KUBERNETES_VERSION;
  return {
    major: k.major,
    minor: k.minor,
    // A binary that emulates its own version; the minimum compatibility is one minor back.
    emulationMajor: k.major,
    emulationMinor: k.minor,
    minCompatibilityMajor: k.major,
    minCompatibilityMinor: String(Number(k.minor) - 1),
    gitVersion: `v${k.major}.${k.minor}.${k.patch}+skiff-${skiffVersion()}`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate,
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
