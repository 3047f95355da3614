// Deletion: preconditions, propagation policy as finalizers, graceful deletion and the
// kind's own finalization (hooks), as k8s.io/apiserver's store deletes.

import { conflict, notFound } from '../../api/errors.js';
import type { KubeObject, ResourceDef } from '../../api/types.js';
import { StoreError } from '../../storage/index.js';
import { groupResource } from './codec.js';
import { objectKey } from './keys.js';
import type { DeleteOptions, RegistryCore } from './types.js';
import { formatTime } from '../../api/time.js';

/** DELETE of one object, with graceful deletion, finalizers and propagation policy. */
export async function deleteObject(
  core: RegistryCore,
  def: ResourceDef,
  namespace: string,
  name: string,
  opts: DeleteOptions = {},
): Promise<{ object: KubeObject; gone: boolean }> {
  const gr = groupResource(def);
  const key = objectKey(def, namespace, name);
  for (let attempt = 0; ; attempt++) {
    const kv = await core.store.get(key);
    if (!kv) throw notFound(gr, name);
    const obj = core.codec.decode(def, kv);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== obj.metadata.uid)
      throw conflict(
        gr,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
      );
    if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion)
      throw conflict(
        gr,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
      );
    const now = core.clock.now();
    const hooks = core.hooksOf(def);
    const updated = structuredClone(obj);
    const m = updated.metadata;
    let finalizers = [...(m.finalizers ?? [])];
    const policy =
      opts.propagationPolicy ??
      (opts.orphanDependents
        ? 'Orphan'
        : opts.orphanDependents === false
          ? 'Background'
          : undefined);
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
      finalizers = [...finalizers.filter((f) => f !== 'orphan'), 'foregroundDeletion'];
    if (policy === 'Orphan' && !finalizers.includes('orphan'))
      finalizers = [...finalizers.filter((f) => f !== 'foregroundDeletion'), 'orphan'];
    if (policy === 'Background')
      finalizers = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
    hooks.beforeDelete?.(obj);
    const grace = hooks.gracePeriodSeconds
      ? hooks.gracePeriodSeconds(obj, opts.gracePeriodSeconds)
      : 0;
    const alreadyDeleting = !!m.deletionTimestamp;
    const pending = hooks.pendingFinalization?.(obj) ?? false;
    let keep = finalizers.length > 0 || grace > 0 || pending;
    if (keep) hooks.onDeleting?.(updated);
    if (
      alreadyDeleting &&
      grace > 0 &&
      m.deletionGracePeriodSeconds !== undefined &&
      grace >= m.deletionGracePeriodSeconds &&
      finalizers.length === (m.finalizers ?? []).length
    ) {
      // A second delete cannot lengthen the grace period: nothing to change.
      return { object: obj, gone: false };
    }
    if (keep) {
      if (!alreadyDeleting || grace < (m.deletionGracePeriodSeconds ?? Infinity)) {
        m.deletionTimestamp = formatTime(new Date(now.getTime() + grace * 1000));
        m.deletionGracePeriodSeconds = grace;
      }
      if (finalizers.length) m.finalizers = finalizers;
      else delete m.finalizers;
      if (grace === 0 && !finalizers.length && !pending) keep = false;
    }
    if (opts.dryRun?.includes('All')) return { object: keep ? updated : obj, gone: !keep };
    try {
      if (keep) {
        if (core.codec.encode(def, updated) === core.codec.encode(def, obj))
          return { object: obj, gone: false };
        const kv2 = await core.store.update(key, core.codec.encode(def, updated), kv.modRevision);
        return { object: core.codec.decode(def, kv2), gone: false };
      }
      const deleted = await core.store.delete(key, kv.modRevision);
      const out = core.codec.decode(def, deleted);
      await hooks.afterDelete?.(out, { registry: core, now });
      return { object: out, gone: true };
    } catch (e) {
      if (e instanceof StoreError && e.code === 'Conflict' && attempt < 10) continue;
      if (e instanceof StoreError && e.code === 'NotFound') throw notFound(gr, name);
      throw e;
    }
  }
}
