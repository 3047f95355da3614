// What the API server reads from a pod before it forwards anything to the pod's node, and the
// container choice kube-apiserver makes (its words, its order). Whether the container runs,
// or has logs, is the kubelet's business.

import { badRequest } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';

export interface PodView {
  name: string;
  namespace: string;
  nodeName: string;
  /** status.podIPs[0], else status.podIP; '' when the pod has none. */
  ip: string;
  /** Every IP the pod reports (status.podIPs, else status.podIP). */
  ips: string[];
  containers: string[];
  initContainers: string[];
  ephemeralContainers: string[];
  /** The first port declared by any container (pods/proxy's default port). */
  firstContainerPort: number | undefined;
}

const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? (v as Record<string, unknown>[]) : [];

const names = (v: unknown): string[] =>
  list(v)
    .map((c) => String(c.name ?? ''))
    .filter((n) => n !== '');

export function podView(obj: KubeObject): PodView {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const status = (obj.status ?? {}) as Record<string, unknown>;
  const ips = list(status.podIPs)
    .map((p) => (typeof p.ip === 'string' ? p.ip : ''))
    .filter(Boolean);
  if (!ips.length && typeof status.podIP === 'string' && status.podIP) ips.push(status.podIP);
  let firstContainerPort: number | undefined;
  for (const c of list(spec.containers)) {
    const ports = list(c.ports);
    if (ports.length) {
      firstContainerPort = Number(ports[0]?.containerPort);
      break;
    }
  }
  return {
    name: obj.metadata.name ?? '',
    namespace: obj.metadata.namespace ?? '',
    nodeName: typeof spec.nodeName === 'string' ? spec.nodeName : '',
    ip: ips[0] ?? '',
    ips,
    containers: names(spec.containers),
    initContainers: names(spec.initContainers),
    ephemeralContainers: names(spec.ephemeralContainers),
    firstContainerPort,
  };
}

/**
 * The container a request means: the one named, which must exist in the pod, or the only
 * app container. `ephemeral` adds ephemeral containers to the choices listed (logs do).
 */
export function chooseContainer(pod: PodView, requested: string, ephemeral = false): string {
  if (requested) {
    const all = [...pod.containers, ...pod.initContainers, ...pod.ephemeralContainers];
    if (!all.includes(requested))
      throw badRequest(`container ${requested} is not valid for pod ${pod.name}`);
    return requested;
  }
  if (pod.containers.length === 1) return pod.containers[0] ?? '';
  if (pod.containers.length === 0)
    throw badRequest(`a container name must be specified for pod ${pod.name}`);
  let msg = `a container name must be specified for pod ${pod.name}, choose one of: [${pod.containers.join(' ')}]`;
  if (pod.initContainers.length)
    msg += ` or one of the init containers: [${pod.initContainers.join(' ')}]`;
  if (ephemeral && pod.ephemeralContainers.length)
    msg += ` or one of the ephemeral containers: [${pod.ephemeralContainers.join(' ')}]`;
  throw badRequest(msg);
}
