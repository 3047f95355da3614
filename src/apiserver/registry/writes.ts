// Writes: create and update (the main resource and its status/finalize subresources),
// through the kind's strategy and hooks, as k8s.io/apiserver's store does them.

import { randomUUID } from 'node:crypto';
import {
  OPTIMISTIC_LOCK_MESSAGE,
  alreadyExists,
  generatedNameTaken,
  badRequest,
  conflict,
  forbidden,
  invalid,
  notFound,
} from '../../api/errors.js';
import { subresourceStrategy } from '../../api/registry.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../../api/types.js';
import { StoreError } from '../../storage/index.js';
import { groupResource, reorder } from './codec.js';
import { apiVersionOf, objectKey } from './keys.js';
import type { RegistryCore, WriteFinisher, WriteOptions } from './types.js';
import { formatTime } from '../../api/time.js';

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function strategyContext(
  core: RegistryCore,
  namespace: string,
  user?: StrategyContext['user'],
): StrategyContext {
  return { namespace, now: core.clock.now(), ...(user ? { user } : {}) };
}

/** Everything but metadata and status: what a generation change is measured against. */
function specOf(o: KubeObject): string {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o))
    if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') rest[k] = v;
  return JSON.stringify(rest);
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

/** Common create path; `obj` has been decoded and defaulted by the caller. */
export async function createObject(
  core: RegistryCore,
  def: ResourceDef,
  namespace: string,
  input: KubeObject,
  opts: WriteOptions = {},
): Promise<KubeObject> {
  const gr = groupResource(def);
  const obj = structuredClone(input);
  obj.metadata ??= {};
  const meta = obj.metadata;
  if (def.namespaced) {
    if (meta.namespace && namespace && meta.namespace !== namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    meta.namespace = namespace || meta.namespace || '';
    if (!meta.namespace) throw badRequest('the server could not find the requested resource');
  } else {
    delete meta.namespace;
  }
  const now = core.clock.now();
  const ctx = strategyContext(core, namespace, opts.user);
  // Names are at most 63 characters: the prefix is cut to leave room for the suffix.
  if (!meta.name && meta.generateName) meta.name = meta.generateName.slice(0, 58) + randomSuffix();
  if (def.namespaced) await checkNamespaceOpen(core, def, meta.namespace ?? '', meta.name);
  meta.uid = randomUUID();
  meta.creationTimestamp = formatTime(now);
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
  delete meta.resourceVersion;
  if (def.strategy.tracksGeneration) meta.generation = 1;
  else delete meta.generation;
  def.strategy.defaults?.(obj, ctx);
  // Field ownership is taken from the request as decoded and defaulted, before the
  // strategy and admission add their own fields (as kube-apiserver's field manager).
  opts.mutateBeforeWrite?.(obj, undefined);
  def.strategy.prepareForCreate?.(obj, ctx);
  const errs = def.strategy.validate?.(obj, ctx) ?? [];
  if (errs.length) throw invalid(def.kind, def.group, meta.name ?? '', errs);
  if (!meta.name)
    throw invalid(def.kind, def.group, '', [
      {
        type: 'FieldValueRequired',
        field: 'metadata.name',
        detail: 'name or generateName is required',
      },
    ]);
  const finish = await core.hooksOf(def).beforeCreate?.(obj, { registry: core, now });
  let stored: KubeObject | undefined;
  let uncharge: WriteFinisher | undefined;
  try {
    opts.admit?.(obj, undefined);
    uncharge = await core.quota?.admit({
      def,
      op: 'create',
      object: obj,
      now,
      ...(opts.dryRun ? { dryRun: true } : {}),
    });
    if (opts.dryRun) {
      if (await core.store.get(objectKey(def, namespace, meta.name)))
        throw alreadyExists(gr, meta.name);
      return reorder({ ...obj, apiVersion: apiVersionOf(def), kind: def.kind });
    }
    const kv = await core.store.create(
      objectKey(def, meta.namespace ?? '', meta.name),
      core.codec.encode(def, obj),
    );
    stored = core.codec.decode(def, kv);
    return stored;
  } catch (e) {
    if (e instanceof StoreError && e.code === 'KeyExists') {
      if (meta.generateName && !input.metadata?.name) throw generatedNameTaken(gr, meta.name);
      throw alreadyExists(gr, meta.name);
    }
    throw e;
  } finally {
    finish?.(stored);
    uncharge?.(stored);
  }
}

async function checkNamespaceOpen(
  core: RegistryCore,
  def: ResourceDef,
  namespace: string,
  name: string | undefined,
): Promise<void> {
  const nsKv = await core.store.get(`/registry/core/namespaces/${namespace}`);
  if (!nsKv) throw notFound({ group: '', resource: 'namespaces' }, namespace);
  const ns = JSON.parse(nsKv.value) as KubeObject;
  if (
    ns.metadata.deletionTimestamp ||
    (ns['status'] as { phase?: string } | undefined)?.phase === 'Terminating'
  ) {
    const err = forbidden(
      groupResource(def),
      name,
      `unable to create new content in namespace ${namespace} because it is being terminated`,
    );
    if (err.details)
      err.details.causes = [
        {
          reason: 'NamespaceTerminating',
          message: `namespace ${namespace} is being terminated`,
          field: 'metadata.namespace',
        },
      ];
    throw err;
  }
}

/**
 * Replaces an object. `subresource` 'status' takes only the status from `input`;
 * otherwise the status is kept (for kinds whose strategy says so). An empty
 * resourceVersion makes the update unconditional.
 */
export async function updateObject(
  core: RegistryCore,
  def: ResourceDef,
  namespace: string,
  name: string,
  input: KubeObject,
  opts: WriteOptions & { subresource?: string } = {},
): Promise<KubeObject> {
  const gr = groupResource(def);
  if (input.metadata?.name && input.metadata.name !== name)
    throw badRequest(
      `the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`,
    );
  if (def.namespaced && input.metadata?.namespace && input.metadata.namespace !== namespace)
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  const wantRv = input.metadata?.resourceVersion;
  for (let attempt = 0; ; attempt++) {
    const key = objectKey(def, namespace, name);
    const kv = await core.store.get(key);
    if (!kv) throw notFound(gr, name);
    const old = core.codec.decode(def, kv);
    if (wantRv && wantRv !== old.metadata.resourceVersion)
      throw conflict(gr, name, OPTIMISTIC_LOCK_MESSAGE);
    const wantUid = input.metadata?.uid;
    if (wantUid && wantUid !== old.metadata.uid)
      throw conflict(
        gr,
        name,
        `Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${old.metadata.uid ?? ''}`,
      );
    const obj = mergeForUpdate(core, def, old, structuredClone(input), opts.subresource, (o) =>
      opts.mutateBeforeWrite?.(o, old),
    );
    const now = core.clock.now();
    const finish = await core.hooksOf(def).beforeUpdate?.(obj, old, {
      registry: core,
      now,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    });
    let stored: KubeObject | undefined;
    let uncharge: WriteFinisher | undefined;
    try {
      opts.admit?.(obj, old);
      // Subresource writes are not quota's (kube's plugin skips them).
      if (!opts.subresource)
        uncharge = await core.quota?.admit({
          def,
          op: 'update',
          object: obj,
          old,
          now,
          ...(opts.dryRun ? { dryRun: true } : {}),
        });
      // A no-op write is not written (and so produces no watch event), as etcd3's GuaranteedUpdate.
      if (core.codec.encode(def, obj) === core.codec.encode(def, old)) return old;
      if (opts.dryRun) return reorder(obj);
      // An object being deleted whose last finalizer went away is removed now.
      if (
        obj.metadata.deletionTimestamp &&
        !obj.metadata.finalizers?.length &&
        (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0 &&
        !core.hooksOf(def).pendingFinalization?.(obj)
      ) {
        try {
          const deleted = await core.store.delete(key, kv.modRevision);
          const out = core.codec.decode(def, { ...deleted, value: core.codec.encode(def, obj) });
          await core.hooksOf(def).afterDelete?.(out, { registry: core, now });
          return out;
        } catch (e) {
          if (e instanceof StoreError && e.code === 'Conflict' && !wantRv && attempt < 5) continue;
          throw e;
        }
      }
      try {
        const written = await core.store.update(key, core.codec.encode(def, obj), kv.modRevision);
        stored = core.codec.decode(def, written);
        return stored;
      } catch (e) {
        if (e instanceof StoreError && e.code === 'Conflict') {
          if (!wantRv && attempt < 10) continue;
          throw conflict(gr, name, OPTIMISTIC_LOCK_MESSAGE);
        }
        if (e instanceof StoreError && e.code === 'NotFound') throw notFound(gr, name);
        throw e;
      }
    } finally {
      finish?.(stored);
      uncharge?.(stored);
    }
  }
}

/** Builds the object to store from the old one and the request body; validates it. */
function mergeForUpdate(
  core: RegistryCore,
  def: ResourceDef,
  old: KubeObject,
  obj: KubeObject,
  subresource: string | undefined,
  /** Records field ownership on the decoded, defaulted object (before the strategy's changes). */
  recordFields: (obj: KubeObject) => void,
): KubeObject {
  const ctx = strategyContext(core, old.metadata.namespace ?? '');
  obj.metadata ??= {};
  const keep = old.metadata;
  let out: KubeObject;
  const subStrategy = subresource ? subresourceStrategy(def, subresource) : undefined;
  const statusLike = subresource === 'status' || subresource === 'approval';
  if (subresource === 'finalize' || statusLike) {
    // A subresource write changes only its part: the rest comes from the stored object.
    out = structuredClone(old);
    if (statusLike) {
      // Status writes take status and metadata from the request (the kind's status
      // strategy resets what it must, e.g. a Deployment's labels); everything else stays.
      if ('status' in obj) out['status'] = obj['status'];
      else delete out['status'];
      out.metadata = {
        ...obj.metadata,
        ownerReferences: old.metadata.ownerReferences,
        finalizers: old.metadata.finalizers,
      } as typeof out.metadata;
      if (!old.metadata.ownerReferences) delete out.metadata.ownerReferences;
      if (!old.metadata.finalizers) delete out.metadata.finalizers;
      if (!obj.metadata.labels && old.metadata.labels) out.metadata.labels = old.metadata.labels;
      if (!obj.metadata.annotations && old.metadata.annotations)
        out.metadata.annotations = old.metadata.annotations;
    } else {
      const spec = (out['spec'] ??= {}) as { finalizers?: string[] };
      const wanted = ((obj['spec'] ?? {}) as { finalizers?: string[] }).finalizers;
      if (wanted?.length) spec.finalizers = wanted;
      else delete spec.finalizers;
    }
    recordFields(out);
    subStrategy?.prepareForUpdate(out, old);
  } else {
    out = obj;
    // Generation starts from the stored one; the strategy may bump it (and we do on spec change).
    if (def.strategy.tracksGeneration) out.metadata.generation = keep.generation ?? 1;
    def.strategy.defaults?.(out, ctx);
    recordFields(out);
    def.strategy.prepareForUpdate?.(out, old, ctx);
  }
  // Server-owned metadata is never taken from the client.
  out.metadata.name = keep.name ?? '';
  if (def.namespaced) out.metadata.namespace = keep.namespace ?? '';
  else delete out.metadata.namespace;
  out.metadata.uid = keep.uid ?? '';
  out.metadata.creationTimestamp = keep.creationTimestamp ?? null;
  if (keep.deletionTimestamp) out.metadata.deletionTimestamp = keep.deletionTimestamp;
  else delete out.metadata.deletionTimestamp;
  if (keep.deletionGracePeriodSeconds !== undefined)
    out.metadata.deletionGracePeriodSeconds = keep.deletionGracePeriodSeconds;
  else delete out.metadata.deletionGracePeriodSeconds;
  if (keep.generateName) out.metadata.generateName = keep.generateName;
  delete out.metadata.selfLink;
  if (def.strategy.tracksGeneration) {
    const base = keep.generation ?? 1;
    const byStrategy = subresource ? base : (out.metadata.generation ?? base);
    out.metadata.generation =
      !subresource && specOf(out) !== specOf(old)
        ? Math.max(byStrategy, base + 1)
        : Math.max(byStrategy, base);
  } else if (keep.generation !== undefined) out.metadata.generation = keep.generation;
  else delete out.metadata.generation;
  // Adding a finalizer to an object being deleted is forbidden; removing is fine.
  if (keep.deletionTimestamp) {
    const added = (out.metadata.finalizers ?? []).filter(
      (f) => !(keep.finalizers ?? []).includes(f),
    );
    if (added.length)
      throw invalid(def.kind, def.group, keep.name ?? '', [
        {
          type: 'FieldValueForbidden',
          field: 'metadata.finalizers',
          detail: `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        },
      ]);
  }
  const errs = subStrategy
    ? subStrategy.validateUpdate(out, old)
    : [
        ...(def.strategy.validate?.(out, ctx) ?? []),
        ...(def.strategy.validateUpdate?.(out, old, ctx) ?? []),
      ];
  if (errs.length) throw invalid(def.kind, def.group, keep.name ?? '', errs);
  out.apiVersion = apiVersionOf(def);
  out.kind = def.kind;
  out.metadata.resourceVersion = old.metadata.resourceVersion ?? '';
  return out;
}
