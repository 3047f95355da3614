// What a host needs before the node agent can run pods, checked before anything starts.

import { findExecutable, RUNTIME_CANDIDATES, RUNTIME_PACKAGES } from './runtime/index.js';
import { checkPodNetworkHost } from './sandbox/index.js';

export class PreflightError extends Error {
  constructor(missing: string[]) {
    super(
      `the node agent cannot start on this host:\n${missing.map((m) => `  - ${m}`).join('\n')}`,
    );
    this.name = 'PreflightError';
  }
}

/**
 * What this host lacks to run pods, each with how to get it (empty when nothing is missing).
 * Cheap and synchronous, so `skiff up` can refuse before it starts anything; whether the
 * runtime really works is found out when the agent starts.
 */
export function nodeHostProblems(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root privileges: run skiff as root (sudo)');
  for (const m of checkPodNetworkHost())
    if (!m.what.startsWith('root')) missing.push(`${m.what}: ${m.fix}`);
  if (!RUNTIME_CANDIDATES.some((r) => findExecutable(r)))
    missing.push('an OCI runtime ("runc" or "crun"): apt-get install runc');
  for (const tool of ['conmon', 'busybox'])
    if (!findExecutable(tool))
      missing.push(`the "${tool}" command: apt-get install ${RUNTIME_PACKAGES[tool] ?? tool}`);
  return missing;
}
