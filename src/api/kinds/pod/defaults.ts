// Pod defaults: the v1 defaulters plus what admission adds on a real cluster.

import type { KubeObject } from '../../types.js';
import { arr, child, defaultPodSpec, obj, objs, str } from '../podspec/index.js';
import type { Obj } from '../podspec/index.js';
import { isJsonObject } from '../../json.js';

/**
 * Stand-ins for the admission plugins every real cluster runs on pod create, so that a
 * pod reads back as it would from kube-apiserver: ServiceAccount (the `default` account)
 * and DefaultTolerationSeconds (300s for not-ready/unreachable). The token volume the
 * ServiceAccount plugin also mounts, and the priority the Priority plugin resolves from
 * the pod's PriorityClass, are the API server's admission hooks' (they read other objects).
 * Applied on create only (from prepareForCreate), as admission is: an update that drops
 * these fields is refused like on a real cluster.
 */
export function admissionDefaults(spec: Obj): void {
  if (!str(spec.serviceAccountName)) spec.serviceAccountName = 'default';
  spec.serviceAccount = spec.serviceAccountName;
  defaultTolerationSeconds(spec);
}

/**
 * Admission on a pod update: DefaultTolerationSeconds adds its tolerations again, and
 * Priority keeps the priority and preemption policy it set at create when the update
 * omits them (so a client that does not know these fields does not change them).
 */
export function admissionOnUpdate(spec: Obj, oldSpec: Obj): void {
  defaultTolerationSeconds(spec);
  if (spec.priority === undefined && oldSpec.priority !== undefined)
    spec.priority = oldSpec.priority;
  if (spec.preemptionPolicy === undefined && oldSpec.preemptionPolicy !== undefined)
    spec.preemptionPolicy = oldSpec.preemptionPolicy;
}

/** DefaultTolerationSeconds: 300 s for not-ready and unreachable nodes, unless tolerated. */
function defaultTolerationSeconds(spec: Obj): void {
  const tolerations = objs(spec.tolerations);
  const tolerates = (key: string): boolean =>
    tolerations.some(
      (t) => (t.key === key || !str(t.key)) && (t.effect === 'NoExecute' || !str(t.effect)),
    );
  const added: Obj[] = [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'])
    if (!tolerates(key))
      added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  if (added.length) spec.tolerations = [...arr(spec.tolerations), ...added];
}

/** The v1 conversion keeps podIP/podIPs and hostIP/hostIPs in step. */
export function syncStatusIPs(status: Obj): void {
  for (const [one, many] of [
    ['podIP', 'podIPs'],
    ['hostIP', 'hostIPs'],
  ] as const) {
    const list = objs(status[many]);
    if (list.length === 0 && str(status[one])) status[many] = [{ ip: status[one] }];
    else if (list.length > 0) status[one] = str(list[0]?.ip);
  }
}

/** SetObjectDefaults_Pod: SetDefaults_Pod, then the PodSpec defaults. */
export function defaultPod(pod: KubeObject): void {
  const spec = child(pod as Obj, 'spec');
  for (const key of ['containers', 'initContainers']) {
    for (const c of objs(spec[key])) {
      // Requests default to limits, on Pods only (not on templates).
      const res = obj(c.resources);
      const limits = obj(res?.limits);
      if (!res || !limits) continue;
      const requests = child(res, 'requests');
      for (const [name, q] of Object.entries(limits)) if (!(name in requests)) requests[name] = q;
    }
  }
  if (typeof spec.enableServiceLinks !== 'boolean') spec.enableServiceLinks = true;
  // The v1 conversion: serviceAccount is the deprecated name of serviceAccountName.
  if (!str(spec.serviceAccountName) && str(spec.serviceAccount))
    spec.serviceAccountName = spec.serviceAccount;
  if (str(spec.serviceAccountName)) spec.serviceAccount = spec.serviceAccountName;
  if (spec.hostNetwork === true) {
    for (const key of ['containers', 'initContainers'])
      for (const c of objs(spec[key]))
        for (const p of objs(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
  }
  defaultPodSpec(spec);
  if (isJsonObject(pod.status)) syncStatusIPs(pod.status);
}
