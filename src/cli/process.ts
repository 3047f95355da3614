// The pid file and readiness of a cluster started from a data dir.

import { readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { Logger } from '../log/index.js';
import type { DataPaths } from './paths.js';

export interface Endpoint {
  pid: number;
  port: number;
}

/** Whether pid is a live process. An exited child its new parent has not reaped yet (a
 *  zombie, common for a detached server after `skiff down`) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // /proc/PID/stat: "pid (comm) state …"; comm may itself contain parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

export function readPid(paths: DataPaths): number | undefined {
  try {
    const pid = Number(readFileSync(paths.pid, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The running cluster of this data dir, if its process is alive. */
export function runningPid(paths: DataPaths): number | undefined {
  const pid = readPid(paths);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

export function readEndpoint(paths: DataPaths): Endpoint | undefined {
  try {
    const e = JSON.parse(readFileSync(paths.endpoint, 'utf8')) as Endpoint;
    return typeof e.port === 'number' && typeof e.pid === 'number' ? e : undefined;
  } catch {
    return undefined;
  }
}

export function clearRuntimeFiles(paths: DataPaths): void {
  rmSync(paths.pid, { force: true });
  rmSync(paths.endpoint, { force: true });
}

/** GET /readyz with the cluster's CA; resolves true on 200. */
export function probeReady(port: number, ca: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: '/readyz', ca, timeout: timeoutMs, servername: 'localhost' },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/**
 * The server's last line of defence: an error no component caught (an exception thrown
 * from a callback, a rejected promise nobody awaited) is logged, structured, instead of
 * ending the process, so one failing component never takes the API down with it.
 * Returns a function that removes the handlers.
 */
export function guardProcess(log: Logger): () => void {
  const report =
    (what: string) =>
    (err: unknown): void =>
      log.error(what, {
        err: err instanceof Error ? err.message : String(err),
        ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
      });
  const onException = report('uncaught exception; the server keeps running');
  const onRejection = report('unhandled rejection; the server keeps running');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}

/**
 * `SKIFF_EXIT_WITH_PID`: calls `stop` (as SIGTERM would) once that process is gone, so that a
 * script or a test run that starts Skiff and is itself killed leaves nothing running.
 */
export function whenOwnerGone(stop: () => void): void {
  const owner = Number(process.env['SKIFF_EXIT_WITH_PID']);
  if (!Number.isInteger(owner) || owner <= 0) return;
  const timer = setInterval(() => {
    if (isAlive(owner)) return;
    clearInterval(timer);
    stop();
  }, 2_000);
  timer.unref();
}
