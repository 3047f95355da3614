// Which pods back which services, and how a pod turns into an endpoint: the helpers both
// kube-controller-manager's endpoints and EndpointSlice controllers share
// (k8s.io/endpointslice/util and pkg/api/v1/pod).

import type { Informer } from '../../client/index.js';
import type { Pod, Service, ServicePort } from './types.js';

/** A nil or empty selector selects nothing (the service's endpoints are managed by hand). */
export function hasSelector(svc: Service): boolean {
  return Object.keys(svc.spec?.selector ?? {}).length > 0;
}

export function selects(svc: Service, labels: Record<string, string> | undefined): boolean {
  const sel = svc.spec?.selector ?? {};
  const keys = Object.keys(sel);
  if (keys.length === 0) return false;
  const l = labels ?? {};
  return keys.every((k) => Object.prototype.hasOwnProperty.call(l, k) && l[k] === sel[k]);
}

export const isHeadless = (svc: Service): boolean => {
  const ip = svc.spec?.clusterIP ?? '';
  return ip === '' || ip === 'None';
};

export function readyCondition(
  pod: Pod,
): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export const isPodReady = (pod: Pod): boolean => readyCondition(pod)?.status === 'True';

const isTerminal = (pod: Pod): boolean =>
  pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** The pod's IPs in the order the node agent reported them. */
export function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip) => !!ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

/**
 * ShouldPodBeInEndpoints: running (not terminal) pods with an IP; pods being deleted only
 * when the caller includes terminating pods.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isTerminal(pod)) return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** A pod gets a DNS hostname in a headless service named by its subdomain. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return (
    !!pod.spec?.hostname &&
    pod.spec.subdomain === svc.metadata.name &&
    pod.metadata.namespace === svc.metadata.namespace
  );
}

/**
 * FindPort: a numeric targetPort is used as is; a named one is looked up among the pod's
 * container ports (and sidecar init containers') with the service port's protocol.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  const protocol = sp.protocol || 'TCP';
  const match = (ports: { name?: string; containerPort: number; protocol?: string }[] = []) =>
    ports.find((p) => p.name === target && (p.protocol || 'TCP') === protocol)?.containerPort;
  for (const c of pod.spec?.containers ?? []) {
    const n = match(c.ports);
    if (n !== undefined) return n;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    const n = match(c.ports);
    if (n !== undefined) return n;
  }
  return undefined;
}

const sameLabels = (a: Record<string, string> = {}, b: Record<string, string> = {}): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
};

/** podEndpointsChanged: [pod changed in a way endpoints show, service membership may have changed]. */
function podEndpointsChanged(old: Pod, cur: Pod): [boolean, boolean] {
  const labelsChanged =
    !sameLabels(old.metadata.labels, cur.metadata.labels) ||
    old.spec?.hostname !== cur.spec?.hostname ||
    old.spec?.subdomain !== cur.spec?.subdomain;
  if (old.metadata.deletionTimestamp !== cur.metadata.deletionTimestamp)
    return [true, labelsChanged];
  if (isPodReady(old) !== isPodReady(cur)) return [true, labelsChanged];
  const a = podIPs(old);
  const b = podIPs(cur);
  if (a.length !== b.length || a.some((ip, i) => ip !== b[i])) return [true, labelsChanged];
  return [false, labelsChanged];
}

function serviceKeysFor(
  services: Informer<Service>,
  namespace: string,
  labels: Record<string, string> | undefined,
): Set<string> {
  const out = new Set<string>();
  for (const svc of services.list(namespace))
    if (selects(svc, labels)) out.add(`${namespace}/${svc.metadata.name}`);
  return out;
}

/** The services a new or deleted pod belongs to. */
export function servicesForPod(services: Informer<Service>, pod: Pod): Set<string> {
  return serviceKeysFor(services, pod.metadata.namespace ?? '', pod.metadata.labels);
}

/**
 * The services to resync after a pod update: none when nothing endpoints show changed;
 * with a label change, the services the pod joined or left (or all of them, when the pod
 * itself changed too).
 */
export function servicesForPodUpdate(services: Informer<Service>, old: Pod, cur: Pod): Set<string> {
  if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return new Set();
  const [podChanged, labelsChanged] = podEndpointsChanged(old, cur);
  if (!podChanged && !labelsChanged) return new Set();
  const ns = cur.metadata.namespace ?? '';
  const now = serviceKeysFor(services, ns, cur.metadata.labels);
  if (!labelsChanged) return now;
  const before = serviceKeysFor(services, ns, old.metadata.labels);
  if (podChanged) return new Set([...now, ...before]);
  const out = new Set<string>();
  for (const k of now) if (!before.has(k)) out.add(k);
  for (const k of before) if (!now.has(k)) out.add(k);
  return out;
}
