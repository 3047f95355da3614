// One pod on this node: sandbox, files, volumes, then its containers in order, restarts
// with back-off, probes, status, and graceful termination. Syncs of one pod never overlap:
// a kick during a sync makes one more sync after it.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import type { Logger } from '../log/index.js';
import type { ImageInfo, ImageService, PullPolicy } from '../images/index.js';
import {
  formatRef,
  ImageError,
  parseDockerConfig,
  parseImageRef,
  type DockerConfig,
} from '../images/index.js';
import type { BindMount, ContainerRuntime, ContainerStatus } from './runtime/index.js';
import { renderPodFiles, type PodNetwork } from './sandbox/index.js';
import { setUpVolumes, tearDownVolumes, type VolumeSources } from './volumes/index.js';
import { containerArgv } from './pod/command.js';
import { containerEnv, type EnvSources } from './pod/env.js';
import { Backoff, BACKOFF_RESET_MS } from './backoff.js';
import { startProber, type ProbeSpec, type Prober } from './probes.js';
import { httpCheck, tcpCheck } from './netns-dial.js';
import { execCommand } from './spawner.js';
import { unmountUnder } from './mounts.js';
import { quantity } from '../scheduler/predicates.js';
import { formatTime } from '../api/time.js';

type Spec = Record<string, any>;

export const LABEL_POD_UID = 'skiff.pod.uid';
export const LABEL_POD_NAME = 'skiff.pod.name';
export const LABEL_POD_NAMESPACE = 'skiff.pod.namespace';
export const LABEL_CONTAINER = 'skiff.container.name';
export const LABEL_ATTEMPT = 'skiff.container.attempt';

export interface WorkerDeps {
  runtime: ContainerRuntime;
  /**
   * The node's network namespace when it is not the agent's own (tests). Probes and hooks
   * connect from the node to the pod's IP, as the kubelet's do.
   */
  nodeNetns?: string;
  images: ImageService;
  network: PodNetwork;
  nodeName: string;
  hostIP: string;
  dataDir: string;
  clusterDNS: string;
  clusterDomain: string;
  nodeFiles: { hostname: string; hosts: string };
  logger: Logger;
  /** Configmaps, secrets, services and tokens the pod refers to, fetched before a sync. */
  sources(pod: KubeObject): Promise<VolumeSources & EnvSources>;
  writeStatus(pod: KubeObject, status: Spec): Promise<void>;
  /** Removes the pod object for good (gracePeriodSeconds 0, uid precondition). */
  finalize(pod: KubeObject): Promise<void>;
  /** Records an Event about the pod, as the kubelet does (`kubectl describe pod`). */
  event?(pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

interface Waiting {
  reason: string;
  message?: string;
}

interface ContainerRecord {
  name: string;
  init: boolean;
  /** The current attempt's container, if one was created. */
  id?: string;
  attempt: number;
  status?: ContainerStatus;
  image?: ImageInfo;
  waiting?: Waiting;
  lastTerminated?: Spec;
  crash: Backoff;
  pull: Backoff;
  ready: boolean;
  started: boolean;
  probes: Prober[];
  /** While it has not passed, the container is not `started` (nor probed otherwise). */
  startupProbe?: Prober;
}

/**
 * How often configMap, secret, downwardAPI and projected volumes are rewritten from their
 * sources (atomically; the kubelet does it on its periodic sync, about once a minute).
 */
const VOLUME_REFRESH_MS = 10_000;

/** A duration as Go prints it: 512ms, 1.234s. */
function goDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}

function terminatedOf(s: ContainerStatus): Spec {
  return {
    exitCode: s.exitCode ?? 0,
    reason: s.reason ?? (s.exitCode ? 'Error' : 'Completed'),
    startedAt: s.startedAt ? formatTime(s.startedAt) : null,
    finishedAt: s.finishedAt ? formatTime(s.finishedAt) : null,
    containerID: `runc://${s.id}`,
  };
}

/**
 * The pod's IPC namespace (kept alive by a bind mount at podDir/ipc) and its /dev/shm, a
 * 64 MiB tmpfs at podDir/shm: every container of the pod joins both.
 */
async function setUpPodIpc(podDir: string): Promise<void> {
  const ipc = join(podDir, 'ipc');
  const shm = join(podDir, 'shm');
  const opts = 'size=64m,nosuid,nodev,noexec,mode=1777';
  const shmMount = ['mount', '-t', 'tmpfs', '-o', opts, 'shm', shm];
  const haveIpc = mounted(ipc);
  const haveShm = mounted(shm);
  if (haveIpc && haveShm) return;
  mkdirSync(shm, { recursive: true });
  // One process for both (the spawn is the costly part): unshare makes the namespace
  // persistent at ipc, then runs the mount (which does not care about the IPC namespace).
  if (!haveIpc) {
    writeFileSync(ipc, '');
    await execCommand('unshare', [`--ipc=${ipc}`, ...(haveShm ? ['true'] : shmMount)]);
  } else await execCommand('mount', shmMount.slice(1));
}

async function tearDownPodIpc(podDir: string): Promise<void> {
  for (const p of [join(podDir, 'shm'), join(podDir, 'ipc')])
    if (mounted(p)) await execCommand('umount', ['-l', p]);
}

/** Thrown at a step boundary of a sync whose pod is being killed. */
class SyncCancelled extends Error {
  constructor() {
    super('pod sync cancelled: the pod is being killed');
    this.name = 'SyncCancelled';
  }
}

/** Back-off between attempts to clean up after a pod: 1 s doubling to 10 s. */
const CLEANUP_RETRY_MS = { initial: 1000, max: 10_000 };

function mounted(path: string): boolean {
  if (!existsSync(path)) return false;
  const target = ` ${path.replace(/ /g, '\\040')} `;
  return readFileSync('/proc/self/mounts', 'utf8').includes(target);
}

function normalizedImage(image: string): string {
  try {
    return formatRef(parseImageRef(image));
  } catch {
    return image;
  }
}

function defaultPolicy(image: string): PullPolicy {
  const last = image.split('/').pop() ?? image;
  if (last.includes('@')) return 'IfNotPresent';
  const tag = last.includes(':') ? last.slice(last.lastIndexOf(':') + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function portOf(c: Spec, port: number | string): number {
  if (typeof port === 'number') return port;
  const p = ((c['ports'] ?? []) as Spec[]).find((x) => x['name'] === port);
  return p ? Number(p['containerPort']) : Number(port);
}

export class PodWorker {
  pod: KubeObject;
  readonly uid: string;
  private readonly d: WorkerDeps;
  private readonly containers = new Map<string, ContainerRecord>();
  private running = false;
  private again = false;
  private netns?: string;
  private podIP?: string;
  private prepared = false;
  private volumes = new Map<string, { hostPath: string; readOnly: boolean }>();
  private startTime?: string;
  private lastStatus = '';
  private terminated = false;
  private podWaiting?: Waiting;
  private volumesRefreshedAt = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The running sync loop, awaited by terminate before it tears anything down. */
  private loop: Promise<void> | undefined;
  /** Set once the pod is being killed: a sync in progress stops at its next step. */
  private cancelled = false;
  private termination: Promise<void> | undefined;
  /** While an image is pulled; pullStarted wakes a termination waiting for the sync. */
  private pulling = false;
  private pullStarted: (() => void) | undefined;
  /** Set once the containers of a pod being deleted are gone: the status is the last one. */
  private final = false;

  constructor(pod: KubeObject, deps: WorkerDeps) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? '';
    this.d = deps;
    this.startTime = ((pod['status'] ?? {}) as Spec)['startTime'];
  }

  get podDir(): string {
    return join(this.d.dataDir, 'pods', this.uid);
  }

  logDir(container: string): string {
    const m = this.pod.metadata;
    return join(this.d.dataDir, 'logs', `${m.namespace}_${m.name}_${this.uid}`, container);
  }

  /** The container's runtime id and log directory, for exec and logs. */
  container(name: string): { id?: string; logDir: string; running: boolean } | undefined {
    const r = this.containers.get(name);
    if (!r && !this.specs().some((c) => c.spec['name'] === name)) return undefined;
    return {
      ...(r?.id ? { id: r.id } : {}),
      logDir: this.logDir(name),
      running: r?.status?.state === 'running',
    };
  }

  get ip(): string | undefined {
    return this.podIP;
  }
  get netnsPath(): string | undefined {
    return this.netns;
  }

  /** Takes over containers found running (or exited) after an agent restart. */
  adopt(statuses: ContainerStatus[]): void {
    for (const s of statuses) {
      const name = s.labels[LABEL_CONTAINER] ?? '';
      const attempt = Number(s.labels[LABEL_ATTEMPT] ?? 0);
      const spec = this.specs().find((c) => c.spec['name'] === name);
      if (!spec) continue;
      const r = this.record(name, spec.init);
      if (r.id && r.attempt > attempt) continue;
      r.id = s.id;
      r.attempt = attempt;
      r.status = s;
      r.started = true;
      // Probes run for adopted containers as for started ones (without a readiness probe a
      // running container is ready at once, so a restarted agent does not flap endpoints).
      this.stopProbes(r);
      if (s.state === 'running') this.startProbes(spec.spec, r);
    }
  }

  kick(): void {
    if (this.cancelled) return;
    // A pod being deleted is killed now, not after the sync in progress (which may be
    // waiting for an image): the termination cancels that sync.
    if (this.deleting) {
      void this.terminate(true);
      return;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.loop = (async () => {
      do {
        this.again = false;
        try {
          await this.sync();
        } catch (e) {
          if (!(e instanceof SyncCancelled))
            this.d.logger.warn('pod sync failed', {
              pod: `${this.pod.metadata.namespace}/${this.pod.metadata.name}`,
              err: e instanceof Error ? e.message : String(e),
            });
        }
      } while (this.again && !this.cancelled);
      this.running = false;
    })();
  }

  /** A step boundary of a sync: a pod being killed stops here, as the kubelet's sync does. */
  private checkpoint(): void {
    if (this.cancelled) throw new SyncCancelled();
  }

  private later(ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.kick();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private specs(): { spec: Spec; init: boolean }[] {
    const spec = (this.pod['spec'] ?? {}) as Spec;
    return [
      ...((spec['initContainers'] ?? []) as Spec[]).map((s) => ({ spec: s, init: true })),
      ...((spec['containers'] ?? []) as Spec[]).map((s) => ({ spec: s, init: false })),
    ];
  }

  private record(name: string, init: boolean): ContainerRecord {
    let r = this.containers.get(name);
    if (!r) {
      r = {
        name,
        init,
        attempt: 0,
        crash: new Backoff(),
        pull: new Backoff(),
        ready: false,
        started: false,
        probes: [],
      };
      this.containers.set(name, r);
    }
    return r;
  }

  private get deleting(): boolean {
    return !!this.pod.metadata.deletionTimestamp;
  }

  private async sync(): Promise<void> {
    if (this.terminated || this.cancelled) return;
    if (this.deleting) {
      // Not awaited: the termination waits for this sync to end first.
      void this.terminate(true);
      return;
    }
    for (const r of this.containers.values())
      if (r.id) r.status = (await this.d.runtime.status(r.id)) ?? r.status;
    this.checkpoint();
    if (!(await this.prepare())) return this.report();
    this.checkpoint();
    if (Date.now() - this.volumesRefreshedAt >= VOLUME_REFRESH_MS) await this.refreshVolumes();
    const spec = (this.pod['spec'] ?? {}) as Spec;
    const policy = (spec['restartPolicy'] as string | undefined) ?? 'Always';
    // Init containers, one at a time and in order.
    let initDone = true;
    for (const { spec: c } of this.specs().filter((x) => x.init)) {
      const r = this.record(c['name'], true);
      const st = r.status?.state;
      if (st === 'exited' && r.status?.exitCode === 0) continue;
      initDone = false;
      if (st === 'running' || st === 'created') break;
      if (st === 'exited' && policy === 'Never') break;
      await this.runContainer(c, r);
      break;
    }
    if (initDone)
      for (const { spec: c } of this.specs().filter((x) => !x.init)) {
        const r = this.record(c['name'], false);
        const st = r.status?.state;
        if (st === 'running' || st === 'created') continue;
        if (st === 'exited' || st === 'unknown') {
          const code = r.status?.exitCode ?? 0;
          if (policy === 'Never' || (policy === 'OnFailure' && code === 0)) continue;
        }
        await this.runContainer(c, r);
      }
    this.checkpoint();
    await this.report();
  }

  /** Sandbox, pod files and volumes; false (with a waiting reason recorded) if not there yet. */
  private async prepare(): Promise<boolean> {
    if (this.prepared) return true;
    const spec = (this.pod['spec'] ?? {}) as Spec;
    try {
      mkdirSync(this.podDir, { recursive: true });
      if (spec['hostNetwork']) {
        this.netns = this.d.network.nodeNetnsPath();
        this.podIP = this.d.hostIP;
      } else {
        const n = await this.d.network.setupPod(this.uid);
        this.netns = n.netnsPath;
        this.podIP = n.ip;
      }
      this.checkpoint();
      const files = renderPodFiles(
        this.pod as unknown as Parameters<typeof renderPodFiles>[0],
        [this.podIP],
        this.d.nodeFiles,
        {
          clusterDNS: [this.d.clusterDNS],
          clusterDomain: this.d.clusterDomain,
        } as Parameters<typeof renderPodFiles>[3],
      );
      writeFileSync(join(this.podDir, 'etc-hosts'), files.hosts);
      writeFileSync(join(this.podDir, 'hostname'), files.hostname);
      writeFileSync(join(this.podDir, 'resolv.conf'), files.resolvConf);
      if (!spec['hostIPC']) await setUpPodIpc(this.podDir);
      this.checkpoint();
      const src = await this.d.sources(this.pod);
      this.checkpoint();
      this.volumes = setUpVolumes(this.pod, this.podDir, src);
      this.volumesRefreshedAt = Date.now();
      this.startTime ??= formatTime(new Date());
      this.prepared = true;
      this.podWaiting = undefined;
      return true;
    } catch (e) {
      if (e instanceof SyncCancelled) throw e;
      this.podWaiting = {
        reason: 'ContainerCreating',
        message: e instanceof Error ? e.message : String(e),
      };
      this.d.logger.warn('pod set-up failed', { uid: this.uid, err: this.podWaiting.message });
      this.later(2000);
      return false;
    }
  }

  /** The pod's imagePullSecrets, decoded (kubernetes.io/dockerconfigjson and dockercfg). */
  private async pullSecrets(): Promise<DockerConfig[]> {
    const refs = (((this.pod['spec'] ?? {}) as Spec)['imagePullSecrets'] ?? []) as Spec[];
    if (!refs.length) return [];
    const src = await this.d.sources(this.pod);
    const ns = this.pod.metadata.namespace ?? 'default';
    const out: DockerConfig[] = [];
    for (const ref of refs) {
      const secret = src.secret(ns, ref['name'] as string);
      const data = (secret?.['data'] ?? {}) as Record<string, string>;
      try {
        if (data['.dockerconfigjson'])
          out.push(parseDockerConfig(Buffer.from(data['.dockerconfigjson'], 'base64').toString()));
        else if (data['.dockercfg'])
          out.push({
            auths: parseDockerConfig(Buffer.from(data['.dockercfg'], 'base64').toString()),
          } as DockerConfig);
      } catch {
        // The kubelet skips a secret it cannot read and pulls with the others.
      }
    }
    return out;
  }

  /** Rewrites the volumes made from API objects; a source gone keeps the files as they were. */
  private async refreshVolumes(): Promise<void> {
    this.volumesRefreshedAt = Date.now();
    try {
      this.volumes = setUpVolumes(this.pod, this.podDir, await this.d.sources(this.pod));
    } catch (e) {
      this.d.logger.debug('volume refresh failed', { uid: this.uid, err: String(e) });
    }
  }

  private async runContainer(c: Spec, r: ContainerRecord): Promise<void> {
    // Crash-loop back-off for a container that ran before.
    if (r.status && r.id) {
      const ranFor =
        r.status.startedAt && r.status.finishedAt
          ? r.status.finishedAt.getTime() - r.status.startedAt.getTime()
          : 0;
      if (!r.waiting || r.waiting.reason !== 'CrashLoopBackOff') {
        if (ranFor >= BACKOFF_RESET_MS) r.crash.reset();
        r.crash.fail(r.status.finishedAt?.getTime() ?? Date.now());
      }
      const wait = r.crash.remaining();
      if (wait > 0) {
        if (r.waiting?.reason !== 'CrashLoopBackOff')
          this.event(
            'Warning',
            'BackOff',
            `Back-off restarting failed container ${r.name} in pod ${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`,
          );
        r.waiting = {
          reason: 'CrashLoopBackOff',
          message: `back-off ${Math.round(r.crash.currentDelayMs / 1000)}s restarting failed container=${r.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`,
        };
        this.later(wait + 10);
        return;
      }
    }
    // The image, by its pull policy, with ImagePullBackOff between failed pulls.
    const imageName = c['image'] as string;
    if (r.pull.remaining() > 0 && r.waiting?.reason.startsWith('Err')) {
      r.waiting = {
        reason: 'ImagePullBackOff',
        message: `Back-off pulling image "${imageName}"`,
      };
      this.event('Normal', 'BackOff', `Back-off pulling image "${imageName}"`);
      this.event('Warning', 'Failed', 'Error: ImagePullBackOff');
      this.later(r.pull.remaining() + 10);
      return;
    }
    if (r.pull.remaining() > 0 && r.waiting?.reason === 'ImagePullBackOff') return;
    const policy = (c['imagePullPolicy'] as PullPolicy | undefined) ?? defaultPolicy(imageName);
    this.checkpoint();
    try {
      const present =
        policy === 'Always'
          ? undefined
          : await this.d.images.getImage(imageName).catch(() => undefined);
      const t0 = performance.now();
      if (present)
        this.event('Normal', 'Pulled', `Container image "${imageName}" already present on machine`);
      else if (policy !== 'Never') this.event('Normal', 'Pulling', `Pulling image "${imageName}"`);
      const pullSecrets = await this.pullSecrets();
      this.checkpoint();
      // A pull may take long (a slow or silent registry): a termination does not wait for
      // it, as nothing of the pod is made after it without passing a checkpoint.
      this.pulling = true;
      this.pullStarted?.();
      try {
        r.image = await this.d.images.ensureImage(imageName, policy, { pullSecrets });
      } finally {
        this.pulling = false;
      }
      if (!present) {
        const took = goDuration(performance.now() - t0);
        this.event(
          'Normal',
          'Pulled',
          `Successfully pulled image "${imageName}" in ${took} (${took} including waiting). Image size: ${r.image.size} bytes.`,
        );
      }
      r.pull.reset();
    } catch (e) {
      if (this.cancelled) throw new SyncCancelled();
      const reason = e instanceof ImageError ? e.reason : 'ErrImagePull';
      const message = e instanceof Error ? e.message : String(e);
      if (reason === 'ErrImageNeverPull')
        this.event(
          'Warning',
          'ErrImageNeverPull',
          `Container image "${imageName}" is not present with pull policy of Never`,
        );
      else if (reason === 'InvalidImageName') this.event('Warning', 'InspectFailed', message);
      else this.event('Warning', 'Failed', `Failed to pull image "${imageName}": ${message}`);
      this.event('Warning', 'Failed', `Error: ${reason}`);
      r.waiting = { reason, message };
      r.pull.fail();
      this.later(r.pull.remaining() + 10);
      return;
    }
    this.checkpoint();
    let argv: string[];
    let env: Map<string, string>;
    try {
      const src = await this.d.sources(this.pod);
      env = containerEnv(c as Parameters<typeof containerEnv>[0], r.image.config.Env ?? [], {
        ...src,
        pod: this.pod,
        nodeName: this.d.nodeName,
        hostIP: this.d.hostIP,
        ...(this.podIP ? { podIP: this.podIP } : {}),
      });
      argv = containerArgv(c, r.image.config, env);
      if (!argv.length) throw new Error('no command specified');
    } catch (e) {
      r.waiting = {
        reason: 'CreateContainerConfigError',
        message: e instanceof Error ? e.message : String(e),
      };
      this.later(5000);
      return;
    }
    // The old attempt goes (its log stays) before the next one is made.
    const attempt = r.id ? r.attempt + 1 : r.attempt;
    if (r.id) {
      if (r.status) r.lastTerminated = terminatedOf(r.status);
      await this.d.runtime.delete(r.id).catch(() => undefined);
    }
    this.stopProbes(r);
    this.checkpoint();
    const id = `${this.uid}_${r.name}_${attempt}`;
    r.waiting = { reason: 'ContainerCreating' };
    try {
      const config = this.containerConfig(c, r, id, attempt, argv, env);
      config.layers = await this.d.images.layerDirs(r.image);
      this.checkpoint();
      await this.d.runtime.create(config);
      // Known at once, so that a termination from here on removes it.
      r.id = id;
      r.attempt = attempt;
      r.ready = false;
      r.started = false;
      this.event('Normal', 'Created', `Created container: ${r.name}`);
      this.checkpoint();
      r.status = await this.d.runtime.start(id);
      this.event('Normal', 'Started', `Started container ${r.name}`);
      const postStart = (c['lifecycle'] ?? {})['postStart'] as Spec | undefined;
      if (postStart) {
        const out = await this.runHook(c, r, postStart, this.gracePeriod() * 1000 || 30_000);
        if (!out.ok) {
          // The message stays out of the event (it may hold secrets), as in the kubelet.
          this.event('Warning', 'FailedPostStartHook', 'PostStartHook failed');
          this.d.logger.info('postStart hook failed', { id, message: out.message });
          await this.d.runtime.stop(id, this.gracePeriod()).catch(() => undefined);
          r.status = (await this.d.runtime.status(id)) ?? r.status;
          r.waiting = undefined;
          return;
        }
      }
      r.waiting = undefined;
      r.started = true;
      this.checkpoint();
      this.startProbes(c, r);
    } catch (e) {
      if (e instanceof SyncCancelled) throw e;
      r.id = id;
      r.attempt = attempt;
      r.status = (await this.d.runtime.status(id)) ?? {
        id,
        state: 'exited',
        createdAt: new Date(),
        startedAt: new Date(),
        finishedAt: new Date(),
        exitCode: 128,
        reason: 'Error',
        logPath: '',
        labels: {},
        annotations: {},
      };
      r.waiting = {
        reason: 'RunContainerError',
        message: e instanceof Error ? e.message : String(e),
      };
      this.d.logger.warn('container start failed', {
        id,
        err: r.waiting.message,
        stack: e instanceof Error ? e.stack : '',
      });
      this.later(1000);
    }
  }

  private containerConfig(
    c: Spec,
    r: ContainerRecord,
    id: string,
    attempt: number,
    argv: string[],
    env: Map<string, string>,
  ): Parameters<ContainerRuntime['create']>[0] {
    const image = r.image!;
    const sc = (c['securityContext'] ?? {}) as Spec;
    const psc = (((this.pod['spec'] ?? {}) as Spec)['securityContext'] ?? {}) as Spec;
    const [imgUser, imgGroup] = String(image.config.User ?? '').split(':');
    const uid =
      sc['runAsUser'] ?? psc['runAsUser'] ?? (/^\d+$/.test(imgUser ?? '') ? Number(imgUser) : 0);
    const gid =
      sc['runAsGroup'] ??
      psc['runAsGroup'] ??
      (/^\d+$/.test(imgGroup ?? '') ? Number(imgGroup) : 0);
    const mounts: BindMount[] = [];
    for (const vm of (c['volumeMounts'] ?? []) as Spec[]) {
      const v = this.volumes.get(vm['name']);
      if (!v) continue;
      mounts.push({
        containerPath: vm['mountPath'],
        hostPath: vm['subPath'] ? join(v.hostPath, vm['subPath']) : v.hostPath,
        readOnly: !!vm['readOnly'] || v.readOnly,
      });
    }
    const limits = ((c['resources'] ?? {}) as Spec)['limits'] ?? {};
    const requests = ((c['resources'] ?? {}) as Spec)['requests'] ?? {};
    const resources: Record<string, number> = {};
    if (requests['cpu'] ?? limits['cpu'])
      resources['cpuRequestMillis'] = Math.round(quantity(requests['cpu'] ?? limits['cpu']) * 1000);
    if (limits['cpu']) resources['cpuLimitMillis'] = Math.round(quantity(limits['cpu']) * 1000);
    if (limits['memory']) resources['memoryLimitBytes'] = Math.round(quantity(limits['memory']));
    const m = this.pod.metadata;
    const spec = (this.pod['spec'] ?? {}) as Spec;
    return {
      id,
      layers: [],
      process: {
        args: argv,
        env: [...env].map(([k, v]) => `${k}=${v}`),
        cwd: c['workingDir'] || image.config.WorkingDir || '/',
        uid,
        gid,
        ...(c['tty'] ? { terminal: true } : {}),
        ...(c['stdin'] ? { stdin: true, stdinOnce: !!c['stdinOnce'] } : {}),
      },
      ...(sc['privileged'] ? { privileged: true } : {}),
      ...(sc['capabilities'] ? { capabilities: sc['capabilities'] } : {}),
      ...(sc['readOnlyRootFilesystem'] ? { readOnlyRootfs: true } : {}),
      hostname: spec['hostNetwork'] ? this.d.nodeFiles.hostname : (spec['hostname'] ?? m.name),
      namespaces: {
        network: spec['hostNetwork'] ? 'host' : this.netns!,
        ipc: spec['hostIPC'] ? 'host' : join(this.podDir, 'ipc'),
      },
      // One /dev/shm for the whole pod, as the pause container's is shared.
      shmPath: spec['hostIPC'] ? '/dev/shm' : join(this.podDir, 'shm'),
      etcHosts: join(this.podDir, 'etc-hosts'),
      etcHostname: join(this.podDir, 'hostname'),
      resolvConf: join(this.podDir, 'resolv.conf'),
      mounts,
      resources,
      labels: {
        [LABEL_POD_UID]: this.uid,
        [LABEL_POD_NAME]: m.name ?? '',
        [LABEL_POD_NAMESPACE]: m.namespace ?? '',
        [LABEL_CONTAINER]: r.name,
        [LABEL_ATTEMPT]: String(attempt),
      },
      log: { dir: this.logDir(r.name), attempt },
    };
  }

  private startProbes(c: Spec, r: ContainerRecord): void {
    const run = (p: ProbeSpec, timeoutMs: number) => this.probe(c, r, p, timeoutMs);
    const startup = c['startupProbe'] as ProbeSpec | undefined;
    const su = startup
      ? startProber({
          kind: 'startup',
          spec: startup,
          run,
          onChange: () => this.kick(),
          onFailure: (m) => this.event('Warning', 'Unhealthy', `Startup probe failed: ${m}`),
        })
      : undefined;
    const gate = () => !su || su.result;
    if (su) r.probes.push(su);
    r.startupProbe = su;
    const readiness = c['readinessProbe'] as ProbeSpec | undefined;
    if (readiness)
      r.probes.push(
        startProber({
          kind: 'readiness',
          spec: readiness,
          run,
          gate,
          onChange: (ok) => {
            r.ready = ok;
            this.kick();
          },
          onFailure: (m) => this.event('Warning', 'Unhealthy', `Readiness probe failed: ${m}`),
        }),
      );
    const liveness = c['livenessProbe'] as ProbeSpec | undefined;
    if (liveness)
      r.probes.push(
        startProber({
          kind: 'liveness',
          spec: liveness,
          run,
          gate,
          onFailure: (m) => this.event('Warning', 'Unhealthy', `Liveness probe failed: ${m}`),
          onChange: (ok, message) => {
            if (ok || !r.id) return;
            this.d.logger.info('liveness probe failed; restarting', { id: r.id, message });
            this.event(
              'Normal',
              'Killing',
              `Container ${r.name} failed liveness probe, will be restarted`,
            );
            const grace = this.gracePeriod();
            void this.d.runtime
              .stop(r.id, grace)
              .catch(() => undefined)
              .then(() => this.kick());
          },
        }),
      );
    // Without a readiness probe a started container is ready.
    r.ready = !readiness && gate();
  }

  private stopProbes(r: ContainerRecord): void {
    for (const p of r.probes) p.stop();
    r.probes = [];
  }

  private async probe(c: Spec, r: ContainerRecord, p: ProbeSpec, timeoutMs: number) {
    if (p.exec) {
      if (!r.id) return { ok: false, message: 'no container' };
      const x = await this.d.runtime.exec(r.id, { args: p.exec.command ?? [] });
      // The command's output is the failure message, as the kubelet reports it (capped).
      let output = '';
      const collect = (d: Buffer): void => {
        if (output.length < 10_240) output += d.toString();
      };
      x.stdout.on('data', collect);
      x.stderr?.on('data', collect);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<{ exitCode: number; error?: string }>((res) => {
        timer = setTimeout(() => {
          x.kill('SIGKILL');
          res({ exitCode: -1, error: `command timed out after ${timeoutMs / 1000}s` });
        }, timeoutMs);
      });
      const out = await Promise.race([x.exit, timeout]);
      clearTimeout(timer);
      return out.exitCode === 0
        ? { ok: true }
        : { ok: false, message: output.trim() || out.error || `exit code ${out.exitCode}` };
    }
    const host = p.httpGet?.host ?? p.tcpSocket?.host ?? this.podIP ?? '127.0.0.1';
    if (p.httpGet) {
      const headers: Record<string, string> = {};
      for (const h of p.httpGet.httpHeaders ?? []) headers[h.name] = h.value;
      const out = await httpCheck(
        this.d.nodeNetns,
        host,
        portOf(c, p.httpGet.port),
        p.httpGet.path ?? '/',
        headers,
        timeoutMs,
      );
      return { ok: out.ok, ...(out.error ? { message: out.error } : {}) };
    }
    if (p.tcpSocket) {
      const out = await tcpCheck(this.d.nodeNetns, host, portOf(c, p.tcpSocket.port), timeoutMs);
      return { ok: out.ok, ...(out.error ? { message: out.error } : {}) };
    }
    return { ok: false, message: 'probe has no handler' };
  }

  /** A lifecycle hook (exec in the container, or an HTTP GET from the node to the pod). */
  private async runHook(
    c: Spec,
    r: ContainerRecord,
    h: Spec,
    timeoutMs: number,
  ): Promise<{ ok: boolean; message?: string }> {
    try {
      if (h['exec']?.command) {
        if (!r.id) return { ok: false, message: 'no container' };
        const x = await this.d.runtime.exec(r.id, { args: h['exec'].command as string[] });
        let output = '';
        x.stdout.on('data', (d: Buffer) => (output += d.toString()));
        x.stderr?.on('data', (d: Buffer) => (output += d.toString()));
        let timer: NodeJS.Timeout | undefined;
        const out = await Promise.race([
          x.exit,
          new Promise<{ exitCode: number; error?: string }>((res) => {
            timer = setTimeout(() => {
              x.kill('SIGKILL');
              res({ exitCode: -1, error: 'timed out' });
            }, timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        return out.exitCode === 0
          ? { ok: true }
          : {
              ok: false,
              message: `command '${(h['exec'].command as string[]).join(' ')}' exited with ${out.exitCode}: ${output}`,
            };
      }
      if (h['httpGet']) {
        const g = h['httpGet'] as Spec;
        const headers: Record<string, string> = {};
        for (const x of (g['httpHeaders'] ?? []) as Spec[]) headers[x['name']] = x['value'];
        const out = await httpCheck(
          this.d.nodeNetns,
          (g['host'] as string | undefined) ?? this.podIP ?? '127.0.0.1',
          portOf(c, g['port']),
          (g['path'] as string | undefined) ?? '/',
          headers,
          timeoutMs,
        );
        return { ok: out.ok, ...(out.error ? { message: out.error } : {}) };
      }
      if (h['sleep']) {
        await new Promise((res) =>
          setTimeout(res, Math.min(timeoutMs, Number(h['sleep']['seconds'] ?? 0) * 1000)),
        );
        return { ok: true };
      }
      return { ok: false, message: 'hook has no handler' };
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.d.event?.(this.pod, type, reason, message);
  }

  private gracePeriod(): number {
    const m = this.pod.metadata;
    const spec = (this.pod['spec'] ?? {}) as Spec;
    return Number(m.deletionGracePeriodSeconds ?? spec['terminationGracePeriodSeconds'] ?? 30);
  }

  /**
   * Kills the pod, as the kubelet does: a sync in progress is cancelled at its next step
   * (and awaited), every container is stopped (preStop, SIGTERM, grace period, SIGKILL) and
   * removed, then the pod's sandbox, volumes and directory; then, when the API asked for
   * it, the object. Never rejects: what cannot be cleaned up now is retried with back-off
   * (and reported) until it can. Repeated calls share the first one's work.
   */
  terminate(finalize: boolean, maxGraceSeconds = Infinity): Promise<void> {
    if (finalize) this.finalizeWanted = true;
    this.termination ??= this.kill(maxGraceSeconds).catch((e: unknown) => {
      this.d.logger.error('pod termination failed', { uid: this.uid, err: String(e) });
    });
    return this.termination;
  }

  private finalizeWanted = false;

  private async kill(maxGraceSeconds: number): Promise<void> {
    this.cancelled = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const r of this.containers.values()) this.stopProbes(r);
    // The sync in progress stops at its next step; what it made is known once it has (or
    // once it waits for an image, after which it makes nothing more).
    if (this.running && !this.pulling)
      await new Promise<void>((resolve) => {
        this.pullStarted = resolve;
        void this.loop?.then(resolve);
      });
    this.pullStarted = undefined;
    const grace = Math.min(this.gracePeriod(), maxGraceSeconds);
    const deadline = Date.now() + grace * 1000;
    await this.retrying('container removal', () => this.removeContainers(deadline), Infinity);
    this.terminated = true;
    // The API object goes once no container runs, even if the sandbox resists clean-up
    // (that goes on below), so a deletion is not held up by a busy directory.
    const first = await this.cleanUp().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (this.finalizeWanted) {
      // As the kubelet: the pod's final status, then the object deleted (grace period 0).
      this.final = true;
      await this.report().catch((e: unknown) =>
        this.d.logger.warn('final pod status not written', { uid: this.uid, err: String(e) }),
      );
      await this.retrying('pod deletion', () => this.d.finalize(this.pod));
    }
    if (first !== undefined) {
      this.reportCleanupFailure(first, 1);
      await this.retrying('clean-up', () => this.cleanUp(), Infinity, 2);
    }
  }

  /** Stops (within the grace period) and removes every container of the pod. */
  private async removeContainers(deadline: number): Promise<void> {
    const errors: unknown[] = [];
    await Promise.all(
      [...this.containers.values()].map(async (r) => {
        if (!r.id) return;
        try {
          const st = await this.d.runtime.status(r.id);
          if (!st) return; // never made (a create that failed cleans up after itself)
          if (st.state === 'running') {
            this.event('Normal', 'Killing', `Stopping container ${r.name}`);
            const c = this.specs().find((x) => x.spec['name'] === r.name)?.spec ?? {};
            const preStop = (c['lifecycle'] ?? {})['preStop'] as Spec | undefined;
            if (preStop && deadline > Date.now()) {
              // The hook gets the grace period; whatever it does, SIGTERM follows.
              const out = await this.runHook(c, r, preStop, Math.max(0, deadline - Date.now()));
              if (!out.ok)
                this.event('Warning', 'FailedPreStopHook', `PreStopHook failed: ${out.message}`);
            }
            const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
            r.status = await this.d.runtime.stop(r.id, left);
          } else r.status = st;
          await this.d.runtime.delete(r.id);
        } catch (e) {
          if (!(e instanceof Error && e.name === 'ContainerNotFoundError')) errors.push(e);
        }
      }),
    );
    if (errors.length) throw errors[0];
  }

  /**
   * Volumes, the IPC namespace and /dev/shm, the network, any other mount under the pod's
   * directory, then the directory. Every step runs even when one fails; the first failure
   * is thrown. Safe to repeat.
   */
  private async cleanUp(): Promise<void> {
    const errors: unknown[] = [];
    const step = async (f: () => unknown): Promise<void> => {
      try {
        await f();
      } catch (e) {
        errors.push(e);
      }
    };
    await step(() => tearDownVolumes(this.podDir));
    await step(() => tearDownPodIpc(this.podDir));
    if (!((this.pod['spec'] ?? {}) as Spec)['hostNetwork'])
      await step(() => this.d.network.teardownPod(this.uid));
    // Anything left mounted (a mount made twice by a race, a volume) would make the
    // removal fail with EBUSY, or recurse into what it mounts.
    await step(() => unmountUnder(this.podDir));
    await step(() => rmSync(this.podDir, { recursive: true, force: true }));
    if (errors.length) throw errors[0];
  }

  private reportCleanupFailure(e: unknown, attempt: number): void {
    const err = e instanceof Error ? e.message : String(e);
    this.d.logger.warn('pod clean-up failed; retrying', { uid: this.uid, attempt, err });
    if (attempt === 1)
      this.event('Warning', 'FailedKillPod', `error cleaning up pod ${this.uid}: ${err}`);
  }

  /** Runs fn until it succeeds (or `tries` attempts failed), with back-off between tries. */
  private async retrying(
    what: string,
    fn: () => Promise<unknown>,
    tries = 5,
    firstAttempt = 1,
  ): Promise<void> {
    for (let attempt = firstAttempt; ; attempt++) {
      if (attempt > 1) {
        const delay = CLEANUP_RETRY_MS.initial * 2 ** Math.min(attempt - 2, 10);
        await sleep(Math.min(delay, CLEANUP_RETRY_MS.max), undefined, { ref: false });
      }
      try {
        await fn();
        if (attempt > 1) this.d.logger.info(`pod ${what} succeeded`, { uid: this.uid, attempt });
        return;
      } catch (e) {
        if (what === 'clean-up') this.reportCleanupFailure(e, attempt);
        else
          this.d.logger.warn(`pod ${what} failed; retrying`, {
            uid: this.uid,
            attempt,
            err: e instanceof Error ? e.message : String(e),
          });
        if (attempt - firstAttempt + 1 >= tries) throw e;
      }
    }
  }

  /** Pod status as the kubelet writes it, sent only when it changed. */
  private async report(): Promise<void> {
    const spec = (this.pod['spec'] ?? {}) as Spec;
    const policy = (spec['restartPolicy'] as string | undefined) ?? 'Always';
    const now = formatTime(new Date());
    const statusOf = (c: Spec): Spec => {
      const r = this.containers.get(c['name']);
      const s = r?.status;
      let state: Spec;
      if (r?.waiting || !s)
        state = { waiting: r?.waiting ?? this.podWaiting ?? { reason: 'ContainerCreating' } };
      else if (s.state === 'running' || s.state === 'created')
        state = { running: { startedAt: formatTime(s.startedAt ?? s.createdAt) } };
      else state = { terminated: terminatedOf(s) };
      // A killed pod's last status: every container terminated, as the kubelet reports it
      // (one it cannot account for, never started, say, with ContainerStatusUnknown).
      if (this.final)
        state = {
          terminated:
            s?.state === 'exited'
              ? terminatedOf(s)
              : {
                  exitCode: 137,
                  reason: 'ContainerStatusUnknown',
                  message: 'The container could not be located when the pod was terminated',
                  startedAt: null,
                  finishedAt: null,
                },
        };
      if (state['waiting'] && !state['waiting'].message) delete state['waiting'].message;
      const running = !!state['running'];
      return {
        name: c['name'],
        state,
        lastState: r?.lastTerminated ? { terminated: r.lastTerminated } : {},
        ready: running && !!r?.ready,
        restartCount: r?.attempt ?? 0,
        // As the runtime names it once pulled (`nginx` → docker.io/library/nginx:latest).
        image: r?.image ? normalizedImage(c['image']) : c['image'],
        imageID: r?.image ? (r.image.repoDigests[0] ?? r.image.id) : '',
        ...(r?.id && s ? { containerID: `runc://${r.id}` } : {}),
        started: running && !!r?.started && (!r.startupProbe || r.startupProbe.result),
      };
    };
    const init = ((spec['initContainers'] ?? []) as Spec[]).map(statusOf);
    const apps = ((spec['containers'] ?? []) as Spec[]).map(statusOf);
    const initDone = init.every((s) => s['state'].terminated?.exitCode === 0);
    const initFailed =
      policy === 'Never' && init.some((s) => (s['state'].terminated?.exitCode ?? 0) !== 0);
    const terminatedAll = apps.every((s) => s['state'].terminated);
    const anyRunning = apps.some((s) => s['state'].running);
    let phase = 'Pending';
    if (this.final)
      phase = [...init, ...apps].some((s) => s['state'].terminated.exitCode !== 0)
        ? 'Failed'
        : 'Succeeded';
    else if (initFailed) phase = 'Failed';
    else if (initDone && terminatedAll && policy !== 'Always') {
      const failed = apps.some((s) => s['state'].terminated.exitCode !== 0);
      phase = failed ? (policy === 'Never' ? 'Failed' : 'Running') : 'Succeeded';
    } else if (
      initDone &&
      (anyRunning || apps.some((s) => s['restartCount'] > 0 || s['lastState'].terminated))
    )
      phase = 'Running';
    const allReady = initDone && apps.length > 0 && apps.every((s) => s['ready']);
    const old = ((this.pod['status'] ?? {}) as Spec)['conditions'] as Spec[] | undefined;
    const cond = (type: string, ok: boolean, reason?: string): Spec => {
      const status = ok ? 'True' : 'False';
      const prev = old?.find((c) => c['type'] === type);
      return {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime: prev && prev['status'] === status ? prev['lastTransitionTime'] : now,
        ...(reason && !ok ? { reason } : {}),
      };
    };
    const notReady = apps.filter((s) => !s['ready']).map((s) => s['name']);
    const conditions = [
      cond('PodReadyToStartContainers', this.prepared),
      cond('Initialized', initDone, 'ContainersNotInitialized'),
      { ...cond('Ready', allReady, phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady') },
      cond(
        'ContainersReady',
        allReady,
        phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady',
      ),
      cond('PodScheduled', true),
    ];
    if (!allReady) {
      const msg = `containers with unready status: [${notReady.join(' ')}]`;
      (conditions[2] as Spec)['message'] = msg;
      (conditions[3] as Spec)['message'] = msg;
    }
    const status: Spec = {
      phase,
      conditions,
      hostIP: this.d.hostIP,
      hostIPs: [{ ip: this.d.hostIP }],
      ...(this.podIP ? { podIP: this.podIP, podIPs: [{ ip: this.podIP }] } : {}),
      ...(this.startTime ? { startTime: this.startTime } : {}),
      ...(init.length ? { initContainerStatuses: init } : {}),
      // Sorted by name, as the kubelet does (kubectl's STATUS column depends on it).
      containerStatuses: [...apps].sort((a, b) =>
        a['name'] < b['name'] ? -1 : a['name'] > b['name'] ? 1 : 0,
      ),
    };
    const qos = ((this.pod['status'] ?? {}) as Spec)['qosClass'];
    if (qos) status['qosClass'] = qos;
    const text = JSON.stringify({
      ...status,
      conditions: conditions.map((c) => ({ ...c, lastTransitionTime: '' })),
    });
    if (text === this.lastStatus) return;
    this.lastStatus = text;
    await this.d.writeStatus(this.pod, status);
  }
}
