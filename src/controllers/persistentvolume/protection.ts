// The protection controllers (kube's pvc-protection and pv-protection): every claim and
// volume carries its protection finalizer; once deleted, a claim keeps it while a scheduled
// pod names the claim, and a volume while it is Bound; then the finalizer is removed and
// the deletion completes.

import type { KubeObject } from '../../api/types.js';
import {
  createWorkQueue,
  isConflict,
  isNotFound,
  keyOf,
  resources,
  splitKey,
  type ResourceRef,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { persistentVolumeClaims, persistentVolumes } from './types.js';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

type Spec = Record<string, unknown>;
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The claims a pod's volumes name (persistentVolumeClaim and generic ephemeral volumes). */
export function claimsOfPod(pod: KubeObject): string[] {
  const spec = (pod['spec'] ?? {}) as Spec;
  const out: string[] = [];
  for (const v of (spec['volumes'] ?? []) as Spec[]) {
    const claim = (v['persistentVolumeClaim'] as Spec | undefined)?.['claimName'];
    if (typeof claim === 'string') out.push(claim);
    if (v['ephemeral']) out.push(`${pod.metadata.name ?? ''}-${String(v['name'])}`);
  }
  return out;
}

/** podUsesPVC: only a scheduled pod holds a claim (the kubelet starts no other). */
const podUsesClaim = (pod: KubeObject, claim: string): boolean =>
  !!((pod['spec'] ?? {}) as Spec)['nodeName'] && claimsOfPod(pod).includes(claim);

/** Adds or removes `finalizer` with an update (a conflict retries with the queue's back-off). */
async function setFinalizer(
  ctx: ControllerContext,
  r: ResourceRef,
  obj: KubeObject,
  finalizer: string,
  present: boolean,
  kind: string,
): Promise<void> {
  const list = obj.metadata.finalizers ?? [];
  if (list.includes(finalizer) === present) return;
  const next = structuredClone(obj);
  next.metadata.finalizers = present ? [...list, finalizer] : list.filter((f) => f !== finalizer);
  try {
    await ctx.client.update(r, { ...next, apiVersion: 'v1', kind });
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
}

export const pvcProtectionController: Controller = {
  name: 'pvc-protection-controller',
  start(ctx) {
    const claims = ctx.informers.for(persistentVolumeClaims);
    const pods = ctx.informers.for(resources.pods);
    const queue = createWorkQueue();
    claims.on({
      add: (c) => queue.add(keyOf(c)),
      update: (_o, c) => queue.add(keyOf(c)),
      delete: () => undefined,
    });
    // A pod that goes (or changes) may free the claims it names.
    const podChanged = (p: KubeObject): void => {
      for (const name of claimsOfPod(p)) queue.add(`${p.metadata.namespace ?? ''}/${name}`);
    };
    pods.on({ add: () => undefined, update: (_o, p) => podChanged(p), delete: podChanged });

    async function inUse(ns: string, name: string): Promise<boolean> {
      if (pods.list(ns).some((p) => podUsesClaim(p, name))) return true;
      // The cache may not show a pod just scheduled: ask the API server before letting go.
      const live = await ctx.client.list(resources.pods, ns);
      return live.items.some((p) => podUsesClaim(p, name));
    }

    async function sync(key: string): Promise<void> {
      const [ns, name] = splitKey(key);
      const c = claims.get(ns, name);
      if (!c) return;
      if (!c.metadata.deletionTimestamp) {
        await setFinalizer(
          ctx,
          persistentVolumeClaims,
          c,
          PVC_PROTECTION_FINALIZER,
          true,
          'PersistentVolumeClaim',
        );
        return;
      }
      if (!(c.metadata.finalizers ?? []).includes(PVC_PROTECTION_FINALIZER)) return;
      if (await inUse(ns, name)) return;
      await setFinalizer(
        ctx,
        persistentVolumeClaims,
        c,
        PVC_PROTECTION_FINALIZER,
        false,
        'PersistentVolumeClaim',
      );
    }

    void (async () => {
      await Promise.all([claims.synced(), pods.synced()]);
      if (ctx.signal.aborted) return;
      await queue.run(1, sync, ctx.signal, (key, err) => {
        if (!isConflict(err)) ctx.logger.info('sync failed', { key, err: errorText(err) });
      });
    })();
  },
};

export const pvProtectionController: Controller = {
  name: 'pv-protection-controller',
  start(ctx) {
    const volumes = ctx.informers.for(persistentVolumes);
    const queue = createWorkQueue();
    volumes.on({
      add: (v) => queue.add(keyOf(v)),
      update: (_o, v) => queue.add(keyOf(v)),
      delete: () => undefined,
    });

    async function sync(name: string): Promise<void> {
      const v = volumes.get('', name);
      if (!v) return;
      if (!v.metadata.deletionTimestamp) {
        await setFinalizer(
          ctx,
          persistentVolumes,
          v,
          PV_PROTECTION_FINALIZER,
          true,
          'PersistentVolume',
        );
        return;
      }
      // isBeingUsed: a Bound volume is in use.
      if (((v['status'] ?? {}) as Spec)['phase'] === 'Bound') return;
      await setFinalizer(
        ctx,
        persistentVolumes,
        v,
        PV_PROTECTION_FINALIZER,
        false,
        'PersistentVolume',
      );
    }

    void (async () => {
      await volumes.synced();
      if (ctx.signal.aborted) return;
      await queue.run(1, sync, ctx.signal, (key, err) => {
        if (!isConflict(err)) ctx.logger.info('sync failed', { key, err: errorText(err) });
      });
    })();
  },
};
