// The PersistentVolume controller (kube-controller-manager's persistent-volume-binder):
// claim and volume events → keys in one queue → idempotent syncs that bind claims to
// matching volumes (claimRef, volumeName, the bind-completed and bound-by-controller
// annotations, both phases), provision volumes for claims of a class whose provisioner
// is built in, mark claims Lost and volumes Released, and reclaim released volumes (Retain
// keeps them; Delete removes the volume, and the directory of a provisioned one).

import type { KubeObject } from '../../api/types.js';
import {
  BETA_STORAGE_CLASS_ANNOTATION,
  LOCAL_PATH_PROVISIONER,
  claimClass,
  defaultStorageClass,
} from '../../api/kinds/index.js';
import {
  createWorkQueue,
  isAlreadyExists,
  isNotFound,
  keyOf,
  resources,
  splitKey,
  type EventRecorder,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import {
  deleteLocalPath,
  provisionLocalPath,
  volumeNameFor,
  type LocalPathOptions,
} from './local-path.js';
import { findBestMatch, isVolumeBoundToClaim, volumeFitsNode, volumeMismatch } from './matching.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  persistentVolumeClaims,
  persistentVolumes,
  storageClasses,
  type Claim,
  type StorageClass,
  type Volume,
} from './types.js';

export const BINDER_NAME = 'persistent-volume-binder';
const COMPONENT = 'persistentvolume-controller';
/** kube's --pvclaimbinder-sync-period. */
const RESYNC_MS = 15_000;

export interface BinderOptions {
  /** The built-in local-path provisioner, when this process runs a node to put volumes on. */
  localPath?: LocalPathOptions;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const revision = (o: KubeObject | undefined): bigint => {
  const rv = o?.metadata.resourceVersion;
  return rv && /^\d+$/.test(rv) ? BigInt(rv) : -1n;
};
const withAnnotation = (o: KubeObject, key: string, value: string): void => {
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [key]: value };
};

export function persistentVolumeBinder(o: BinderOptions = {}): Controller {
  return { name: BINDER_NAME, start: (ctx) => start(ctx, o) };
}

function start(ctx: ControllerContext, o: BinderOptions): void {
  const claims = ctx.informers.for<Claim>(persistentVolumeClaims);
  const volumes = ctx.informers.for<Volume>(persistentVolumes);
  const classes = ctx.informers.for<StorageClass>(storageClasses);
  const nodes = ctx.informers.for(resources.nodes);
  const recorder: EventRecorder = ctx.recorder(COMPONENT);
  const queue = createWorkQueue({ maxDelayMs: 10_000 });
  // What this controller last wrote, until the informers show it (kube's assume cache): a
  // sync never acts on a cache older than its own writes.
  const writtenVolumes = new Map<string, Volume>();
  const writtenClaims = new Map<string, Claim>();
  const newer = <T extends KubeObject>(cached: T | undefined, written: T | undefined) =>
    written && revision(written) > revision(cached) ? written : cached;
  const volume = (name: string): Volume | undefined =>
    newer(volumes.get('', name), writtenVolumes.get(name));
  const claim = (ns: string, name: string): Claim | undefined =>
    newer(claims.get(ns, name), writtenClaims.get(`${ns}/${name}`));
  const allVolumes = (): Volume[] => {
    const byName = new Map(volumes.list().map((v) => [v.metadata.name ?? '', v]));
    for (const [name, v] of writtenVolumes) {
      const cached = byName.get(name);
      if (cached && revision(v) > revision(cached)) byName.set(name, v);
    }
    return [...byName.values()];
  };

  const claimKey = (c: KubeObject): string => `claim:${keyOf(c)}`;
  const volumeKey = (v: KubeObject): string => `volume:${v.metadata.name ?? ''}`;
  const enqueueAll = (): void => {
    for (const c of claims.list()) queue.add(claimKey(c));
    for (const v of volumes.list()) queue.add(volumeKey(v));
  };
  claims.on({
    add: (c) => queue.add(claimKey(c)),
    update: (_old, c) => queue.add(claimKey(c)),
    delete: (c) => {
      writtenClaims.delete(keyOf(c));
      // Its volume is released.
      for (const v of volumes.list()) if (isVolumeBoundToClaim(v, c)) queue.add(volumeKey(v));
      if (c.spec?.volumeName) queue.add(`volume:${c.spec.volumeName}`);
    },
  });
  volumes.on({
    add: (v) => queue.add(volumeKey(v)),
    update: (_old, v) => queue.add(volumeKey(v)),
    delete: (v) => {
      writtenVolumes.delete(v.metadata.name ?? '');
      const ref = v.spec?.claimRef;
      if (ref?.name) queue.add(`claim:${ref.namespace ?? ''}/${ref.name}`);
    },
  });
  // A new class may let pending claims be provisioned.
  classes.on({ add: () => enqueueAll(), update: () => enqueueAll(), delete: () => undefined });

  // ---- writes (each remembered until the informer catches up) ----

  async function writeVolume(v: Volume, status = false): Promise<Volume> {
    const out = await ctx.client.update<Volume>(
      persistentVolumes,
      { ...v, apiVersion: 'v1', kind: 'PersistentVolume' },
      status ? 'status' : undefined,
    );
    writtenVolumes.set(out.metadata.name ?? '', out);
    return out;
  }

  async function writeClaim(c: Claim, status = false): Promise<Claim> {
    const out = await ctx.client.update<Claim>(
      persistentVolumeClaims,
      { ...c, apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
      status ? 'status' : undefined,
    );
    writtenClaims.set(keyOf(out), out);
    return out;
  }

  async function setVolumePhase(v: Volume, phase: string, message?: string): Promise<Volume> {
    const status = v.status ?? {};
    if (status.phase === phase && (message === undefined || status.message === message)) return v;
    const next: Volume = structuredClone(v);
    next.status = { ...status, phase };
    delete next.status.reason;
    if (message === undefined) delete next.status.message;
    else next.status.message = message;
    return writeVolume(next, true);
  }

  async function setClaimPhase(c: Claim, phase: string, bound?: Volume): Promise<Claim> {
    const next: Claim = structuredClone(c);
    const status = { ...(c.status ?? {}), phase };
    if (bound) {
      status.accessModes = bound.spec?.accessModes ?? [];
      status.capacity = { ...(bound.spec?.capacity ?? {}) };
    } else if (phase === 'Pending') {
      delete status.accessModes;
      delete status.capacity;
    }
    if (JSON.stringify(status) === JSON.stringify(c.status ?? {})) return c;
    next.status = status;
    return writeClaim(next, true);
  }

  /** bind(): the volume points at the claim, is Bound; the claim names it and is Bound. */
  async function bind(v: Volume, c: Claim): Promise<void> {
    let pv = v;
    const ref = pv.spec?.claimRef;
    if (
      !ref ||
      ref.uid !== c.metadata.uid ||
      ref.name !== c.metadata.name ||
      ref.namespace !== c.metadata.namespace
    ) {
      const next: Volume = structuredClone(pv);
      next.spec = {
        ...(next.spec ?? {}),
        claimRef: {
          kind: 'PersistentVolumeClaim',
          namespace: c.metadata.namespace ?? '',
          name: c.metadata.name ?? '',
          uid: c.metadata.uid ?? '',
          apiVersion: 'v1',
          resourceVersion: c.metadata.resourceVersion ?? '',
        },
      };
      if (!ref) withAnnotation(next, ANN_BOUND_BY_CONTROLLER, 'yes');
      pv = await writeVolume(next);
    }
    pv = await setVolumePhase(pv, 'Bound');
    let pvc = c;
    if (
      pvc.spec?.volumeName !== pv.metadata.name ||
      pvc.metadata.annotations?.[ANN_BIND_COMPLETED] !== 'yes'
    ) {
      const next: Claim = structuredClone(pvc);
      if (next.spec?.volumeName !== pv.metadata.name) {
        next.spec = { ...(next.spec ?? {}), volumeName: pv.metadata.name ?? '' };
        withAnnotation(next, ANN_BOUND_BY_CONTROLLER, 'yes');
      }
      withAnnotation(next, ANN_BIND_COMPLETED, 'yes');
      pvc = await writeClaim(next);
    }
    await setClaimPhase(pvc, 'Bound', pv);
  }

  // ---- claims ----

  async function syncClaim(ns: string, name: string): Promise<void> {
    const c = claim(ns, name);
    if (!c) return;
    if (c.metadata.annotations?.[ANN_BIND_COMPLETED]) return syncBoundClaim(c);
    return syncUnboundClaim(c);
  }

  async function syncUnboundClaim(c: Claim): Promise<void> {
    const volumeName = c.spec?.volumeName ?? '';
    if (!volumeName) {
      // A claim of a WaitForFirstConsumer class binds only for the node its pod goes to
      // (the scheduler names it), to a volume usable there; before, only to one pre-bound.
      const delayed = classes.get('', claimClass(c))?.volumeBindingMode === 'WaitForFirstConsumer';
      const selected = c.metadata.annotations?.[ANN_SELECTED_NODE];
      const node = selected ? nodes.get('', selected) : undefined;
      const candidates = allVolumes().filter((v) =>
        !delayed || isVolumeBoundToClaim(v, c) ? true : node ? volumeFitsNode(v, node) : false,
      );
      const found = findBestMatch(candidates, c);
      if (found) return bind(found, c);
      if (await assignDefaultClass(c)) return;
      await setClaimPhase(c, 'Pending');
      return provisionOrWait(c);
    }
    // Pre-bound to a volume by the user.
    const v = volume(volumeName);
    if (!v) {
      await setClaimPhase(c, 'Pending');
      return;
    }
    const ref = v.spec?.claimRef;
    if (!ref) {
      const why = volumeMismatch(v, c);
      if (why) {
        recorder.event(
          c,
          'Warning',
          'VolumeMismatch',
          `Cannot bind to requested volume "${volumeName}": ${why}`,
        );
        await setClaimPhase(c, 'Pending');
        return;
      }
      return bind(v, c);
    }
    if (isVolumeBoundToClaim(v, c)) return bind(v, c);
    if (c.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] !== 'yes')
      recorder.event(
        c,
        'Warning',
        'FailedBinding',
        `volume "${volumeName}" already bound to a different claim.`,
      );
    await setClaimPhase(c, 'Pending');
  }

  async function syncBoundClaim(c: Claim): Promise<void> {
    const volumeName = c.spec?.volumeName ?? '';
    if (!volumeName) {
      if (c.status?.phase !== 'Lost')
        recorder.event(
          c,
          'Warning',
          'ClaimLost',
          'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!',
        );
      await setClaimPhase(c, 'Lost');
      return;
    }
    const v = volume(volumeName);
    if (!v) {
      if (c.status?.phase !== 'Lost')
        recorder.event(
          c,
          'Warning',
          'ClaimLost',
          'Bound claim has lost its PersistentVolume. Data on the volume is lost!',
        );
      await setClaimPhase(c, 'Lost');
      return;
    }
    const ref = v.spec?.claimRef;
    if (!ref || ref.uid === c.metadata.uid) return bind(v, c);
    if (c.status?.phase !== 'Lost')
      recorder.event(
        c,
        'Warning',
        'ClaimMisbound',
        'Two claims are bound to the same volume, this one is bound incorrectly',
      );
    await setClaimPhase(c, 'Lost');
  }

  /**
   * assignDefaultStorageClass (retroactive default class): a claim that names no class, made
   * before any class was default, gets the default class once there is one.
   */
  async function assignDefaultClass(c: Claim): Promise<boolean> {
    const cls = c.spec?.storageClassName;
    if (
      (cls !== undefined && cls !== null) ||
      c.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] !== undefined
    )
      return false;
    const found = defaultStorageClass(classes.list());
    if (!found?.metadata.name) return false;
    const next: Claim = structuredClone(c);
    next.spec = { ...(next.spec ?? {}), storageClassName: found.metadata.name };
    await writeClaim(next);
    return true;
  }

  /** provisionClaim: a class with a built-in provisioner gets a volume made; others wait. */
  async function provisionOrWait(c: Claim): Promise<void> {
    const className = claimClass(c);
    if (!className) {
      recorder.event(
        c,
        'Normal',
        'FailedBinding',
        'no persistent volumes available for this claim and no storage class is set',
      );
      return;
    }
    const cls = classes.get('', className);
    if (!cls) {
      recorder.event(
        c,
        'Warning',
        'ProvisioningFailed',
        `storageclass.storage.k8s.io "${className}" not found`,
      );
      return;
    }
    const selected = c.metadata.annotations?.[ANN_SELECTED_NODE];
    if (cls.volumeBindingMode === 'WaitForFirstConsumer' && !selected) {
      recorder.event(
        c,
        'Normal',
        'WaitForFirstConsumer',
        'waiting for first consumer to be created before binding',
      );
      return;
    }
    const provisioner = cls.provisioner ?? '';
    if (provisioner !== LOCAL_PATH_PROVISIONER || !o.localPath) {
      recorder.event(
        c,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
      return;
    }
    if (volume(volumeNameFor(c))) return;
    if (selected && selected !== o.localPath.nodeName) {
      recorder.event(
        c,
        'Warning',
        'ProvisioningFailed',
        `failed to provision volume with StorageClass "${className}": local-path volumes are made on node "${o.localPath.nodeName}" only, not on "${selected}"`,
      );
      return;
    }
    let pvc = c;
    if (pvc.metadata.annotations?.[ANN_STORAGE_PROVISIONER] !== provisioner) {
      const next: Claim = structuredClone(pvc);
      withAnnotation(next, ANN_STORAGE_PROVISIONER, provisioner);
      withAnnotation(next, ANN_BETA_STORAGE_PROVISIONER, provisioner);
      pvc = await writeClaim(next);
    }
    let pv: Volume;
    try {
      pv = provisionLocalPath(o.localPath, pvc, cls);
    } catch (e) {
      recorder.event(c, 'Warning', 'ProvisioningFailed', errorText(e));
      throw e;
    }
    try {
      const created = await ctx.client.create<Volume>(persistentVolumes, '', pv);
      writtenVolumes.set(created.metadata.name ?? '', created);
    } catch (e) {
      if (!isAlreadyExists(e)) {
        recorder.event(c, 'Warning', 'ProvisioningFailed', errorText(e));
        throw e;
      }
    }
    recorder.event(
      c,
      'Normal',
      'ProvisioningSucceeded',
      `Successfully provisioned volume ${pv.metadata.name ?? ''} using ${provisioner}`,
    );
  }

  // ---- volumes ----

  async function syncVolume(name: string): Promise<void> {
    const v = volume(name);
    if (!v) return;
    const ref = v.spec?.claimRef;
    if (!ref) {
      await setVolumePhase(v, 'Available');
      return;
    }
    // Pre-bound by the user to a claim that is not bound yet.
    if (!ref.uid) {
      await setVolumePhase(v, 'Available');
      queue.add(`claim:${ref.namespace ?? ''}/${ref.name ?? ''}`);
      return;
    }
    let c = claim(ref.namespace ?? '', ref.name ?? '');
    if (!c) {
      // The cache may be behind: ask the API before releasing anything.
      try {
        c = await ctx.client.get<Claim>(
          persistentVolumeClaims,
          ref.namespace ?? '',
          ref.name ?? '',
        );
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    if (c && c.metadata.uid !== ref.uid) c = undefined;
    if (!c) {
      let pv = v;
      if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed')
        pv = await setVolumePhase(pv, 'Released');
      return reclaim(pv);
    }
    if (!c.spec?.volumeName) {
      queue.add(claimKey(c));
      return;
    }
    if (c.spec.volumeName === v.metadata.name) {
      await setVolumePhase(v, 'Bound');
      return;
    }
    // The claim is bound elsewhere.
    if (
      v.metadata.annotations?.[ANN_PROVISIONED_BY] &&
      v.spec?.persistentVolumeReclaimPolicy === 'Delete'
    ) {
      let pv = v;
      if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed')
        pv = await setVolumePhase(pv, 'Released');
      return reclaim(pv);
    }
    await unbind(v);
  }

  /** unbindVolume: a controller-made bind is undone; a user's pre-bind keeps its name. */
  async function unbind(v: Volume): Promise<void> {
    const next: Volume = structuredClone(v);
    const spec = (next.spec ??= {});
    if (v.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER]) {
      spec.claimRef = null;
      delete spec.claimRef;
      const ann = { ...(next.metadata.annotations ?? {}) };
      delete ann[ANN_BOUND_BY_CONTROLLER];
      next.metadata.annotations = ann;
    } else if (spec.claimRef) spec.claimRef = { ...spec.claimRef, uid: '' };
    await setVolumePhase(await writeVolume(next), 'Available');
  }

  /** reclaimVolume: Retain keeps a Released volume; Delete deletes it; Recycle is not done. */
  async function reclaim(v: Volume): Promise<void> {
    if (v.status?.phase === 'Failed') return;
    switch (v.spec?.persistentVolumeReclaimPolicy) {
      case 'Delete':
        return deleteVolume(v);
      case 'Recycle':
        recorder.event(
          v,
          'Warning',
          'VolumeFailedRecycle',
          'No recycler plugin found for the volume!',
        );
        await setVolumePhase(v, 'Failed', 'No recycler plugin found for the volume!');
        return;
      default:
        return;
    }
  }

  async function deleteVolume(v: Volume): Promise<void> {
    const name = v.metadata.name ?? '';
    const provisioned = v.metadata.annotations?.[ANN_PROVISIONED_BY];
    if (provisioned !== LOCAL_PATH_PROVISIONER || !o.localPath) {
      // A volume another provisioner made is that provisioner's to delete.
      if (provisioned && provisioned !== LOCAL_PATH_PROVISIONER) return;
      const message = `error getting deleter volume plugin for volume "${name}": no deletable volume plugin matched`;
      recorder.event(v, 'Warning', 'VolumeFailedDelete', message);
      await setVolumePhase(v, 'Failed', message);
      return;
    }
    try {
      deleteLocalPath(o.localPath, v);
    } catch (e) {
      recorder.event(v, 'Warning', 'VolumeFailedDelete', errorText(e));
      await setVolumePhase(v, 'Failed', errorText(e));
      return;
    }
    try {
      await ctx.client.delete(persistentVolumes, '', name, {
        preconditions: { uid: v.metadata.uid ?? '' },
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async function sync(key: string): Promise<void> {
    const [kind, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (kind === 'volume') return syncVolume(rest);
    const [ns, name] = splitKey(rest);
    return syncClaim(ns, name);
  }

  void (async () => {
    await Promise.all([claims.synced(), volumes.synced(), classes.synced(), nodes.synced()]);
    if (ctx.signal.aborted) return;
    const timer = setInterval(enqueueAll, RESYNC_MS);
    timer.unref();
    ctx.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    // One worker: binding decisions are made one at a time, as kube's claim worker does.
    await queue.run(1, sync, ctx.signal, (key, err) =>
      ctx.logger.info('sync failed', { key, err: errorText(err) }),
    );
  })();
}
