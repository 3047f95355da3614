// The secrets a pod uses (kube's VisitPodSecretNames): volumes (secret, projected),
// image pull secrets, and environment references of every container.

import type { KubeObject } from '../../api/types.js';

interface EnvSource {
  env?: { valueFrom?: { secretKeyRef?: { name?: string } } }[];
  envFrom?: { secretRef?: { name?: string } }[];
}

interface PodSpec {
  imagePullSecrets?: { name?: string }[];
  volumes?: {
    secret?: { secretName?: string };
    projected?: { sources?: { secret?: { name?: string } }[] };
  }[];
  containers?: EnvSource[];
  initContainers?: EnvSource[];
  ephemeralContainers?: EnvSource[];
}

export function podSecretNames(pod: KubeObject): string[] {
  const spec = (pod['spec'] ?? {}) as PodSpec;
  const out: (string | undefined)[] = [];
  for (const r of spec.imagePullSecrets ?? []) out.push(r.name);
  for (const v of spec.volumes ?? []) {
    out.push(v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) out.push(s.secret?.name);
  }
  for (const c of [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []),
    ...(spec.ephemeralContainers ?? []),
  ]) {
    for (const e of c.env ?? []) out.push(e.valueFrom?.secretKeyRef?.name);
    for (const e of c.envFrom ?? []) out.push(e.secretRef?.name);
  }
  return out.filter((n): n is string => !!n);
}
