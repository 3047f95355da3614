// The container runtime contract: what the node agent asks of the layer that runs
// containers. It speaks of containers only (never of pods): the agent turns a pod's
// containers into ContainerConfigs and reads ContainerStatuses back.

import type { Readable, Writable } from 'node:stream';

/** A bind mount from the host into the container (a volume, a service-account token…). */
export interface BindMount {
  /** Absolute path inside the container. */
  containerPath: string;
  /** Absolute path on the host (file or directory). */
  hostPath: string;
  readOnly?: boolean;
  /** Kubernetes' mountPropagation: None → rprivate, HostToContainer → rslave, Bidirectional → rshared. */
  propagation?: 'private' | 'rslave' | 'rshared';
}

export interface Rlimit {
  /** As in the OCI spec, e.g. RLIMIT_NOFILE. */
  type: string;
  soft: number;
  hard: number;
}

export interface ContainerResources {
  /** CPU request in millicores: becomes cpu shares (millis × 1024 / 1000, at least 2). */
  cpuRequestMillis?: number;
  /** CPU limit in millicores: becomes a CFS quota over cpuPeriodMicros. */
  cpuLimitMillis?: number;
  /** CFS period; 100000 µs unless given. */
  cpuPeriodMicros?: number;
  /** Memory limit in bytes (swap is limited to the same amount where the host accounts it). */
  memoryLimitBytes?: number;
  /** Maximum number of processes. */
  pidsLimit?: number;
}

export interface ContainerConfig {
  /** Unique id on this node: [A-Za-z0-9][A-Za-z0-9_.-]{0,127}. */
  id: string;
  /** Root filesystem: read-only layer directories, base layer first. */
  layers: string[];
  readOnlyRootfs?: boolean;
  process: {
    /** The full command line (already combined with the image's entrypoint/cmd). */
    args: string[];
    /** KEY=value pairs. */
    env?: string[];
    /** Working directory; `/` unless given. */
    cwd?: string;
    uid?: number;
    gid?: number;
    additionalGids?: number[];
    terminal?: boolean;
    /** Keep the container's stdin open for attach (the pod spec's `stdin`). */
    stdin?: boolean;
    /** Close stdin when the first attached client goes (`stdinOnce`). */
    stdinOnce?: boolean;
    noNewPrivileges?: boolean;
  };
  capabilities?: { add?: string[]; drop?: string[] };
  privileged?: boolean;
  hostname?: string;
  namespaces?: {
    /** Path of the pod's network namespace (e.g. /run/netns/x); "host" for hostNetwork. A new, empty one when absent. */
    network?: string;
    /** Path of the pod's IPC namespace to share; "host" for hostIPC; a private one when absent. */
    ipc?: string;
    /** Path of a PID namespace to join (shareProcessNamespace); "host" for hostPID. */
    pid?: string;
    /** Path of a UTS namespace to join; "host" for the node's hostname. */
    uts?: string;
  };
  /** Host directory bound at /dev/shm (the pod's shared memory); a private 64 MiB tmpfs when absent. */
  shmPath?: string;
  /** Host files bound at /etc/hosts, /etc/hostname and /etc/resolv.conf. */
  etcHosts?: string;
  etcHostname?: string;
  resolvConf?: string;
  mounts?: BindMount[];
  rlimits?: Rlimit[];
  sysctls?: Record<string, string>;
  resources?: ContainerResources;
  /** Cgroup parent, e.g. /skiff/pod<uid>; the runtime's default parent when absent. */
  cgroupParent?: string;
  oomScoreAdj?: number;
  annotations?: Record<string, string>;
  /** Opaque labels stored with the container and given back in its status (for re-adoption). */
  labels?: Record<string, string>;
  /** Where stdout/stderr go: `<dir>/<attempt>.log`, in the CRI log format. */
  log: { dir: string; attempt: number };
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  state: ContainerState;
  /** Host pid of the container's first process while it runs. */
  pid?: number;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  /** Completed (exit 0), Error, OOMKilled, or Unknown when the exit went unrecorded. */
  reason?: 'Completed' | 'Error' | 'OOMKilled' | 'Unknown';
  oomKilled?: boolean;
  logPath: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuntimeInfo {
  /** runc or crun. */
  name: string;
  version: string;
  path: string;
  /** "runc://1.1.5", as a Node's nodeInfo.containerRuntimeVersion. */
  runtimeVersion: string;
  cgroups: 'v1' | 'v2';
}

export interface LogOptions {
  /** Read the attempt before the newest one (kubectl logs --previous). */
  previous?: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  /** Only entries at or after this time. */
  sinceTime?: Date;
  /** Prefix each line with its RFC3339 timestamp (nanoseconds, UTC). */
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  /** Keep reading new entries until the container writing the file exits. */
  follow?: boolean;
  /** Only one stream. */
  stream?: 'stdout' | 'stderr';
  signal?: AbortSignal;
}

export interface ExecOptions {
  args: string[];
  /** Extra KEY=value pairs on top of the container's environment. */
  env?: string[];
  cwd?: string;
  uid?: number;
  gid?: number;
  tty?: boolean;
  /** Give the process a stdin stream (closed at once otherwise). */
  stdin?: boolean;
  /** Initial terminal size when tty. */
  size?: { width: number; height: number };
}

export interface ExecSession {
  /** Present when ExecOptions.stdin was set. */
  stdin?: Writable;
  stdout: Readable;
  /** Absent with a tty: the terminal merges both streams. */
  stderr?: Readable;
  /** Resize the terminal (tty sessions only; a no-op otherwise). */
  resize(size: { width: number; height: number }): Promise<void>;
  /** Signal the exec'd process. */
  kill(signal?: NodeJS.Signals): void;
  /**
   * Resolves when the process ends: its exit code (128+n when killed by signal n). When
   * the process could not be started at all, `error` says why (exit code 127 when the
   * command was not found, 126 otherwise).
   */
  exit: Promise<{ exitCode: number; error?: string }>;
}

export type ContainerEvent =
  { type: 'started'; status: ContainerStatus } | { type: 'exited'; status: ContainerStatus };

export interface ContainerRuntime {
  readonly info: RuntimeInfo;
  /** Prepare the root filesystem and create the container (not yet running). */
  create(config: ContainerConfig): Promise<ContainerStatus>;
  start(id: string): Promise<ContainerStatus>;
  /** Send a signal (default SIGTERM) to the container's first process. */
  kill(id: string, signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, wait up to gracePeriodSeconds, then SIGKILL; resolves with the exited status. */
  stop(id: string, gracePeriodSeconds: number): Promise<ContainerStatus>;
  /** Remove the container (killing it if it still runs), its root filesystem and state; its log stays. */
  delete(id: string): Promise<void>;
  status(id: string): Promise<ContainerStatus | undefined>;
  list(): Promise<ContainerStatus[]>;
  /** Resolves when the container has exited (at once if it already has). */
  wait(id: string, signal?: AbortSignal): Promise<ContainerStatus>;
  /** Starts and exits as they happen, until the signal aborts. */
  events(signal: AbortSignal): AsyncIterable<ContainerEvent>;
  exec(id: string, options: ExecOptions): Promise<ExecSession>;
  /** Joins the running container's own stdio (kubectl attach, kubectl run -it). */
  attach(id: string, options: { stdin: boolean; tty: boolean }): Promise<ExecSession>;
  /** The log of the newest (or previous) attempt in a log directory, as kubectl logs shows it. */
  logs(logDir: string, options?: LogOptions): AsyncIterable<Buffer>;
  /** Stop watching; containers keep running and a new runtime re-adopts them. */
  close(): void;
}
