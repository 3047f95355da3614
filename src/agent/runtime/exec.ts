// A process run inside a running container (`runc exec` in the foreground): its stdio
// are our pipes and the runtime's exit code is the process's.
//
// With a tty the runtime makes the container-side terminal and relays it to its own
// stdio, but it insists that its own stdio be a terminal too. Node cannot open one, so
// `script` (util-linux, always on Debian) gives the runtime an outer terminal that we
// drive through pipes. A resize sets the window size on the outer terminal (the runtime
// gets SIGWINCH and passes the size in) and on the process's own terminal directly.

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { OciCli } from './oci.js';
import type { OciSpec } from './spec.js';
import type { ExecOptions, ExecSession } from './types.js';

const run = promisify(execFile);
const DEFAULT_SIZE = { width: 80, height: 24 };

function mergeEnv(base: string[], extra: string[]): string[] {
  const key = (e: string): string => e.split('=')[0] ?? e;
  const over = new Set(extra.map(key));
  return [...base.filter((e) => !over.has(key(e))), ...extra];
}

/** The exec'd process: the container's process settings with the exec's command and overrides. */
export function execProcess(
  spec: OciSpec,
  o: ExecOptions,
): OciSpec['process'] & { consoleSize?: object } {
  const base = spec.process;
  const size = o.size ?? DEFAULT_SIZE;
  return {
    ...base,
    terminal: !!o.tty,
    args: [...o.args],
    env: mergeEnv(base.env, o.env ?? []),
    cwd: o.cwd ?? base.cwd,
    user: {
      ...base.user,
      ...(o.uid !== undefined ? { uid: o.uid } : {}),
      ...(o.gid !== undefined ? { gid: o.gid } : {}),
    },
    ...(o.tty ? { consoleSize: { height: size.height, width: size.width } } : {}),
  };
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined; // not yet, or never
  }
}

async function waitForPid(file: string, done: () => boolean): Promise<number | undefined> {
  for (let i = 0; i < 400; i++) {
    // Read before looking at `done`: a quick process may have come and gone already.
    const pid = await readPid(file);
    if (pid !== undefined) return pid;
    if (done()) return undefined;
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}

/** Shell-like exit codes for a process that never started. */
function startFailureCode(message: string): number {
  return /not found|no such file/i.test(message) ? 127 : 126;
}

/** Sets the size of the terminal at `terminal` (a /proc fd link); false when it is none. */
export async function setWindowSize(
  terminal: string,
  size: { width: number; height: number },
): Promise<boolean> {
  try {
    if (!(await readlink(terminal)).includes('/pts/')) return false;
    await run('stty', ['-F', terminal, 'rows', String(size.height), 'cols', String(size.width)]);
    return true;
  } catch {
    return false; // the process is gone
  }
}

/**
 * No terminal and nothing of the container's process overridden: the command goes on the
 * runtime's command line, and the runtime takes the rest from the container's own process
 * settings, as the process file would say. No file to write first (a millisecond or so).
 */
export function isPlainExec(o: ExecOptions): boolean {
  return (
    !o.tty &&
    o.env === undefined &&
    o.cwd === undefined &&
    o.uid === undefined &&
    o.gid === undefined
  );
}

/** `spec` (the container's) is needed unless the exec is plain. */
export async function execInContainer(
  oci: OciCli,
  containerDir: string,
  spec: OciSpec | undefined,
  id: string,
  o: ExecOptions,
): Promise<ExecSession> {
  if (!o.args.length) throw new Error('exec needs a command');
  const tag = randomBytes(6).toString('hex');
  const processFile = join(containerDir, `exec-${tag}.json`);
  const pidFile = join(containerDir, `exec-${tag}.pid`);
  const errFile = join(containerDir, `exec-${tag}.err`);
  const plain = isPlainExec(o);
  if (!plain) {
    if (!spec) throw new Error('an exec with a terminal or overrides needs the container spec');
    await writeFile(processFile, JSON.stringify(execProcess(spec, o)));
  }
  const ociArgs = [
    ...oci.globalArgs,
    'exec',
    ...(plain ? [] : ['--process', processFile]),
    '--pid-file',
    pidFile,
  ];
  const stdio: ['pipe' | 'ignore', 'pipe', 'pipe'] = [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  let child;
  if (o.tty) {
    const size = o.size ?? DEFAULT_SIZE;
    // Raw outer terminal of the asked size, then the runtime in its place; the runtime's
    // own errors go to a file (its stdout is the terminal).
    const inner = [oci.path, ...ociArgs, '--tty', id].map(shellQuote).join(' ');
    const cmd = `stty raw -echo rows ${size.height} cols ${size.width} 2>/dev/null; exec ${inner} 2>${shellQuote(errFile)}`;
    child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { stdio });
  } else {
    child = spawn(oci.path, [...ociArgs, id, ...(plain ? o.args : [])], { stdio });
  }
  let exited = false;
  const pid = waitForPid(pidFile, () => exited);
  const exit = new Promise<{ exitCode: number; error?: string }>((resolve) => {
    child.on('error', (err) => {
      exited = true;
      resolve({ exitCode: 126, error: err.message });
    });
    child.on('close', (code, signal) => {
      exited = true;
      void (async () => {
        const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 9);
        // A failure: did the process start? The runtime wrote the pid file before starting
        // it, if it ever did (read now rather than at the poll's next turn). A success needs
        // no look.
        const started = exitCode === 0 ? true : await readPid(pidFile);
        const errText = o.tty ? await readFile(errFile, 'utf8').catch(() => '') : '';
        const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(errText)?.[1]?.replace(/\\"/g, '"');
        if (started === undefined && exitCode !== 0) {
          const error = msg ?? (errText.trim() || `exec failed with exit code ${exitCode}`);
          resolve({ exitCode: startFailureCode(error), error });
        } else resolve({ exitCode });
        // The exit is reported first: removing the files is nobody's wait (about a
        // millisecond of every exec).
        await Promise.all([processFile, pidFile, errFile].map((f) => rm(f, { force: true }))).catch(
          () => undefined,
        );
      })();
    });
  });

  const resize = async (size: { width: number; height: number }): Promise<void> => {
    if (!o.tty || exited) return;
    const p = await pid;
    if (p === undefined || exited) return;
    // The runtime is the child of `script` (it exec'd over the shell).
    const children = await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(
      () => '',
    );
    const relay = Number(children.trim().split(/\s+/)[0]);
    if (relay > 0) await setWindowSize(`/proc/${relay}/fd/0`, size);
    await setWindowSize(`/proc/${p}/fd/0`, size);
  };

  return {
    ...(child.stdin ? { stdin: child.stdin } : {}),
    stdout: child.stdout as Readable,
    ...(o.tty ? {} : { stderr: child.stderr as Readable }),
    resize,
    kill(signal = 'SIGKILL') {
      void pid.then((p) => {
        try {
          if (p !== undefined) process.kill(p, signal);
          else child.kill(signal);
        } catch {
          /* already gone */
        }
      });
    },
    exit,
  };
}
