// Admission of PersistentVolumes and claims, as kube-apiserver's plugins do on create:
// StorageObjectInUseProtection adds the `kubernetes.io/pv-protection` and
// `kubernetes.io/pvc-protection` finalizers (the protection controllers remove them once
// nothing uses the object), and DefaultStorageClass gives a claim that names no class
// (storageClassName absent, no beta annotation) the default StorageClass: the one annotated
// `storageclass.kubernetes.io/is-default-class: "true"`, the newest when several are.
// Claims then pass the LimitRanger step (limitranger.ts), on create and on update.

import type { KubeObject, ResourceDef } from '../../../api/types.js';
import { BETA_STORAGE_CLASS_ANNOTATION, defaultStorageClass } from '../../../api/kinds/index.js';
import { resourcePrefix } from '../keys.js';
import type { HookContext, ResourceHooks } from '../types.js';
import { admitClaimLimits } from './limitranger.js';

export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';

function addFinalizer(obj: KubeObject, finalizer: string): void {
  const list = obj.metadata.finalizers ?? [];
  if (!list.includes(finalizer)) obj.metadata.finalizers = [...list, finalizer];
}

async function admitClaim(
  claim: KubeObject,
  ctx: HookContext,
  classes: ResourceDef,
): Promise<void> {
  addFinalizer(claim, PVC_PROTECTION_FINALIZER);
  const spec = (claim['spec'] ??= {}) as Record<string, unknown>;
  if (spec['storageClassName'] !== undefined && spec['storageClassName'] !== null) return;
  if (claim.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] !== undefined) return;
  const stored = await ctx.registry.store.list(resourcePrefix(classes));
  const found = defaultStorageClass(stored.items.map((kv) => JSON.parse(kv.value) as KubeObject));
  if (found?.metadata.name) spec['storageClassName'] = found.metadata.name;
}

export const claimHooks = (classes: ResourceDef, limitRanges: ResourceDef): ResourceHooks => ({
  beforeCreate: async (claim, ctx) => {
    await admitClaim(claim, ctx, classes);
    await admitClaimLimits(claim, undefined, ctx, limitRanges);
  },
  beforeUpdate: (claim, old, ctx) => admitClaimLimits(claim, old, ctx, limitRanges),
});

export const volumeHooks: ResourceHooks = {
  beforeCreate: (pv) => addFinalizer(pv, PV_PROTECTION_FINALIZER),
};
