// A pod's status as the kubelet writes it, computed from what the worker knows of its
// containers: phase, conditions, container statuses and their reasons. Pure: no runtime,
// no clock (the caller passes `now`), so it is tested against tables of inputs.

import type { IContainer, IPod } from 'kubernetes-models/v1';
import type { ImageInfo } from '../../images/index.js';
import { formatRef, parseImageRef } from '../../images/index.js';
import type { ContainerStatus } from '../runtime/index.js';
import { formatTime } from '../../api/time.js';

/** Why a container is not running (CrashLoopBackOff, ErrImagePull, ContainerCreating…). */
export interface Waiting {
  reason: string;
  message?: string;
}

/** A terminated state as the API shows it (startedAt/finishedAt null when unknown). */
export interface TerminatedState {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: string | null;
  finishedAt: string | null;
  containerID?: string;
}

export interface ContainerStateOut {
  waiting?: Waiting;
  running?: { startedAt: string };
  terminated?: TerminatedState;
}

export interface ContainerStatusOut {
  name: string;
  state: ContainerStateOut;
  lastState: { terminated?: TerminatedState };
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
}

export interface PodConditionOut {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export interface PodStatusOut {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  conditions: PodConditionOut[];
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  initContainerStatuses?: ContainerStatusOut[];
  containerStatuses: ContainerStatusOut[];
  qosClass?: string;
}

/** What the worker knows of one container of the pod. */
export interface ContainerView {
  /** The current attempt's container, if one was created. */
  id?: string;
  /** Restarts so far (the attempt number). */
  attempt: number;
  status?: ContainerStatus | undefined;
  /** The image once pulled. */
  image?: ImageInfo | undefined;
  waiting?: Waiting | undefined;
  lastTerminated?: TerminatedState;
  /** The readiness verdict (or true without a readiness probe). */
  ready: boolean;
  started: boolean;
  /** False while a startup probe has not passed. */
  startupPassed: boolean;
}

export interface PodStatusInput {
  pod: Pick<IPod, 'spec' | 'status'>;
  containers: ReadonlyMap<string, ContainerView>;
  /** Why the pod's containers cannot be made yet (sandbox, volumes). */
  podWaiting?: Waiting | undefined;
  /** The sandbox, files and volumes are set up (PodReadyToStartContainers). */
  prepared: boolean;
  /** The containers of a killed pod are gone: this is its last status. */
  final: boolean;
  hostIP: string;
  podIP?: string;
  startTime?: string;
  now: Date;
}

/** A runtime status that has exited, as a terminated state (Completed or Error when unsaid). */
export function terminatedOf(s: ContainerStatus): TerminatedState {
  return {
    exitCode: s.exitCode ?? 0,
    reason: s.reason ?? (s.exitCode ? 'Error' : 'Completed'),
    startedAt: s.startedAt ? formatTime(s.startedAt) : null,
    finishedAt: s.finishedAt ? formatTime(s.finishedAt) : null,
    containerID: `runc://${s.id}`,
  };
}

/** The image as the runtime names it once pulled (`nginx` → docker.io/library/nginx:latest). */
function normalizedImage(image: string): string {
  try {
    return formatRef(parseImageRef(image));
  } catch {
    return image;
  }
}

function containerStatus(c: IContainer, i: PodStatusInput): ContainerStatusOut {
  const r = i.containers.get(c.name);
  const s = r?.status;
  let state: ContainerStateOut;
  if (r?.waiting || !s)
    state = { waiting: { ...(r?.waiting ?? i.podWaiting ?? { reason: 'ContainerCreating' }) } };
  else if (s.state === 'running' || s.state === 'created')
    state = { running: { startedAt: formatTime(s.startedAt ?? s.createdAt) } };
  else state = { terminated: terminatedOf(s) };
  // A killed pod's last status: every container terminated, as the kubelet reports it
  // (one it cannot account for, never started, say, with ContainerStatusUnknown).
  if (i.final)
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
  if (state.waiting && !state.waiting.message) delete state.waiting.message;
  const running = !!state.running;
  const image = c.image ?? '';
  return {
    name: c.name,
    state,
    lastState: r?.lastTerminated ? { terminated: r.lastTerminated } : {},
    ready: running && !!r?.ready,
    restartCount: r?.attempt ?? 0,
    image: r?.image ? normalizedImage(image) : image,
    imageID: r?.image ? (r.image.repoDigests[0] ?? r.image.id) : '',
    ...(r?.id && s ? { containerID: `runc://${r.id}` } : {}),
    started: running && !!r?.started && r.startupPassed,
  };
}

const byName = (a: ContainerStatusOut, b: ContainerStatusOut): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

export function computePodStatus(i: PodStatusInput): PodStatusOut {
  const spec = i.pod.spec;
  const policy = spec?.restartPolicy ?? 'Always';
  const now = formatTime(i.now);
  const init = (spec?.initContainers ?? []).map((c) => containerStatus(c, i));
  const apps = (spec?.containers ?? []).map((c) => containerStatus(c, i));
  const exitCode = (s: ContainerStatusOut): number | undefined => s.state.terminated?.exitCode;
  const initDone = init.every((s) => exitCode(s) === 0);
  const initFailed = policy === 'Never' && init.some((s) => (exitCode(s) ?? 0) !== 0);
  const terminatedAll = apps.every((s) => s.state.terminated);
  const anyRunning = apps.some((s) => s.state.running);
  let phase: PodStatusOut['phase'] = 'Pending';
  if (i.final) phase = [...init, ...apps].some((s) => exitCode(s) !== 0) ? 'Failed' : 'Succeeded';
  else if (initFailed) phase = 'Failed';
  else if (initDone && terminatedAll && policy !== 'Always') {
    const failed = apps.some((s) => exitCode(s) !== 0);
    phase = failed ? (policy === 'Never' ? 'Failed' : 'Running') : 'Succeeded';
  } else if (
    initDone &&
    (anyRunning || apps.some((s) => s.restartCount > 0 || s.lastState.terminated))
  )
    phase = 'Running';
  const allReady = initDone && apps.length > 0 && apps.every((s) => s.ready);
  const old = i.pod.status?.conditions;
  const cond = (type: string, ok: boolean, reason?: string): PodConditionOut => {
    const status = ok ? 'True' : 'False';
    const prev = old?.find((c) => c.type === type);
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime:
        prev && prev.status === status ? (prev.lastTransitionTime as unknown as string) : now,
      ...(reason && !ok ? { reason } : {}),
    };
  };
  const notReadyReason = phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady';
  const conditions = [
    cond('PodReadyToStartContainers', i.prepared),
    cond('Initialized', initDone, 'ContainersNotInitialized'),
    cond('Ready', allReady, notReadyReason),
    cond('ContainersReady', allReady, notReadyReason),
    cond('PodScheduled', true),
  ];
  if (!allReady) {
    const notReady = apps.filter((s) => !s.ready).map((s) => s.name);
    const msg = `containers with unready status: [${notReady.join(' ')}]`;
    conditions[2]!.message = msg;
    conditions[3]!.message = msg;
  }
  const status: PodStatusOut = {
    phase,
    conditions,
    hostIP: i.hostIP,
    hostIPs: [{ ip: i.hostIP }],
    ...(i.podIP ? { podIP: i.podIP, podIPs: [{ ip: i.podIP }] } : {}),
    ...(i.startTime ? { startTime: i.startTime } : {}),
    ...(init.length ? { initContainerStatuses: init } : {}),
    // Sorted by name, as the kubelet does (kubectl's STATUS column depends on it).
    containerStatuses: [...apps].sort(byName),
  };
  const qos = i.pod.status?.qosClass;
  if (qos) status.qosClass = qos;
  return status;
}

/** The status without its transition times: equal keys mean nothing worth writing changed. */
export function statusKey(s: PodStatusOut): string {
  return JSON.stringify({
    ...s,
    conditions: s.conditions.map((c) => ({ ...c, lastTransitionTime: '' })),
  });
}
