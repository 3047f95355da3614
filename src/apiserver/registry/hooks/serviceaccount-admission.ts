// The ServiceAccount admission step for pods: the pod must name an existing service
// account, and unless automounting is off it gets the `kube-api-access-<random>`
// projected volume (token, ca.crt, namespace) mounted at the well-known path in every
// container, as kube-apiserver's ServiceAccount admission plugin adds it.

import type { KubeObject, ResourceDef } from '../../../api/types.js';
import { forbidden } from '../../../api/errors.js';
import type { HookContext } from '../types.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const CHARS = 'bcdfghjklmnpqrstvwxz2456789';

type Spec = Record<string, any>;

export async function admitServiceAccount(
  pod: KubeObject,
  ctx: HookContext,
  serviceAccounts: ResourceDef,
): Promise<void> {
  const spec = (pod['spec'] ??= {}) as Spec;
  const ns = pod.metadata.namespace ?? 'default';
  // Mirror pods (static pods) are left alone, as the real plugin does.
  if (pod.metadata.annotations?.['kubernetes.io/config.mirror']) return;
  const saName = (spec['serviceAccountName'] as string | undefined) || 'default';
  spec['serviceAccountName'] = saName;
  spec['serviceAccount'] = saName;
  const sa = await ctx.registry.tryGet(serviceAccounts, ns, saName);
  // A named account must exist. The `default` one is made by a controller right after the
  // namespace; unlike kube-apiserver we do not refuse pods created in that instant.
  if (!sa && saName !== 'default')
    throw forbidden(
      { group: '', resource: 'pods' },
      pod.metadata.name,
      `error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`,
    );
  const automount =
    spec['automountServiceAccountToken'] ??
    (sa?.['automountServiceAccountToken'] as boolean | undefined) ??
    true;
  if (!automount) return;
  const containers = [
    ...((spec['initContainers'] ?? []) as Spec[]),
    ...((spec['containers'] ?? []) as Spec[]),
  ];
  // A container that already mounts something at the path keeps its own.
  if (
    containers.every((c) =>
      ((c['volumeMounts'] ?? []) as Spec[]).some(
        (m) => m['mountPath'] === SERVICE_ACCOUNT_MOUNT_PATH,
      ),
    )
  )
    return;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += CHARS[Math.floor(Math.random() * CHARS.length)];
  const name = `kube-api-access-${suffix}`;
  const volumes = (spec['volumes'] ??= []) as Spec[];
  volumes.push({
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [
              {
                path: 'namespace',
                fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
              },
            ],
          },
        },
      ],
    },
  });
  for (const c of containers) {
    const mounts = (c['volumeMounts'] ??= []) as Spec[];
    if (mounts.some((m) => m['mountPath'] === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
    mounts.push({ name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
  }
}
