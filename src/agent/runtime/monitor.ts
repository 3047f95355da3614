// One container monitor per container: conmon (CRI-O's monitor). It runs the OCI
// runtime's `create` with pipes (or a terminal) as the container's stdio, detaches from
// us (double fork, own session) and becomes the container's subreaper, so that the
// container neither dies with the agent nor loses its output while the agent is away.
// It writes stdout/stderr to the CRI log file, the exit code to <exitDir>/<id> when the
// container ends (the file's mtime is the finish time), and an `oom` file when the
// kernel OOM-killed it.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { OciCli } from './oci.js';

export interface MonitorPaths {
  bundle: string;
  /** conmon writes `exit` and `oom` here. */
  persistDir: string;
  /** Attach/ctl sockets (conmon needs the directory to exist). */
  socketDir: string;
  exitDir: string;
  logPath: string;
}

export function monitorPaths(containerDir: string, exitDir: string, logPath: string): MonitorPaths {
  return {
    bundle: containerDir,
    persistDir: join(containerDir, 'monitor'),
    socketDir: join(containerDir, 'sock'),
    exitDir,
    logPath,
  };
}

const CREATE_TIMEOUT_MS = 60_000;

/** Creates the container under a new monitor; resolves with the container's host pid. */
export async function createUnderMonitor(
  conmon: string,
  oci: OciCli,
  id: string,
  paths: MonitorPaths,
  terminal: boolean,
  stdin: { open: boolean; once: boolean } = { open: false, once: false },
): Promise<number> {
  const args = [
    '--api-version',
    '1',
    '-c',
    id,
    '-u',
    id,
    '-n',
    id,
    '-r',
    oci.path,
    ...oci.globalArgs.flatMap((a) => ['--runtime-arg', a]),
    '-b',
    paths.bundle,
    '-p',
    join(paths.bundle, 'container.pid'),
    '-P',
    join(paths.bundle, 'conmon.pid'),
    '-l',
    `k8s-file:${paths.logPath}`,
    '--exit-dir',
    paths.exitDir,
    '-0',
    paths.persistDir,
    '--socket-dir-path',
    paths.socketDir,
    '--log-level',
    'error',
    ...(terminal ? ['-t'] : []),
    ...(stdin.open ? ['-i', ...(stdin.once ? [] : ['--leave-stdin-open'])] : []),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: '3' };
  delete env['NOTIFY_SOCKET'];
  const child = spawn(conmon, args, {
    // conmon writes some markers (e.g. `oom`) to its working directory.
    cwd: paths.bundle,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env,
    detached: true,
  });
  child.unref();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const sync = child.stdio[3] as NodeJS.ReadableStream | null;
  if (!sync) throw new Error('conmon: no sync pipe');
  return new Promise<number>((resolve, reject) => {
    let buf = '';
    let done = false;
    const finish = (err: Error | undefined, pid?: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      (sync as unknown as { destroy(): void }).destroy();
      if (err) reject(err);
      else resolve(pid as number);
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(`creating container "${id}" timed out after ${CREATE_TIMEOUT_MS / 1000}s`),
        ),
      CREATE_TIMEOUT_MS,
    );
    sync.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      const line = nl >= 0 ? buf.slice(0, nl) : buf;
      let msg: { data?: number; message?: string };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        return; // not complete yet
      }
      if (typeof msg.data === 'number' && msg.data > 0) finish(undefined, msg.data);
      else
        finish(
          new Error(
            `creating container "${id}" failed: ${cleanRuntimeMessage(msg.message ?? stderr) || 'unknown error'}`,
          ),
        );
    });
    sync.on('end', () =>
      finish(
        new Error(
          `creating container "${id}" failed: ${cleanRuntimeMessage(stderr) || 'the monitor exited'}`,
        ),
      ),
    );
    child.on('error', (err) => finish(new Error(`starting conmon failed: ${err.message}`)));
  });
}

function cleanRuntimeMessage(text: string): string {
  const msgs = [...text.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((m) =>
    (m[1] ?? '').replace(/\\"/g, '"'),
  );
  if (msgs.length) return msgs.join('; ');
  return text
    .split('\n')
    .map((l) => l.replace(/^\[conmon:[a-z]\]:\s*/, '').trim())
    .filter((l) => l && !/oom_score_adj/.test(l))
    .join('; ');
}
