// Runs short host commands (ip, mount, unshare, runc start|kill|delete…) through one small
// long-lived Perl process (command-runner.pl) instead of spawning each from Node: Node forks
// its whole process for every spawn, which costs the agent milliseconds of CPU per command
// at its heap size (docs/adr/0004-command-runner.md). Many commands run at once.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeResponse, encodeKill, encodeRequest, exitOf, FrameReader } from './frames.js';

export interface CommandResult {
  /** Exit status; null when killed by a signal. */
  code: number | null;
  signal: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

export interface CommandOptions {
  input?: string | Buffer;
  cwd?: string;
  /** Killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
}

export interface CommandRunner {
  /** Runs argv (argv[0] a path or a name on PATH) to its end and collects its output. */
  run(argv: string[], o?: CommandOptions): Promise<CommandResult>;
  /** execFile's promise form: resolves with the output on exit 0, else throws CommandFailed. */
  exec(
    file: string,
    args: string[],
    o?: CommandOptions,
  ): Promise<{ stdout: string; stderr: string }>;
  /** Ends the Perl process (commands still running fail); the next command starts another. */
  close(): void;
}

export interface CommandRunnerOptions {
  /** The Perl interpreter; `perl` on PATH when absent. */
  perl?: string;
}

/** An error like execFile's: the message, with `code` and `stderr` attached. */
export class CommandFailed extends Error {
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
  constructor(argv: string[], r: CommandResult) {
    const stderr = r.stderr.toString();
    super(
      `Command failed: ${argv.join(' ')}\n${stderr}`.trimEnd() +
        (r.signal ? ` (signal ${r.signal})` : ''),
    );
    this.code = r.code;
    this.stderr = stderr;
    this.stdout = r.stdout.toString();
  }
}

const PROGRAM = 'command-runner.pl';

/**
 * The Perl program's path. Beside this module when run from the source tree; tsc copies no
 * .pl files, so a build (dist/src/agent/runner/) reads it from the source tree it was built
 * from (src/agent/runner/), four levels up.
 */
export function commandRunnerProgram(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, PROGRAM), join(here, '../../../../src/agent/runner', PROGRAM)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`the command runner's program is missing: ${candidates.join(', ')}`);
  return found;
}

type Ref = { ref?: () => void; unref?: () => void };

/** A runner whose Perl process starts with its first command. */
export function createCommandRunner(options: CommandRunnerOptions = {}): CommandRunner {
  let server: ChildProcessWithoutNullStreams | undefined;
  let nextId = 1;
  const pending = new Map<number, (r: CommandResult | Error) => void>();

  function ensureServer(): ChildProcessWithoutNullStreams {
    if (server && server.exitCode === null && !server.killed) return server;
    const child = spawn(options.perl ?? 'perl', [commandRunnerProgram()], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const frames = new FrameReader();
    child.stdout.on('data', (d: Buffer) => {
      for (const body of frames.push(d)) {
        const r = decodeResponse(body);
        const done = pending.get(r.id);
        pending.delete(r.id);
        done?.({ ...exitOf(r.status), stdout: r.stdout, stderr: r.stderr });
      }
    });
    child.stderr.resume();
    const fail = (e: Error): void => {
      for (const done of pending.values()) done(e);
      pending.clear();
      if (server === child) server = undefined;
    };
    child.on('error', fail);
    child.on('exit', () => fail(new Error('the command runner exited')));
    child.stdin.on('error', () => undefined);
    // It must not keep the agent's process alive.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as Ref).unref?.();
    server = child;
    return child;
  }

  function run(argv: string[], o: CommandOptions = {}): Promise<CommandResult> {
    const child = ensureServer();
    const id = nextId++;
    if (nextId > 0xffffffff) nextId = 1;
    const input = Buffer.isBuffer(o.input) ? o.input : Buffer.from(o.input ?? '');
    const frame = encodeRequest({ id, argv, cwd: o.cwd ?? '', input });
    return new Promise((resolve, reject) => {
      // A command that hangs is killed, so nothing waits on it for ever.
      const timer = setTimeout(() => {
        child.stdin.write(encodeKill(nextId++, id));
      }, o.timeoutMs ?? 60_000);
      timer.unref();
      pending.set(id, (r) => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      });
      // While commands run, the runner keeps the event loop alive as a child would.
      child.ref();
      (child.stdout as unknown as Ref).ref?.();
      child.stdin.write(frame);
    }).finally(() => {
      if (!pending.size) {
        child.unref();
        (child.stdout as unknown as Ref).unref?.();
      }
    }) as Promise<CommandResult>;
  }

  return {
    run,
    async exec(file, args, o = {}) {
      const r = await run([file, ...args], o);
      if (r.code !== 0) throw new CommandFailed([file, ...args], r);
      return { stdout: r.stdout.toString(), stderr: r.stderr.toString() };
    },
    close() {
      server?.kill();
    },
  };
}
