// A container runtime in memory, for tests of the node agent that need neither root nor
// processes: containers are records; the test decides when they exit and what an exec in
// them returns.

import { PassThrough } from 'node:stream';
import type {
  ContainerConfig,
  ContainerEvent,
  ContainerRuntime,
  ContainerStatus,
  ExecOptions,
  ExecSession,
  RuntimeInfo,
} from '../../src/agent/runtime/types.js';

export interface FakeExecResult {
  exitCode: number;
  output?: string;
  /** Never exits by itself (for timeouts). */
  hang?: boolean;
}

export class FakeRuntime implements ContainerRuntime {
  readonly info: RuntimeInfo = {
    name: 'fake',
    version: '0',
    path: '/nonexistent',
    runtimeVersion: 'fake://0',
    cgroups: 'v2',
  };
  readonly containers = new Map<string, ContainerStatus & { config: ContainerConfig }>();
  /** Every call, in order: "create <id>", "start <id>", "stop <id> <grace>", "delete <id>", "exec <id> <args>". */
  readonly calls: string[] = [];
  /** What an exec returns (default: exit 0). */
  onExec: (id: string, o: ExecOptions) => FakeExecResult = () => ({ exitCode: 0 });
  /** Makes create or start fail for a container (by id). */
  failStart = new Set<string>();
  private listeners = new Set<(e: ContainerEvent) => void>();

  private readonly now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.now = now;
  }

  private get(id: string): ContainerStatus & { config: ContainerConfig } {
    const c = this.containers.get(id);
    if (!c) {
      const e = new Error(`container "${id}" not found`);
      e.name = 'ContainerNotFoundError';
      throw e;
    }
    return c;
  }

  private snapshot(id: string): ContainerStatus {
    const { config: _config, ...s } = this.get(id);
    return { ...s, labels: { ...s.labels } };
  }

  private emit(type: ContainerEvent['type'], id: string): void {
    const status = this.snapshot(id);
    for (const l of this.listeners) l({ type, status });
  }

  create(config: ContainerConfig): Promise<ContainerStatus> {
    this.calls.push(`create ${config.id}`);
    if (this.containers.has(config.id))
      return Promise.reject(new Error(`container "${config.id}" exists`));
    this.containers.set(config.id, {
      id: config.id,
      state: 'created',
      createdAt: this.now(),
      logPath: `${config.log.dir}/${config.log.attempt}.log`,
      labels: { ...config.labels },
      annotations: { ...config.annotations },
      config,
    });
    return Promise.resolve(this.snapshot(config.id));
  }

  start(id: string): Promise<ContainerStatus> {
    this.calls.push(`start ${id}`);
    const c = this.get(id);
    if (this.failStart.has(id)) {
      Object.assign(c, { state: 'exited', exitCode: 128, reason: 'Error', finishedAt: this.now() });
      return Promise.reject(new Error(`starting container "${id}": exec format error`));
    }
    Object.assign(c, { state: 'running', startedAt: this.now(), pid: 4242 });
    this.emit('started', id);
    return Promise.resolve(this.snapshot(id));
  }

  /** The test's side of a container ending (its process exited with code). */
  exit(id: string, exitCode: number, reason?: ContainerStatus['reason']): void {
    const c = this.get(id);
    if (c.state !== 'running') return;
    Object.assign(c, {
      state: 'exited',
      exitCode,
      reason: reason ?? (exitCode ? 'Error' : 'Completed'),
      finishedAt: this.now(),
    });
    delete c.pid;
    this.emit('exited', id);
  }

  kill(id: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.exit(id, signal === 'SIGKILL' ? 137 : 143);
    return Promise.resolve();
  }

  stop(id: string, gracePeriodSeconds: number): Promise<ContainerStatus> {
    this.calls.push(`stop ${id} ${gracePeriodSeconds}`);
    this.exit(id, 143);
    return Promise.resolve(this.snapshot(id));
  }

  delete(id: string): Promise<void> {
    this.calls.push(`delete ${id}`);
    this.get(id);
    this.containers.delete(id);
    return Promise.resolve();
  }

  status(id: string): Promise<ContainerStatus | undefined> {
    return Promise.resolve(this.containers.has(id) ? this.snapshot(id) : undefined);
  }

  list(): Promise<ContainerStatus[]> {
    return Promise.resolve([...this.containers.keys()].map((id) => this.snapshot(id)));
  }

  wait(id: string, signal?: AbortSignal): Promise<ContainerStatus> {
    if (this.get(id).state === 'exited') return Promise.resolve(this.snapshot(id));
    return new Promise((resolve, reject) => {
      const l = (e: ContainerEvent): void => {
        if (e.type !== 'exited' || e.status.id !== id) return;
        this.listeners.delete(l);
        resolve(e.status);
      };
      this.listeners.add(l);
      signal?.addEventListener('abort', () => {
        this.listeners.delete(l);
        reject(signal.reason);
      });
    });
  }

  async *events(signal: AbortSignal): AsyncIterable<ContainerEvent> {
    const queue: ContainerEvent[] = [];
    let wake: (() => void) | undefined;
    const l = (e: ContainerEvent): void => {
      queue.push(e);
      wake?.();
    };
    this.listeners.add(l);
    signal.addEventListener('abort', () => wake?.());
    try {
      while (!signal.aborted) {
        const e = queue.shift();
        if (e) yield e;
        else await new Promise<void>((r) => (wake = r));
      }
    } finally {
      this.listeners.delete(l);
    }
  }

  exec(id: string, o: ExecOptions): Promise<ExecSession> {
    this.calls.push(`exec ${id} ${o.args.join(' ')}`);
    if (this.get(id).state !== 'running')
      return Promise.reject(new Error(`container "${id}" is not running`));
    const r = this.onExec(id, o);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let settle: (x: { exitCode: number }) => void = () => undefined;
    const exit = new Promise<{ exitCode: number }>((res) => (settle = res));
    setImmediate(() => {
      if (r.output) stdout.write(r.output);
      if (!r.hang) {
        stdout.end();
        stderr.end();
        setImmediate(() => settle({ exitCode: r.exitCode }));
      }
    });
    return Promise.resolve({
      stdout,
      stderr,
      resize: () => Promise.resolve(),
      kill: (signal) => settle({ exitCode: signal === 'SIGKILL' ? 137 : 143 }),
      exit,
    });
  }

  attach(): Promise<ExecSession> {
    return Promise.reject(new Error('attach is not faked'));
  }

  async *logs(): AsyncIterable<Buffer> {
    return;
  }

  close(): void {
    this.listeners.clear();
  }
}
