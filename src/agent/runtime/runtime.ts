// The runtime layer the node agent uses: containers made from ContainerConfigs, run by
// an OCI runtime under one monitor each (see monitor.ts), with their state kept in the
// data dir so that a restarted agent re-adopts them and learns the exits it missed.

import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log/index.js';
import type { CommandRunner } from '../runner/index.js';
import { detectRuntime, type Detected } from './detect.js';
import { hostDevices } from './devices.js';
import { attachToMonitor } from './attach.js';
import { execInContainer, isPlainExec } from './exec.js';
import { cgroupOomKilled, detectHost, type HostFacts } from './host.js';
import { attemptLogPath, readLogFile } from './logs.js';
import { createUnderMonitor, monitorPaths } from './monitor.js';
import { createOciCli, OciNotFoundError, type OciCli } from './oci.js';
import { mountRootfs, rootfsPaths, unmountRootfs } from './rootfs.js';
import { cgroupsPathFor, generateSpec, type OciSpec } from './spec.js';
import {
  ensureLayout,
  ID_PATTERN,
  layout,
  loadRecords,
  saveRecord,
  type ContainerRecord,
  type Layout,
} from './store.js';
import type {
  ContainerConfig,
  ContainerEvent,
  ContainerRuntime,
  ContainerStatus,
  ExecOptions,
  ExecSession,
  LogOptions,
  RuntimeInfo,
} from './types.js';

export interface RuntimeOptions {
  /** Runs the short host commands: the OCI runtime's start, kill, delete…, and mounts. */
  commandRunner: CommandRunner;
  /** Directory for container state (bundles, runtime state, exit codes). */
  dataDir: string;
  /** Cgroup parent for containers that name none. */
  cgroupParent?: string;
  /** Runtime names to try, in order; runc then crun unless given. */
  candidates?: string[];
  logger?: Logger;
  /** How often exits are looked for besides the directory watch (ms). */
  pollMs?: number;
  /** Skip detection (tests, or an agent that already detected). */
  detected?: Detected;
  host?: HostFacts;
}

export const DEFAULT_CGROUP_PARENT = '/skiff';
const KILL_WAIT_MS = 10_000;

export class ContainerNotFoundError extends Error {
  constructor(id: string) {
    super(`container "${id}" not found`);
    this.name = 'ContainerNotFoundError';
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function processAlive(pid: number, needle: string): Promise<boolean> {
  try {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes(needle);
  } catch {
    return false;
  }
}

export async function createRuntime(o: RuntimeOptions): Promise<ContainerRuntime> {
  const host = o.host ?? detectHost();
  const cgroupParent = o.cgroupParent ?? DEFAULT_CGROUP_PARENT;
  const detected =
    o.detected ??
    (await detectRuntime({
      host,
      cgroupParent,
      ...(o.candidates ? { candidates: o.candidates } : {}),
    }));
  const l = layout(o.dataDir);
  await ensureLayout(l);
  const oci = createOciCli(o.commandRunner, detected.info.path, l.ociRoot);
  const impl = new Runtime(
    detected,
    host,
    l,
    oci,
    o.commandRunner,
    cgroupParent,
    o.logger,
    o.pollMs ?? 1000,
  );
  await impl.adopt();
  return impl;
}

type Waiter = (s: ContainerStatus) => void;

class Runtime implements ContainerRuntime {
  readonly info: RuntimeInfo;
  private readonly records: Map<string, ContainerRecord> = new Map();
  /** Final statuses of exited containers (an exit never changes). */
  private readonly exited = new Map<string, ContainerStatus>();
  /** Host pids of containers, known from create or a first `state`. */
  private readonly pids = new Map<string, number>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly subscribers = new Set<(e: ContainerEvent) => void>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly detected: Detected;
  private readonly host: HostFacts;
  private readonly l: Layout;
  private readonly oci: OciCli;
  private readonly runner: CommandRunner;
  private readonly cgroupParent: string;
  private readonly log: Logger | undefined;
  private readonly pollMs: number;

  constructor(
    detected: Detected,
    host: HostFacts,
    l: Layout,
    oci: OciCli,
    runner: CommandRunner,
    cgroupParent: string,
    log: Logger | undefined,
    pollMs: number,
  ) {
    this.detected = detected;
    this.info = detected.info;
    this.host = host;
    this.l = l;
    this.oci = oci;
    this.runner = runner;
    this.cgroupParent = cgroupParent;
    this.log = log;
    this.pollMs = pollMs;
  }

  /** Loads the records an earlier process left, clears half-made ones, starts watching exits. */
  async adopt(): Promise<void> {
    for (const [id, rec] of loadRecords(this.l)) this.records.set(id, rec);
    for (const name of await readdir(this.l.containersDir)) {
      if (this.records.has(name)) continue;
      // Created up to the mount but never recorded: nothing runs there.
      this.log?.warn('removing a half-created container', { id: name });
      await unmountRootfs(this.runner, rootfsPaths(this.l.containerDir(name))).catch(
        () => undefined,
      );
      await rm(this.l.containerDir(name), { recursive: true, force: true });
    }
    try {
      this.watcher = watch(this.l.exitDir, (_event, file) => {
        if (file) void this.checkExit(file.toString());
      });
      this.watcher.on('error', () => undefined);
    } catch {
      /* the poll alone finds exits */
    }
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
    await this.poll();
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    for (const id of [...this.records.keys()]) {
      if (!this.exited.has(id)) await this.checkExit(id).catch(() => undefined);
    }
  }

  private record(id: string): ContainerRecord {
    const rec = this.records.get(id);
    if (!rec) throw new ContainerNotFoundError(id);
    return rec;
  }

  /**
   * Cheap enough to run for every container every poll: the exit file, and only when the
   * monitor is gone without writing one, the OCI runtime's state.
   */
  private async checkExit(id: string): Promise<void> {
    const rec = this.records.get(id);
    if (!rec || this.exited.has(id)) return;
    const done = await this.exitedStatus(rec);
    if (done) return this.markExited(done);
    if (await this.monitorAlive(id)) return;
    const s = await this.computeStatus(id);
    if (s?.state === 'exited') this.markExited(s);
  }

  private markExited(s: ContainerStatus): void {
    if (this.exited.has(s.id)) return;
    this.exited.set(s.id, s);
    for (const w of this.waiters.get(s.id) ?? []) w(s);
    this.waiters.delete(s.id);
    this.emit({ type: 'exited', status: s });
  }

  private emit(e: ContainerEvent): void {
    for (const s of this.subscribers) s(e);
  }

  private baseStatus(rec: ContainerRecord): ContainerStatus {
    return {
      id: rec.config.id,
      state: 'unknown',
      createdAt: new Date(rec.createdAt),
      ...(rec.startedAt ? { startedAt: new Date(rec.startedAt) } : {}),
      logPath: rec.logPath,
      labels: { ...(rec.config.labels ?? {}) },
      annotations: { ...(rec.config.annotations ?? {}) },
    };
  }

  private async exitedStatus(rec: ContainerRecord): Promise<ContainerStatus | undefined> {
    const file = this.l.exitFile(rec.config.id);
    let text: string;
    let finishedAt: Date;
    try {
      text = await readFile(file, 'utf8');
      finishedAt = (await stat(file)).mtime;
    } catch {
      return undefined;
    }
    if (!text.trim()) return undefined; // being written
    // A quick process can end before `start` returns and its start time is recorded.
    if (rec.startedAt && finishedAt.getTime() < Date.parse(rec.startedAt))
      finishedAt = new Date(rec.startedAt);
    const exitCode = Number(text.trim());
    const dir = this.l.containerDir(rec.config.id);
    const oomKilled =
      exitCode !== 0 &&
      ((await exists(join(dir, 'monitor', 'oom'))) || cgroupOomKilled(this.host, rec.cgroupsPath));
    return {
      ...this.baseStatus(rec),
      state: 'exited',
      finishedAt,
      exitCode,
      oomKilled,
      reason: oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error',
    };
  }

  private readonly monitorPids = new Map<string, number>();

  private async monitorAlive(id: string): Promise<boolean> {
    try {
      let pid = this.monitorPids.get(id);
      if (!pid) {
        pid = Number((await readFile(join(this.l.containerDir(id), 'conmon.pid'), 'utf8')).trim());
        if (pid > 0) this.monitorPids.set(id, pid);
      }
      return pid > 0 && (await processAlive(pid, id));
    } catch {
      return false;
    }
  }

  private async computeStatus(id: string): Promise<ContainerStatus | undefined> {
    const rec = this.records.get(id);
    if (!rec) return undefined;
    const done = this.exited.get(id) ?? (await this.exitedStatus(rec));
    if (done) return done;
    const base = this.baseStatus(rec);
    // Started, no exit recorded and its monitor alive: running, without asking the runtime
    // (a `state` call is a process spawn; pod workers look at their containers often).
    const known = this.pids.get(id);
    if (rec.startedAt && known && (await this.monitorAlive(id)))
      return { ...base, state: 'running', pid: known };
    const state = await this.oci.state(id).catch(() => undefined);
    if (state?.pid) this.pids.set(id, state.pid);
    if (!state) return base; // never created, or its state is gone: unknown
    if (state.status === 'created' || state.status === 'creating')
      return { ...base, state: 'created', pid: state.pid };
    if (state.status === 'running' || state.status === 'paused')
      return { ...base, state: 'running', pid: state.pid };
    // Stopped: the monitor is about to record the exit, unless it died (or the host rebooted).
    if (await this.monitorAlive(id)) return { ...base, state: 'running' };
    const again = await this.exitedStatus(rec);
    if (again) return again;
    return {
      ...base,
      state: 'exited',
      finishedAt: new Date(),
      exitCode: 255,
      oomKilled: false,
      reason: 'Unknown',
    };
  }

  async create(config: ContainerConfig): Promise<ContainerStatus> {
    if (!ID_PATTERN.test(config.id)) throw new Error(`invalid container id "${config.id}"`);
    if (this.records.has(config.id)) throw new Error(`container "${config.id}" already exists`);
    if (!config.layers.length)
      throw new Error(`container "${config.id}" has no root filesystem layers`);
    const dir = this.l.containerDir(config.id);
    const rootfs = rootfsPaths(dir);
    const logPath = join(config.log.dir, `${config.log.attempt}.log`);
    const mon = monitorPaths(dir, this.l.exitDir, logPath);
    const rec: ContainerRecord = {
      config,
      logPath,
      cgroupsPath: cgroupsPathFor(config, this.cgroupParent),
      createdAt: new Date().toISOString(),
    };
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await Promise.all([
        mkdir(mon.persistDir),
        mkdir(mon.socketDir),
        mkdir(config.log.dir, { recursive: true }),
      ]);
      await mountRootfs(this.runner, config.layers, rootfs);
      const spec = generateSpec({
        config,
        host: this.host,
        rootfs: rootfs.rootfs,
        defaultCgroupParent: this.cgroupParent,
        ...(config.privileged ? { hostDevices: hostDevices() } : {}),
      });
      await writeFile(join(dir, 'config.json'), JSON.stringify(spec, null, 1));
      await saveRecord(dir, rec);
      this.records.set(config.id, rec);
      const pid = await createUnderMonitor(
        this.detected.conmon,
        this.oci,
        config.id,
        mon,
        !!config.process.terminal,
        { open: !!config.process.stdin, once: !!config.process.stdinOnce },
      );
      this.pids.set(config.id, pid);
      return { ...this.baseStatus(rec), state: 'created', pid };
    } catch (err) {
      this.records.delete(config.id);
      await this.oci.delete(config.id, true).catch(() => undefined);
      await unmountRootfs(this.runner, rootfs).catch(() => undefined);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      await rm(this.l.exitFile(config.id), { force: true }).catch(() => undefined);
      throw err;
    }
  }

  async start(id: string): Promise<ContainerStatus> {
    const rec = this.record(id);
    // Recorded before the start: a quick process may be gone, and its exit seen by a status
    // read (the monitor's exit event), before start returns; that status must have it.
    rec.startedAt = new Date().toISOString();
    try {
      await this.oci.start(id);
    } catch (err) {
      delete rec.startedAt;
      throw err;
    }
    await saveRecord(this.l.containerDir(id), rec);
    const s = (await this.computeStatus(id)) ?? { ...this.baseStatus(rec), state: 'running' };
    this.emit({ type: 'started', status: s.state === 'exited' ? { ...s } : s });
    if (s.state === 'exited') this.markExited(s);
    return s;
  }

  async kill(id: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.record(id);
    if (this.exited.has(id)) return;
    try {
      await this.oci.kill(id, signal);
    } catch (err) {
      // Already gone between our look and the signal: that is what was asked.
      const s = await this.computeStatus(id);
      if (s?.state === 'exited' || err instanceof OciNotFoundError) return;
      if (/not running|stopped/i.test((err as Error).message)) return;
      throw err;
    }
  }

  async stop(id: string, gracePeriodSeconds: number): Promise<ContainerStatus> {
    this.record(id);
    const waitFor = (ms: number): Promise<ContainerStatus | undefined> => {
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), ms);
      return this.wait(id, ac.signal)
        .catch(() => undefined)
        .finally(() => clearTimeout(t));
    };
    if (gracePeriodSeconds > 0) {
      await this.kill(id, 'SIGTERM');
      const s = await waitFor(gracePeriodSeconds * 1000);
      if (s) return s;
    }
    await this.kill(id, 'SIGKILL');
    const s = await waitFor(KILL_WAIT_MS);
    if (s) return s;
    const now = await this.computeStatus(id);
    if (!now) throw new ContainerNotFoundError(id);
    return now;
  }

  async delete(id: string): Promise<void> {
    const rec = this.record(id);
    const s = await this.computeStatus(id);
    if (s && (s.state === 'running' || s.state === 'created')) {
      // Let the monitor record the end before the state goes away.
      await this.stop(id, 0).catch(() => undefined);
    }
    await this.oci.delete(id, true);
    const dir = this.l.containerDir(id);
    await unmountRootfs(this.runner, rootfsPaths(dir));
    await rm(dir, { recursive: true, force: true });
    await rm(this.l.exitFile(id), { force: true });
    this.records.delete(id);
    this.pids.delete(id);
    this.monitorPids.delete(id);
    this.exited.delete(id);
    for (const w of this.waiters.get(id) ?? []) w({ ...this.baseStatus(rec), state: 'unknown' });
    this.waiters.delete(id);
  }

  async status(id: string): Promise<ContainerStatus | undefined> {
    const s = await this.computeStatus(id);
    if (s?.state === 'exited') this.markExited(s);
    return s;
  }

  async list(): Promise<ContainerStatus[]> {
    const out: ContainerStatus[] = [];
    for (const id of [...this.records.keys()]) {
      const s = await this.status(id);
      if (s) out.push(s);
    }
    return out;
  }

  wait(id: string, signal?: AbortSignal): Promise<ContainerStatus> {
    this.record(id);
    const done = this.exited.get(id);
    if (done) return Promise.resolve(done);
    return new Promise<ContainerStatus>((resolve, reject) => {
      const set = this.waiters.get(id) ?? new Set<Waiter>();
      this.waiters.set(id, set);
      const onAbort = (): void => {
        set.delete(waiter);
        reject(signal?.reason ?? new Error('aborted'));
      };
      const waiter: Waiter = (s) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(s);
      };
      set.add(waiter);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      void this.checkExit(id);
    });
  }

  async *events(signal: AbortSignal): AsyncIterable<ContainerEvent> {
    const queue: ContainerEvent[] = [];
    let wake: (() => void) | undefined;
    const sub = (e: ContainerEvent): void => {
      queue.push(e);
      wake?.();
    };
    const onAbort = (): void => wake?.();
    this.subscribers.add(sub);
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const e = queue.shift();
        if (e) {
          yield e;
          continue;
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      this.subscribers.delete(sub);
      signal.removeEventListener('abort', onAbort);
    }
  }

  async exec(id: string, options: ExecOptions): Promise<ExecSession> {
    this.record(id);
    if (!this.surelyRunning(id)) {
      const s = await this.computeStatus(id);
      if (s?.state !== 'running') throw new Error(`container "${id}" is not running`);
    }
    const dir = this.l.containerDir(id);
    // A plain exec takes everything from the container's own process settings: no spec to read.
    const spec = isPlainExec(options)
      ? undefined
      : (JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as OciSpec);
    return execInContainer(this.oci, dir, spec, id, options);
  }

  /**
   * computeStatus's "running" answer from what is known, read synchronously: on an exec's
   * path each asynchronous file read is a thread-pool round trip, and the five of them cost
   * milliseconds on a busy node, against some tens of microseconds here. Anything unknown
   * (no monitor pid yet, an exit file) leaves the answer to computeStatus.
   */
  private surelyRunning(id: string): boolean {
    const rec = this.records.get(id);
    const monitor = this.monitorPids.get(id);
    if (!rec?.startedAt || this.exited.has(id) || !this.pids.has(id) || !monitor) return false;
    try {
      if (existsSync(this.l.exitFile(id))) return false;
      return readFileSync(`/proc/${monitor}/cmdline`, 'utf8').includes(id);
    } catch {
      return false;
    }
  }

  async attach(id: string, options: { stdin: boolean; tty: boolean }): Promise<ExecSession> {
    const rec = this.record(id);
    const s = await this.computeStatus(id);
    if (s?.state !== 'running') throw new Error(`container "${id}" is not running`);
    const dir = this.l.containerDir(id);
    const mon = monitorPaths(dir, this.l.exitDir, rec.logPath);
    return attachToMonitor(join(mon.socketDir, id, 'attach'), join(dir, 'ctl'), {
      stdin: options.stdin && !!rec.config.process.stdin,
      tty: !!rec.config.process.terminal,
      ...(s.pid ? { pid: s.pid } : {}),
    });
  }

  async *logs(logDir: string, options: LogOptions = {}): AsyncIterable<Buffer> {
    const path = await attemptLogPath(logDir, !!options.previous);
    yield* readLogFile(path, options, { isActive: () => this.writing(path) });
  }

  /** Whether a container that may still write to this log file exists. */
  private async writing(logPath: string): Promise<boolean> {
    for (const [id, rec] of this.records) {
      if (rec.logPath !== logPath) continue;
      const s = await this.computeStatus(id);
      return s?.state === 'running' || s?.state === 'created';
    }
    return false;
  }
}
