// Host commands for the proxy's modes (nft, conntrack, sh), optionally inside a network
// namespace given by path (through nsenter), with a timeout: a hung tool never stalls syncs.

import { spawn } from 'node:child_process';
import type { HostCommandRunner } from './types.js';

const DEFAULT_TIMEOUT_MS = 30_000;

export class HostCommandError extends Error {
  readonly argv: string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(argv: string[], exitCode: number | null, stderr: string) {
    super(`"${argv.join(' ')}" failed: ${stderr.trim() || `exit status ${exitCode ?? 'unknown'}`}`);
    this.name = 'HostCommandError';
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** A runner that spawns each command (when the caller has no command runner to share). */
export const childProcessRunner: HostCommandRunner = {
  run(argv, o = {}) {
    return new Promise((resolve) => {
      const [cmd, ...args] = argv;
      const child = spawn(cmd ?? 'false', args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => err.push(Buffer.from(e.message)));
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(o.input ?? '');
    });
  },
};

export interface HostCommands {
  /** Runs argv (in the namespace when one is set); stdout, or a HostCommandError. */
  run(argv: string[], input?: string): Promise<string>;
}

export function hostCommands(
  runner: HostCommandRunner = childProcessRunner,
  netns?: string,
): HostCommands {
  return {
    async run(argv, input) {
      const full = netns ? ['nsenter', `--net=${netns}`, '--', ...argv] : argv;
      const r = await runner.run(full, {
        timeoutMs: DEFAULT_TIMEOUT_MS,
        ...(input !== undefined ? { input } : {}),
      });
      if (r.code !== 0) throw new HostCommandError(argv, r.code, r.stderr.toString());
      return r.stdout.toString();
    },
  };
}

/** A link's IPv4 addresses, from `ip -j -4 addr show`. */
export interface LinkAddresses {
  ifname: string;
  addresses: string[];
}

/** The links and their IPv4 addresses in `ip -j -4 addr show`'s output. */
export function parseIpv4Links(json: string): LinkAddresses[] {
  const links = JSON.parse(json || '[]') as { ifname?: string; addr_info?: { local?: string }[] }[];
  return links.map((l) => ({
    ifname: l.ifname ?? '',
    addresses: (l.addr_info ?? []).map((a) => a.local ?? '').filter(Boolean),
  }));
}
