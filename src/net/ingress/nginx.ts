// nginx as the ingress data plane: a configuration is written beside the last good one,
// checked with `nginx -t`, and only then made live with a graceful reload (SIGHUP to the
// master: new workers take new connections while the old ones finish theirs). A
// configuration nginx refuses is never installed; the last good one keeps serving. With
// nginx's Lua module (lua.ts) the configuration is generic: routes, endpoints and
// certificates are handed to the running workers, and nothing the API says reloads nginx.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../../log/index.js';
import {
  renderNginxConfig,
  upstreamOf,
  DEFAULT_CERT_ID,
  type NginxLayout,
} from './nginx-config.js';
import { installLua, LUA_MODULES, luaProblem, luaState, pushLuaState } from './lua.js';
import { listenForRefusals, type Refusal } from './refusals.js';
import type { RoutingTable } from './types.js';

export interface NginxOptions {
  /** The controller's own directory (configuration, certificates, PID file, logs). */
  dir: string;
  httpPort: number;
  httpsPort: number;
  logger: Logger;
  /** The nginx binary (default: `nginx` on PATH). */
  binary?: string;
  /** Routes, endpoints and certificates without reloads (default: when the Lua module loads). */
  lua?: boolean;
}

export interface DataPlane {
  /** Makes the table live; rejects (the old one keeps serving) when nginx refuses it. */
  apply(table: RoutingTable): Promise<void>;
  /** Calls `listener` for each request refused as too large (header 431, body 413). */
  onRefusal(listener: (r: Refusal) => void): void;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

/** Why nginx cannot be the data plane here, or undefined. */
export function nginxProblem(binary = 'nginx'): string | undefined {
  const r = spawnSync(binary, ['-v'], { encoding: 'utf8', timeout: 5_000 });
  if (r.error) return `"${binary}" cannot run (${r.error.message}); install Debian's nginx-light`;
  return undefined;
}

/** The unprivileged user nginx's workers run as when we are root. */
function workerUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const groups = existsSync('/etc/group') ? readFileSync('/etc/group', 'utf8') : '';
  return /^nogroup:/m.test(groups) ? 'nobody nogroup' : 'nobody';
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** An nginx master left by an earlier run of ours (a crash) is stopped before ours starts. */
async function stopStale(pidFile: string): Promise<void> {
  const pid = Number(existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '');
  if (!pid || !alive(pid)) return;
  const comm = existsSync(`/proc/${pid}/comm`)
    ? readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
    : '';
  if (comm !== 'nginx') return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

function run(argv: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd ?? 'false', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (e) => (out += e.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The worker processes of a master (Linux's children list; empty where it is missing). */
function workersOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** An old worker has exited, or has closed its listening sockets ("is shutting down"). */
function stoppedAccepting(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('shutting down');
  } catch {
    return true;
  }
}

/** A configuration without its upstream servers' lines (what endpoint changes touch). */
const withoutEndpoints = (config: string): string =>
  config.replace(/^ {4}server \d+\.\d+\.\d+\.\d+:\d+ max_fails=0;\n/gm, '');

export async function startNginx(o: NginxOptions): Promise<DataPlane> {
  const binary = o.binary ?? 'nginx';
  const log = o.logger;
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const certDir = join(o.dir, 'certs');
  mkdirSync(certDir, { recursive: true, mode: 0o700 });
  // Workers write request bodies here; the data dir itself is not theirs to enter.
  const tempDir = mkdtempSync(join(tmpdir(), 'skiff-ingress-'));
  chmodSync(tempDir, 0o755);
  const user = workerUser();
  const refusals = await listenForRefusals(log);
  const noLua = o.lua === false ? 'turned off' : luaProblem(binary);
  if (noLua && o.lua !== false)
    log.warn(
      'nginx has no usable Lua module: every Ingress, endpoint and certificate change reloads nginx',
      {
        reason: noLua,
      },
    );
  const luaDir = join(o.dir, 'lua');
  if (!noLua) installLua(luaDir);
  const layout: NginxLayout = {
    dir: o.dir,
    tempDir,
    certPath: (id) => join(certDir, `${id}.pem`),
    httpPort: o.httpPort,
    httpsPort: o.httpsPort,
    ...(user ? { user } : {}),
    statusSocket: join(o.dir, 'status.sock'),
    refusalLog: refusals.address,
    ...(noLua
      ? {}
      : {
          lua: {
            modules: LUA_MODULES,
            packageDir: luaDir,
            stateFile: join(o.dir, 'lua-state.txt'),
          },
        }),
  };
  const lua = layout.lua;
  const confPath = join(o.dir, 'nginx.conf');
  const pidFile = join(o.dir, 'nginx.pid');
  await stopStale(pidFile);

  let master: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let lastConfig = '';
  let lastState = '';
  let checkedShape = '';
  let generation = 0;
  /** The generation the workers answer with, or undefined while none answers. */
  const liveGeneration = (): Promise<number | undefined> =>
    new Promise((resolve) => {
      const req = httpGet(
        { socketPath: layout.statusSocket, path: '/generation', agent: false, timeout: 1_000 },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(Number(body)));
          res.on('error', () => resolve(undefined));
        },
      );
      req.on('error', () => resolve(undefined));
      req.on('timeout', () => req.destroy());
    });
  const waitLive = async (want: number, oldWorkers: number[]): Promise<void> => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if ((await liveGeneration()) === want && oldWorkers.every(stoppedAccepting)) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`nginx did not load configuration ${want} within 10 s`);
  };
  let closed = false;

  /** The certificate files the configuration names (with Lua, only the default one). */
  const certificateFiles = (t: RoutingTable): Map<string, string> => {
    const files = new Map([[DEFAULT_CERT_ID, t.defaultCertificate.pem]]);
    if (!lua) for (const h of t.hosts) if (h.tls) files.set(h.tls.id, h.tls.pem);
    return files;
  };
  const writeCertificates = (t: RoutingTable): void => {
    for (const [id, pem] of certificateFiles(t)) {
      const path = layout.certPath(id);
      if (existsSync(path) && readFileSync(path, 'utf8') === pem) continue;
      writeFileSync(`${path}.tmp`, pem, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    }
  };
  const pruneCertificates = (t: RoutingTable): void => {
    const keep = new Set(certificateFiles(t).keys());
    for (const f of readdirSync(certDir))
      if (f.endsWith('.pem') && !keep.has(f.slice(0, -4)))
        rmSync(join(certDir, f), { force: true });
  };

  const launch = async (): Promise<void> => {
    const child = spawn(binary, ['-p', o.dir, '-c', confPath, '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      log.warn('nginx', { output: d.toString().trim() });
    });
    exited = new Promise((resolve) =>
      child.on('exit', (code, sig) => {
        if (!closed) log.error('nginx exited', { code, signal: sig });
        if (master === child) master = undefined;
        resolve();
      }),
    );
    master = child;
    // Live once the master has written its PID file (after binding the ports).
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!master) throw new Error(`nginx did not start: ${stderr.trim() || 'it exited'}`);
      if (existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')) === child.pid) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('nginx did not start within 10 s');
  };

  return {
    async apply(t) {
      // The same routes again (an unrelated object changed): nothing to reload.
      const routes = renderNginxConfig(t, layout, 0);
      const state = lua ? luaState(t, (x) => upstreamOf(x, true)) : '';
      if (routes === lastConfig && state === lastState && master) return;
      if (lua && state !== lastState) {
        // For the master's next start or reload, then for the running workers at once.
        writeFileSync(`${lua.stateFile}.tmp`, state, { mode: 0o600 });
        renameSync(`${lua.stateFile}.tmp`, lua.stateFile);
        if (master) await pushLuaState(layout.statusSocket, state);
        lastState = state;
        if (routes === lastConfig && master) return;
      }
      const config = renderNginxConfig(t, layout, generation + 1);
      writeCertificates(t);
      const next = `${confPath}.next`;
      writeFileSync(next, config, { mode: 0o600 });
      // Only endpoints moved (addresses and ports we wrote ourselves): nothing nginx could
      // refuse, so the check's tens of milliseconds are saved on the most frequent change.
      const shape = withoutEndpoints(routes);
      // Why this reload, for the log: with Lua only the configuration itself (the ports,
      // fixed for the process's life) can change; without it every change reloads.
      const reason = lua
        ? 'the configuration changed'
        : `no Lua module: ${shape === checkedShape ? 'endpoints' : 'hosts, paths, services or certificates'} changed`;
      if (shape !== checkedShape || !master) {
        const check = await run([binary, '-t', '-q', '-p', o.dir, '-c', next]);
        if (check.code !== 0)
          throw new Error(`nginx refused the configuration: ${check.out.trim()}`);
        checkedShape = shape;
      }
      renameSync(next, confPath);
      lastConfig = routes;
      generation++;
      // Live once the new workers answer and the old ones have stopped accepting (the master
      // starts the new ones before it tells the old ones to finish).
      const oldWorkers = master?.pid ? workersOf(master.pid) : [];
      if (master?.pid) {
        log.info('nginx reloaded', { reason, generation });
        master.kill('SIGHUP');
      } else await launch();
      await waitLive(generation, oldWorkers);
      pruneCertificates(t);
    },
    onRefusal: (listener) => refusals.on(listener),
    async close() {
      closed = true;
      master?.kill('SIGTERM');
      await exited;
      refusals.close();
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
