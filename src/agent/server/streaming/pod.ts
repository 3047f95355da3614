// What streaming needs from a pod, and the checks the kubelet makes before it streams
// anything: does the container exist, is it running, are there logs.

import type { KubeObject } from '../../../api/types.js';

interface ContainerState {
  waiting?: { reason?: string };
  running?: Record<string, unknown>;
  terminated?: { containerID?: string };
}

export interface ContainerStatusView {
  state: ContainerState;
  lastState: ContainerState;
}

export interface PodView {
  name: string;
  namespace: string;
  uid: string;
  nodeName: string;
  phase: string;
  containers: string[];
  initContainers: string[];
  ephemeralContainers: string[];
  statuses: Map<string, ContainerStatusView>;
}

const names = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.map((c) => String((c as { name?: unknown }).name ?? '')).filter((n) => n !== '')
    : [];

export function podView(obj: KubeObject): PodView {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const status = (obj.status ?? {}) as Record<string, unknown>;
  const statuses = new Map<string, ContainerStatusView>();
  for (const key of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses']) {
    const list = status[key];
    if (!Array.isArray(list)) continue;
    for (const s of list as Record<string, unknown>[]) {
      if (typeof s.name !== 'string') continue;
      statuses.set(s.name, {
        state: (s.state ?? {}) as ContainerState,
        lastState: (s.lastState ?? {}) as ContainerState,
      });
    }
  }
  return {
    name: obj.metadata.name ?? '',
    namespace: obj.metadata.namespace ?? '',
    uid: obj.metadata.uid ?? '',
    nodeName: typeof spec.nodeName === 'string' ? spec.nodeName : '',
    phase: typeof status.phase === 'string' ? status.phase : '',
    containers: names(spec.containers),
    initContainers: names(spec.initContainers),
    ephemeralContainers: names(spec.ephemeralContainers),
    statuses,
  };
}

/** Whether the pod's spec has a container (app, init or ephemeral) of this name. */
export function hasContainer(pod: PodView, name: string): boolean {
  return [...pod.containers, ...pod.initContainers, ...pod.ephemeralContainers].includes(name);
}

/**
 * Whether there is a container instance to read logs from, worded as the kubelet words it.
 * Returns the message of the 400 to send, or undefined.
 */
export function logStatusProblem(
  pod: PodView,
  container: string,
  previous: boolean,
): string | undefined {
  const c = JSON.stringify(container);
  const p = JSON.stringify(pod.name);
  const s = pod.statuses.get(container);
  if (!s) return `container ${c} in pod ${p} is not available`;
  const { state, lastState } = s;
  if (previous) {
    if (!lastState.terminated?.containerID)
      return `previous terminated container ${c} in pod ${p} not found`;
    return undefined;
  }
  if (state.running) return undefined;
  if (state.terminated) {
    if (state.terminated.containerID || lastState.terminated?.containerID) return undefined;
    return `container ${c} in pod ${p} is terminated`;
  }
  if (lastState.terminated) {
    if (lastState.terminated.containerID) return undefined;
    return `container ${c} in pod ${p} is terminated`;
  }
  if (state.waiting) {
    const reason = state.waiting.reason ?? '';
    if (reason === 'ErrImagePull')
      return `container ${c} in pod ${p} is waiting to start: image can't be pulled`;
    if (reason === 'ImagePullBackOff')
      return `container ${c} in pod ${p} is waiting to start: trying and failing to pull image`;
    return `container ${c} in pod ${p} is waiting to start: ${reason}`;
  }
  return `container ${c} in pod ${p} is waiting to start - no logs yet`;
}

/**
 * Whether exec or attach can reach the container, or port-forward the pod (no container):
 * a container reported running can be reached (an init container in a Pending pod too); one
 * reported in another state cannot; without a report the pod must be Running. Returns the
 * kubelet's words, or undefined.
 */
export function runningProblem(pod: PodView, container: string | undefined): string | undefined {
  if (container === undefined) {
    if (pod.phase === 'Running') return undefined;
    return `pod not found (${JSON.stringify(`${pod.name}_${pod.namespace}`)})`;
  }
  const s = pod.statuses.get(container);
  if (s ? s.state.running : pod.phase === 'Running') return undefined;
  return `container not found (${JSON.stringify(container)})`;
}
