// Runs the host tools (ip, nft, unshare, umount), optionally inside a network namespace
// given by path: `ip -n` only takes names under /run/netns, so paths go through nsenter.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CommandRunner } from '../runner/index.js';

export class CommandError extends Error {
  readonly argv: string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(argv: string[], exitCode: number | null, stderr: string) {
    const detail = stderr.trim() || `exit status ${exitCode ?? 'unknown'}`;
    super(`"${argv.join(' ')}" failed: ${detail}`);
    this.name = 'CommandError';
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface RunOptions {
  /** Path of the network namespace to run in; the caller's own when absent. */
  netns?: string | undefined;
  /** Written to the command's standard input (for `ip -batch -` and `nft -f -`). */
  input?: string;
}

// Tools live in sbin directories that a non-login PATH may lack.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'];
const found = new Map<string, string | undefined>();

/** The absolute path of a tool, or undefined when it is not installed. */
export function which(tool: string): string | undefined {
  if (found.has(tool)) return found.get(tool);
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  let hit: string | undefined;
  for (const d of dirs) {
    try {
      accessSync(join(d, tool), constants.X_OK);
      hit = join(d, tool);
      break;
    } catch {
      /* next */
    }
  }
  found.set(tool, hit);
  return hit;
}

function resolve(tool: string): string {
  const p = which(tool);
  if (!p) throw new Error(`"${tool}" is not installed; the pod network needs it`);
  return p;
}

/** Runs argv through the runner; its stdout, or a CommandError when it exits non-zero. */
export async function run(
  runner: CommandRunner,
  argv: string[],
  o: RunOptions = {},
): Promise<string> {
  const [tool, ...args] = argv;
  if (!tool) throw new Error('empty command');
  const full = o.netns
    ? [resolve('nsenter'), `--net=${o.netns}`, '--', resolve(tool), ...args]
    : [resolve(tool), ...args];
  const r = await runner.run(full, o.input !== undefined ? { input: o.input } : {});
  if (r.code !== 0) throw new CommandError(argv, r.code, r.stderr.toString());
  return r.stdout.toString();
}

/** Runs a command whose failure is fine when stderr matches (e.g. deleting what is gone). */
export async function runIgnoring(
  runner: CommandRunner,
  argv: string[],
  ignore: RegExp,
  o: RunOptions = {},
) {
  try {
    await run(runner, argv, o);
  } catch (err) {
    if (err instanceof CommandError && ignore.test(err.stderr)) return;
    throw err;
  }
}
