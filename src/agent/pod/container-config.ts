// A container of the pod as the runtime creates it: its process, user, mounts, resources,
// the pod's namespaces and files, and the labels that let a new agent re-adopt it.

import { join } from 'node:path';
import type { IContainer, IPodSpec } from 'kubernetes-models/v1';
import type { ImageInfo } from '../../images/index.js';
import type { BindMount, ContainerConfig } from '../runtime/index.js';
import { podIpcPath, podShmPath } from '../sandbox/ipc.js';
import { ZERO, integerValue, milliValue, parseQuantity } from '../../api/quantity.js';

export const LABEL_POD_UID = 'skiff.pod.uid';
export const LABEL_POD_NAME = 'skiff.pod.name';
export const LABEL_POD_NAMESPACE = 'skiff.pod.namespace';
export const LABEL_CONTAINER = 'skiff.container.name';
export const LABEL_ATTEMPT = 'skiff.container.attempt';

export interface ContainerConfigInput {
  pod: { uid: string; name: string; namespace: string; spec: IPodSpec };
  container: IContainer;
  image: ImageInfo;
  id: string;
  attempt: number;
  argv: string[];
  env: ReadonlyMap<string, string>;
  volumes: ReadonlyMap<string, { hostPath: string; readOnly: boolean }>;
  podDir: string;
  /** The pod's network namespace (unused with hostNetwork). */
  netns: string | undefined;
  nodeHostname: string;
  logDir: string;
}

const numeric = (s: string | undefined): number | undefined =>
  /^\d+$/.test(s ?? '') ? Number(s) : undefined;

export function containerConfig(i: ContainerConfigInput): ContainerConfig {
  const c = i.container;
  const spec = i.pod.spec;
  const sc = c.securityContext ?? {};
  const psc = spec.securityContext ?? {};
  const [imgUser, imgGroup] = String(i.image.config.User ?? '').split(':');
  const uid = sc.runAsUser ?? psc.runAsUser ?? numeric(imgUser) ?? 0;
  const gid = sc.runAsGroup ?? psc.runAsGroup ?? numeric(imgGroup) ?? 0;
  const mounts: BindMount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const v = i.volumes.get(vm.name);
    if (!v) continue;
    mounts.push({
      containerPath: vm.mountPath,
      hostPath: vm.subPath ? join(v.hostPath, vm.subPath) : v.hostPath,
      readOnly: !!vm.readOnly || v.readOnly,
    });
  }
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const resources: Record<string, number> = {};
  const cpuRequest = requests['cpu'] ?? limits['cpu'];
  // Rounded up, as the kubelet's Quantity.MilliValue() and Value() round.
  const millis = (v: unknown): number => Number(milliValue(parseQuantity(v) ?? ZERO));
  if (cpuRequest) resources['cpuRequestMillis'] = millis(cpuRequest);
  if (limits['cpu']) resources['cpuLimitMillis'] = millis(limits['cpu']);
  if (limits['memory'])
    resources['memoryLimitBytes'] = Number(integerValue(parseQuantity(limits['memory']) ?? ZERO));
  return {
    id: i.id,
    layers: [],
    process: {
      args: i.argv,
      env: [...i.env].map(([k, v]) => `${k}=${v}`),
      cwd: c.workingDir || i.image.config.WorkingDir || '/',
      uid,
      gid,
      ...(c.tty ? { terminal: true } : {}),
      ...(c.stdin ? { stdin: true, stdinOnce: !!c.stdinOnce } : {}),
    },
    ...(sc.privileged ? { privileged: true } : {}),
    ...(sc.capabilities ? { capabilities: sc.capabilities } : {}),
    ...(sc.readOnlyRootFilesystem ? { readOnlyRootfs: true } : {}),
    hostname: spec.hostNetwork ? i.nodeHostname : (spec.hostname ?? i.pod.name),
    namespaces: {
      network: spec.hostNetwork ? 'host' : i.netns!,
      ipc: spec.hostIPC ? 'host' : podIpcPath(i.podDir),
    },
    // One /dev/shm for the whole pod, as the pause container's is shared.
    shmPath: spec.hostIPC ? '/dev/shm' : podShmPath(i.podDir),
    etcHosts: join(i.podDir, 'etc-hosts'),
    etcHostname: join(i.podDir, 'hostname'),
    resolvConf: join(i.podDir, 'resolv.conf'),
    mounts,
    resources,
    labels: {
      [LABEL_POD_UID]: i.pod.uid,
      [LABEL_POD_NAME]: i.pod.name,
      [LABEL_POD_NAMESPACE]: i.pod.namespace,
      [LABEL_CONTAINER]: c.name,
      [LABEL_ATTEMPT]: String(i.attempt),
    },
    log: { dir: i.logDir, attempt: i.attempt },
  };
}
