// One pod on this node: sandbox, files, volumes, then its containers in order, restarts
// with back-off, probes, status, and graceful termination. The agent's work queue (keyed
// by pod UID) runs sync(), so syncs of one pod never overlap; a sync says when it wants to
// run again ("requeue after") instead of setting timers of its own.

import { join } from 'node:path';
import type { IContainer, IPodSpec } from 'kubernetes-models/v1';
import type { KubeObject } from '../../api/types.js';
import type { DockerConfig } from '../../images/index.js';
import type { ContainerStatus } from '../runtime/index.js';
import { VolumeError, setUpVolumes } from '../volumes/index.js';
import type { SyncResult, WorkerDeps } from './deps.js';
import { cleanUpPod } from './cleanup.js';
import { setUpPodSandbox, type PodVolumes } from './setup.js';
import { containerCommand } from './env.js';
import { startContainerProbes } from './probing.js';
import { AgentError, errorMessage, isAgentError } from '../errors.js';
import { computePodStatus, statusKey, type Waiting } from './status.js';
import { decodePullSecrets, pullContainerImage } from './image-pull.js';
import { runHook, runProbe, type HandlerTarget } from './handlers.js';
import { startAttempt } from './attempt.js';
import { containerConfig, LABEL_ATTEMPT, LABEL_CONTAINER } from './container-config.js';
import { formatTime } from '../../api/time.js';
import {
  adoptAttempt,
  containersToStart,
  crashLoopBackOff,
  newContainerRecord,
  type ContainerRecord,
  type PodContainer,
} from './restarts.js';
import { killPod, type PodTermination } from './termination.js';

export type { Clock, SyncResult, WorkerDeps } from './deps.js';

/**
 * How often configMap, secret, downwardAPI and projected volumes are rewritten from their
 * sources (atomically; the kubelet does it on its periodic sync, about once a minute).
 */
const VOLUME_REFRESH_MS = 10_000;

export class PodWorker {
  pod: KubeObject;
  readonly uid: string;
  private readonly d: WorkerDeps;
  private readonly containers = new Map<string, ContainerRecord>();
  private running = false;
  private netns?: string;
  private podIP?: string;
  private prepared = false;
  private volumes: PodVolumes = new Map();
  private startTime?: string | undefined;
  private lastStatus = '';
  private podWaiting?: Waiting | undefined;
  private volumesRefreshedAt = 0;
  /** The soonest "run again" asked for by the sync in progress. */
  private requeueAfterMs: number | undefined;
  /** The sync in progress (never rejects), awaited by terminate before it tears down. */
  private loop: Promise<void> | undefined;
  /** Set once the pod is being killed: a sync in progress stops at its next step. */
  private cancelled = false;
  private termination: Promise<void> | undefined;
  /** While an image is pulled; pullStarted wakes a termination waiting for the sync. */
  private pulling = false;
  private pullStarted: (() => void) | undefined;
  /** Set once the containers of a pod being deleted are gone: the status is the last one. */
  private final = false;
  private finalizeWanted = false;

  constructor(pod: KubeObject, deps: WorkerDeps) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? '';
    this.d = deps;
    this.startTime = (pod['status'] as { startTime?: string } | undefined)?.startTime;
  }

  private get spec(): IPodSpec {
    return (this.pod['spec'] ?? {}) as IPodSpec;
  }

  private now(): number {
    return this.d.clock.now().getTime();
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
    if (!r && !this.specs().some((c) => c.spec.name === name)) return undefined;
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
      const spec = this.specs().find((c) => c.spec.name === name);
      if (!spec) continue;
      const r = this.record(name, spec.init);
      if (!adoptAttempt(r, s, Number(s.labels[LABEL_ATTEMPT] ?? 0))) continue;
      // Probes run for adopted containers as for started ones (without a readiness probe a
      // running container is ready at once, so a restarted agent does not flap endpoints).
      this.stopProbes(r);
      if (s.state === 'running') this.startProbes(spec.spec, r);
    }
  }

  /** Something changed: the pod wants a sync (or, being deleted, to be killed now). */
  kick(): void {
    if (this.cancelled) return;
    // A pod being deleted is killed now, not after the sync in progress (which may be
    // waiting for an image): the termination cancels that sync.
    if (this.deleting) {
      void this.terminate(true);
      return;
    }
    this.d.enqueue();
  }

  /**
   * One sync, run by the agent's work queue. Never rejects: a failure is logged and the
   * pod waits for its next kick (or the periodic resync).
   */
  async sync(): Promise<SyncResult> {
    if (this.cancelled) return {};
    this.running = true;
    this.requeueAfterMs = undefined;
    this.loop = this.syncSteps().catch((e: unknown) => {
      if (!isAgentError(e, 'SyncCancelled'))
        this.d.logger.warn('pod sync failed', {
          pod: `${this.pod.metadata.namespace}/${this.pod.metadata.name}`,
          err: errorMessage(e),
        });
    });
    await this.loop;
    this.running = false;
    const after = this.cancelled ? undefined : this.requeueAfterMs;
    return after === undefined ? {} : { requeueAfterMs: after };
  }

  /** A step boundary of a sync: a pod being killed stops here, as the kubelet's sync does. */
  private checkpoint(): void {
    if (this.cancelled)
      throw new AgentError('SyncCancelled', 'pod sync cancelled: the pod is being killed');
  }

  /** Asks for another sync after ms (the soonest of the sync's wishes wins). */
  private later(ms: number): void {
    this.requeueAfterMs = Math.min(this.requeueAfterMs ?? Infinity, ms);
  }

  private specs(): PodContainer[] {
    return [
      ...(this.spec.initContainers ?? []).map((s) => ({ spec: s, init: true })),
      ...(this.spec.containers ?? []).map((s) => ({ spec: s, init: false })),
    ];
  }

  private record(name: string, init: boolean): ContainerRecord {
    let r = this.containers.get(name);
    if (!r) {
      r = newContainerRecord(name, init, () => this.now());
      this.containers.set(name, r);
    }
    return r;
  }

  private get deleting(): boolean {
    return !!this.pod.metadata.deletionTimestamp;
  }

  /** Observe the containers and the sandbox, plan which containers to start, act, report. */
  private async syncSteps(): Promise<void> {
    if (this.cancelled) return;
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
    if (this.now() - this.volumesRefreshedAt >= VOLUME_REFRESH_MS) await this.refreshVolumes();
    const plan = containersToStart(
      this.specs(),
      (name) => this.containers.get(name)?.status,
      this.spec.restartPolicy ?? 'Always',
    );
    for (const c of plan) await this.runContainer(c.spec, this.record(c.spec.name, c.init));
    this.checkpoint();
    await this.report();
  }

  /** Sandbox, pod files and volumes; false (with a waiting reason recorded) if not there yet. */
  private async prepare(): Promise<boolean> {
    if (this.prepared) return true;
    try {
      this.volumes = await setUpPodSandbox({
        pod: this.pod,
        uid: this.uid,
        podDir: this.podDir,
        hostNetwork: !!this.spec.hostNetwork,
        hostIPC: !!this.spec.hostIPC,
        network: this.d.network,
        runner: this.d.commandRunner,
        hostIP: this.d.hostIP,
        nodeFiles: this.d.nodeFiles,
        clusterDNS: this.d.clusterDNS,
        clusterDomain: this.d.clusterDomain,
        sources: () => this.d.sources(this.pod),
        networkReady: (netns, ip) => {
          this.netns = netns;
          this.podIP = ip;
        },
        checkpoint: () => this.checkpoint(),
      });
      this.volumesRefreshedAt = this.now();
      this.startTime ??= formatTime(this.d.clock.now());
      this.prepared = true;
      this.podWaiting = undefined;
      return true;
    } catch (e) {
      if (isAgentError(e, 'SyncCancelled')) throw e;
      this.podWaiting = { reason: 'ContainerCreating', message: errorMessage(e) };
      // As the kubelet's volume manager reports a volume it cannot mount yet.
      if (e instanceof VolumeError) this.event('Warning', e.reason, e.message);
      this.d.logger.warn('pod set-up failed', { uid: this.uid, err: this.podWaiting.message });
      this.later(2000);
      return false;
    }
  }

  /** The pod's imagePullSecrets, decoded (kubernetes.io/dockerconfigjson and dockercfg). */
  private async pullSecrets(): Promise<DockerConfig[]> {
    const refs = this.spec.imagePullSecrets ?? [];
    if (!refs.length) return [];
    const src = await this.d.sources(this.pod);
    const ns = this.pod.metadata.namespace ?? 'default';
    return decodePullSecrets(
      refs,
      (name) => src.secret(ns, name) as { data?: Record<string, string> } | undefined,
    );
  }

  /** Rewrites the volumes made from API objects; a source gone keeps the files as they were. */
  private async refreshVolumes(): Promise<void> {
    this.volumesRefreshedAt = this.now();
    try {
      this.volumes = setUpVolumes(this.pod, this.podDir, await this.d.sources(this.pod));
    } catch (e) {
      this.d.logger.debug('volume refresh failed', { uid: this.uid, err: String(e) });
    }
  }

  private target(c: IContainer, r: ContainerRecord): HandlerTarget {
    return {
      runtime: this.d.runtime,
      nodeNetns: this.d.nodeNetns,
      podIP: this.podIP,
      container: c,
      containerId: r.id,
    };
  }

  private async runContainer(c: IContainer, r: ContainerRecord): Promise<void> {
    const m = this.pod.metadata;
    const backOff = crashLoopBackOff(r, this.now(), {
      name: m.name,
      namespace: m.namespace,
      uid: this.uid,
    });
    if (backOff) {
      if (backOff.event) this.event('Warning', 'BackOff', backOff.event);
      this.later(backOff.waitMs + 10);
      return;
    }
    const pulled = await pullContainerImage(
      {
        images: this.d.images,
        event: (type, reason, message) => this.event(type, reason, message),
        pullSecrets: () => this.pullSecrets(),
        checkpoint: () => this.checkpoint(),
        pulling: (on) => {
          this.pulling = on;
          if (on) this.pullStarted?.();
        },
        elapsed: () => performance.now(),
      },
      c,
      r.pull,
      r.waiting,
    );
    if (!('image' in pulled)) {
      if (pulled.waiting) r.waiting = pulled.waiting;
      if (pulled.retryAfterMs !== undefined) this.later(pulled.retryAfterMs);
      return;
    }
    r.image = pulled.image;
    this.checkpoint();
    let argv: string[];
    let env: Map<string, string>;
    try {
      ({ argv, env } = containerCommand(
        c as Parameters<typeof containerCommand>[0],
        r.image.config,
        {
          ...(await this.d.sources(this.pod)),
          pod: this.pod,
          nodeName: this.d.nodeName,
          hostIP: this.d.hostIP,
          ...(this.podIP ? { podIP: this.podIP } : {}),
        },
      ));
    } catch (e) {
      r.waiting = { reason: 'CreateContainerConfigError', message: errorMessage(e) };
      this.later(5000);
      return;
    }
    const image = r.image;
    const started = await startAttempt(
      {
        uid: this.uid,
        runtime: this.d.runtime,
        logger: this.d.logger,
        now: () => this.d.clock.now(),
        config: async (id, attempt) => {
          const config = containerConfig({
            pod: {
              uid: this.uid,
              name: m.name ?? '',
              namespace: m.namespace ?? '',
              spec: this.spec,
            },
            container: c,
            image,
            id,
            attempt,
            argv,
            env,
            volumes: this.volumes,
            podDir: this.podDir,
            netns: this.netns,
            nodeHostname: this.d.nodeFiles.hostname,
            logDir: this.logDir(r.name),
          });
          config.layers = await this.d.images.layerDirs(image);
          return config;
        },
        checkpoint: () => this.checkpoint(),
        event: (type, reason, message) => this.event(type, reason, message),
        gracePeriod: () => this.gracePeriod(),
        runHook: (h, timeoutMs) => runHook(this.target(c, r), h, timeoutMs),
        startProbes: () => this.startProbes(c, r),
        stopProbes: () => this.stopProbes(r),
      },
      c,
      r,
    );
    if (started.retryAfterMs !== undefined) this.later(started.retryAfterMs);
  }

  private startProbes(c: IContainer, r: ContainerRecord): void {
    const p = startContainerProbes({
      container: c,
      run: (spec, timeoutMs) => runProbe(this.target(c, r), spec, timeoutMs),
      unhealthy: (m) => this.event('Warning', 'Unhealthy', m),
      kick: () => this.kick(),
      setReady: (ok) => (r.ready = ok),
      restart: (message) => {
        if (!r.id) return;
        this.d.logger.info('liveness probe failed; restarting', { id: r.id, message });
        this.event(
          'Normal',
          'Killing',
          `Container ${r.name} failed liveness probe, will be restarted`,
        );
        void this.d.runtime
          .stop(r.id, this.gracePeriod())
          .catch(() => undefined)
          .then(() => this.kick());
      },
    });
    r.probes.push(...p.probes);
    r.startupProbe = p.startupProbe;
    r.ready = p.readyNow;
  }

  private stopProbes(r: ContainerRecord): void {
    for (const p of r.probes) p.stop();
    r.probes = [];
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.d.event?.(this.pod, type, reason, message);
  }

  private gracePeriod(): number {
    const m = this.pod.metadata;
    return Number(m.deletionGracePeriodSeconds ?? this.spec.terminationGracePeriodSeconds ?? 30);
  }

  /**
   * Kills the pod (`termination.ts`): the sync in progress is cancelled at its next step (and
   * awaited), then every container is stopped and removed, the rest cleaned up and, when the
   * API asked for it, the object deleted. Never rejects: what cannot be cleaned up now is
   * retried with back-off until it can. Repeated calls share the first one's work.
   */
  terminate(finalize: boolean, maxGraceSeconds = Infinity): Promise<void> {
    if (finalize) this.finalizeWanted = true;
    this.termination ??= this.kill(maxGraceSeconds).catch((e: unknown) => {
      this.d.logger.error('pod termination failed', { uid: this.uid, err: String(e) });
    });
    return this.termination;
  }

  private async kill(maxGraceSeconds: number): Promise<void> {
    this.cancelled = true;
    for (const r of this.containers.values()) this.stopProbes(r);
    // The sync in progress stops at its next step; what it made is known once it has (or
    // once it waits for an image, after which it makes nothing more).
    if (this.running && !this.pulling)
      await new Promise<void>((resolve) => {
        this.pullStarted = resolve;
        void this.loop?.then(resolve);
      });
    this.pullStarted = undefined;
    await killPod(this.terminationSteps(), Math.min(this.gracePeriod(), maxGraceSeconds));
  }

  private terminationSteps(): PodTermination {
    return {
      uid: this.uid,
      runtime: this.d.runtime,
      logger: this.d.logger,
      now: () => this.now(),
      containers: () => [...this.containers.values()],
      containerSpec: (name) => this.specs().find((x) => x.spec.name === name)?.spec ?? { name },
      target: (c, r) => this.target(c, r),
      event: (type, reason, message) => this.event(type, reason, message),
      cleanUp: () =>
        cleanUpPod({
          podDir: this.podDir,
          uid: this.uid,
          network: this.d.network,
          hostNetwork: !!this.spec.hostNetwork,
          runner: this.d.commandRunner,
        }),
      deleteObject: () => this.finalizeWanted,
      reportFinal: () => {
        this.final = true;
        return this.report();
      },
      finalize: () => this.d.finalize(this.pod),
    };
  }

  /** Pod status as the kubelet writes it, sent only when it changed. */
  private async report(): Promise<void> {
    const views = new Map(
      [...this.containers].map(([name, r]) => [
        name,
        { ...r, startupPassed: !r.startupProbe || r.startupProbe.result },
      ]),
    );
    const status = computePodStatus({
      pod: this.pod as Parameters<typeof computePodStatus>[0]['pod'],
      containers: views,
      ...(this.podWaiting ? { podWaiting: this.podWaiting } : {}),
      prepared: this.prepared,
      final: this.final,
      hostIP: this.d.hostIP,
      ...(this.podIP ? { podIP: this.podIP } : {}),
      ...(this.startTime ? { startTime: this.startTime } : {}),
      now: this.d.clock.now(),
    });
    const text = statusKey(status);
    if (text === this.lastStatus) return;
    this.lastStatus = text;
    await this.d.writeStatus(this.pod, status);
  }
}
