// skiff up | down | status | kubeconfig | version.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeContextInto, parseKubeconfig } from '../client/kubeconfig.js';
import { versionInfo } from '../apiserver/index.js';
import { intFlag, stringFlag, type ParsedArgs } from './args.js';
import { startCluster } from './cluster.js';
import { dataPaths, type DataPaths } from './paths.js';
import { clearRuntimeFiles, isAlive, probeReady, readEndpoint, runningPid } from './process.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const DEFAULT_API_PORT = 6443;
const DETACH_TIMEOUT_MS = 60_000;

function binPath(): string {
  // dist/src/cli/commands.js → bin/skiff.js
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'skiff.js');
}

export async function up(args: ParsedArgs, io: Io): Promise<number> {
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  const apiPort = intFlag(args, 'api-port') ?? DEFAULT_API_PORT;
  const bindAddress = stringFlag(args, 'bind-address') ?? '127.0.0.1';
  const existing = runningPid(paths);
  if (existing !== undefined && existing !== process.pid) {
    io.err(
      `error: a cluster is already running from ${paths.dir} (pid ${existing}); stop it with: skiff down --data-dir ${paths.dir}`,
    );
    return 1;
  }
  if (args.flags.has('detach')) return detach(args, paths, apiPort, io);
  const foregroundChild = args.flags.has('detached-child');
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.pid, `${process.pid}\n`);
  io.out(
    `Starting Skiff (Kubernetes v${versionInfo().major}.${versionInfo().minor}) in ${paths.dir}`,
  );
  const t0 = performance.now();
  let cluster;
  try {
    cluster = await startCluster({
      paths,
      apiPort,
      bindAddress,
      ...(stringFlag(args, 'token-auth-file')
        ? { tokenAuthFile: stringFlag(args, 'token-auth-file') as string }
        : {}),
      progress: io.out,
    });
  } catch (e) {
    clearRuntimeFiles(paths);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE')
      io.err(
        `error: cannot listen on ${bindAddress}:${apiPort}: the address is already in use (choose another with --api-port)`,
      );
    else if (err.code === 'EACCES')
      io.err(`error: cannot listen on ${bindAddress}:${apiPort}: permission denied`);
    else io.err(`error: ${err.message}`);
    return 1;
  }
  writeFileSync(paths.endpoint, JSON.stringify({ pid: process.pid, port: cluster.port }) + '\n');
  if (args.flags.has('merge-kubeconfig')) mergeIntoUserKubeconfig(paths, io);
  io.out(`Skiff is ready in ${Math.round(performance.now() - t0)} ms.`);
  io.out(`  kubeconfig: ${paths.kubeconfig}`);
  io.out(`  try:        KUBECONFIG=${paths.kubeconfig} kubectl get namespaces`);
  if (!foregroundChild) io.out('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.out('Stopping Skiff…');
  await cluster.close();
  clearRuntimeFiles(paths);
  return 0;
}

function mergeIntoUserKubeconfig(paths: DataPaths, io: Io): void {
  const target = process.env['KUBECONFIG']?.split(':')[0] || join(homedir(), '.kube', 'config');
  mkdirSync(dirname(target), { recursive: true });
  const existing = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
  writeFileSync(
    target,
    mergeContextInto(
      existing,
      parseKubeconfig(readFileSync(paths.kubeconfig, 'utf8'), paths.kubeconfig),
      { setCurrent: true },
    ),
    { mode: 0o600 },
  );
  io.out(`  merged context "skiff" into ${target}`);
}

async function detach(
  args: ParsedArgs,
  paths: DataPaths,
  apiPort: number,
  io: Io,
): Promise<number> {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const childArgs = [
    'up',
    '--data-dir',
    paths.dir,
    '--api-port',
    String(apiPort),
    '--detached-child',
  ];
  for (const f of ['bind-address', 'token-auth-file']) {
    const v = stringFlag(args, f);
    if (v) childArgs.push(`--${f}`, v);
  }
  if (args.flags.has('merge-kubeconfig')) childArgs.push('--merge-kubeconfig');
  const logFd = openSync(paths.log, 'a');
  const child = spawn(process.execPath, [binPath(), ...childArgs], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: process.env,
  });
  child.unref();
  const pid = child.pid ?? 0;
  io.out(`Starting Skiff in the background (pid ${pid}, log ${paths.log})…`);
  const deadline = Date.now() + DETACH_TIMEOUT_MS;
  let lastShown = 0;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      const log = existsSync(paths.log)
        ? readFileSync(paths.log, 'utf8').trim().split('\n').slice(-5).join('\n')
        : '';
      io.err(`error: Skiff exited while starting:\n${log}`);
      return 1;
    }
    const ep = readEndpoint(paths);
    if (ep && ep.pid === pid && existsSync(join(paths.pki, 'ca.crt'))) {
      if (await probeReady(ep.port, readFileSync(join(paths.pki, 'ca.crt'), 'utf8'))) {
        io.out(`Skiff is ready: https://127.0.0.1:${ep.port}`);
        io.out(`  kubeconfig: ${paths.kubeconfig}`);
        io.out(`  try:        KUBECONFIG=${paths.kubeconfig} kubectl get namespaces`);
        return 0;
      }
    }
    if (Date.now() - lastShown > 5000 && lastShown) io.out('  still starting…');
    if (!lastShown || Date.now() - lastShown > 5000) lastShown = Date.now();
    await new Promise((r) => setTimeout(r, 25));
  }
  io.err(
    `error: Skiff did not become ready within ${DETACH_TIMEOUT_MS / 1000} s; see ${paths.log}`,
  );
  return 1;
}

export async function down(args: ParsedArgs, io: Io): Promise<number> {
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  const pid = runningPid(paths);
  if (pid === undefined) {
    clearRuntimeFiles(paths);
    io.out(`No cluster is running from ${paths.dir}.`);
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (isAlive(pid)) {
    io.err(`error: Skiff (pid ${pid}) did not stop within 15 s`);
    return 1;
  }
  clearRuntimeFiles(paths);
  io.out(`Stopped Skiff (pid ${pid}).`);
  return 0;
}

export async function status(args: ParsedArgs, io: Io): Promise<number> {
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  const pid = runningPid(paths);
  const ep = readEndpoint(paths);
  if (pid === undefined || !ep) {
    io.out(`Skiff is not running (data dir ${paths.dir}).`);
    return 3;
  }
  const ready = await probeReady(ep.port, readFileSync(join(paths.pki, 'ca.crt'), 'utf8'));
  io.out(`Skiff is ${ready ? 'running' : 'starting'} (pid ${pid})`);
  io.out(`  API server: https://127.0.0.1:${ep.port} (${ready ? 'ready' : 'not ready'})`);
  io.out(`  data dir:   ${paths.dir}`);
  io.out(`  kubeconfig: ${paths.kubeconfig}`);
  return ready ? 0 : 1;
}

export async function kubeconfig(args: ParsedArgs, io: Io): Promise<number> {
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  if (!existsSync(paths.kubeconfig)) {
    io.err(
      `error: no kubeconfig in ${paths.dir}; start a cluster with: skiff up --data-dir ${paths.dir}`,
    );
    return 1;
  }
  io.out(readFileSync(paths.kubeconfig, 'utf8').trimEnd());
  return 0;
}

export async function version(_args: ParsedArgs, io: Io): Promise<number> {
  io.out(versionInfo().gitVersion);
  return 0;
}

export const USAGE = `Skiff: a small Kubernetes-compatible cluster.

Usage:
  skiff up [--data-dir DIR] [--detach] [--api-port N] [--bind-address IP] [--merge-kubeconfig] [--token-auth-file FILE]
  skiff down [--data-dir DIR]
  skiff status [--data-dir DIR]
  skiff kubeconfig [--data-dir DIR]
  skiff version

The data dir defaults to $SKIFF_DATA_DIR or ~/.skiff.`;
