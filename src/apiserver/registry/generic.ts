// The generic registry store: one implementation of create/get/list/update/delete/watch
// for every kind, parameterised by the kind's strategy (defaults, validation, printing)
// and optional hooks (allocation, graceful deletion). In the style of k8s.io/apiserver's
// registry/generic/registry.Store.

import { randomUUID } from 'node:crypto';
import type { KubeObject, ResourceDef, StrategyContext } from '../../api/types.js';
import { subresourceStrategy } from '../../api/registry.js';
import {
  ApiError,
  OPTIMISTIC_LOCK_MESSAGE,
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  gone,
  invalid,
  notFound,
  type GroupResource,
} from '../../api/errors.js';
import {
  matchesFields,
  matchesLabels,
  type FieldRequirement,
  type LabelSelector,
} from '../../api/labels.js';
import { StoreError, type KeyValue, type Store, type StoreEvent } from '../../storage/index.js';
import { apiVersionOf, objectKey, resourcePrefix } from './keys.js';
import { decodeContinue, encodeContinue } from './continue.js';
import { formatTime } from '../../api/time.js';

export interface Clock {
  now(): Date;
}

export interface HookContext {
  registry: Registry;
  now: Date;
}

/** Resource-specific behaviour beyond the strategy: what kube-apiserver keeps in custom REST storage. */
export interface ResourceHooks {
  beforeCreate?(obj: KubeObject, ctx: HookContext): Promise<void> | void;
  beforeUpdate?(obj: KubeObject, old: KubeObject, ctx: HookContext): Promise<void> | void;
  afterDelete?(obj: KubeObject, ctx: HookContext): Promise<void> | void;
  /** Seconds to wait before removal; 0 = remove at once (pods bound to a node wait). */
  gracePeriodSeconds?(obj: KubeObject, requested: number | undefined): number;
  /** DELETE answers with the object rather than a Status. */
  returnDeletedObject?: boolean;
  /** Finalization the kind keeps outside metadata.finalizers (namespaces' spec.finalizers). */
  pendingFinalization?(obj: KubeObject): boolean;
  /** Marks an object as being deleted (e.g. namespace phase Terminating). */
  onDeleting?(obj: KubeObject): void;
  /** Refuses deletion (e.g. of the default namespaces); throw the error to send. */
  beforeDelete?(obj: KubeObject): void;
}

export interface ListQuery {
  namespace: string;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListOutcome {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Called with the object about to be written (after defaults and validation). */
  mutateBeforeWrite?: (obj: KubeObject, old: KubeObject | undefined) => void;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface WatchQuery {
  namespace: string;
  name?: string;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
  resourceVersion?: string;
  sendInitialEvents?: boolean;
  signal: AbortSignal;
}

export type WatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject }
  | { type: 'ERROR'; status: ApiError }
  | { type: 'BOOKMARK'; resourceVersion: string; initialEventsEnd?: boolean };

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export function groupResource(def: ResourceDef): GroupResource {
  return { group: def.group, resource: def.plural };
}

/** Everything but metadata and status: what a generation change is measured against. */
function specOf(o: KubeObject): string {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o))
    if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') rest[k] = v;
  return JSON.stringify(rest);
}

export class Registry {
  readonly store: Store;
  readonly clock: Clock;
  private readonly hooks = new Map<ResourceDef, ResourceHooks>();

  constructor(store: Store, clock: Clock) {
    this.store = store;
    this.clock = clock;
  }

  setHooks(def: ResourceDef, hooks: ResourceHooks): void {
    this.hooks.set(def, hooks);
  }

  private hooksOf(def: ResourceDef): ResourceHooks {
    return this.hooks.get(def) ?? {};
  }

  private ctx(namespace: string): StrategyContext {
    return { namespace, now: this.clock.now() };
  }

  decode(def: ResourceDef, kv: KeyValue): KubeObject {
    const stored = JSON.parse(kv.value) as KubeObject;
    const obj = def.storageConversion ? def.storageConversion.fromStorage(stored) : stored;
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    obj.metadata.resourceVersion = String(kv.modRevision);
    return reorder(obj);
  }

  private readonly shared = new WeakMap<KeyValue, { def: ResourceDef; obj: KubeObject }>();

  /**
   * decode() for read-only paths (list, watch): the storage cache hands every reader the
   * same entry for a revision, so its decoded object is made once and shared. Callers must
   * not modify the result.
   */
  private decodeShared(def: ResourceDef, kv: KeyValue): KubeObject {
    const hit = this.shared.get(kv);
    if (hit && hit.def === def) return hit.obj;
    const obj = this.decode(def, kv);
    this.shared.set(kv, { def, obj });
    return obj;
  }

  /** The stored form: without resourceVersion, in the storage kind's shape. */
  private encode(def: ResourceDef, input: KubeObject): string {
    const obj = def.storageConversion ? def.storageConversion.toStorage(input) : input;
    const { resourceVersion: _rv, ...meta } = obj.metadata;
    // Empty lists and maps are omitted, as Go's omitempty does.
    for (const k of [
      'ownerReferences',
      'finalizers',
      'labels',
      'annotations',
      'managedFields',
    ] as const) {
      const v = meta[k];
      if (v && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0)) delete meta[k];
    }
    return JSON.stringify({ ...obj, metadata: meta });
  }

  /** Fields usable in field selectors for an object of def. */
  fieldsOf(def: ResourceDef, obj: KubeObject): Record<string, string> {
    const f: Record<string, string> = {
      'metadata.name': obj.metadata.name ?? '',
      'metadata.namespace': obj.metadata.namespace ?? '',
    };
    return { ...f, ...(def.strategy.selectableFields?.(obj) ?? {}) };
  }

  /** The field labels def supports in field selectors. */
  selectableFields(def: ResourceDef): Set<string> {
    return new Set(Object.keys(this.fieldsOf(def, { metadata: {} })));
  }

  matches(
    def: ResourceDef,
    obj: KubeObject,
    q: { labelSelector?: LabelSelector; fieldSelector?: FieldRequirement[] },
  ): boolean {
    if (q.labelSelector?.length && !matchesLabels(q.labelSelector, obj.metadata.labels))
      return false;
    if (q.fieldSelector?.length && !matchesFields(q.fieldSelector, this.fieldsOf(def, obj)))
      return false;
    return true;
  }

  async get(def: ResourceDef, namespace: string, name: string): Promise<KubeObject> {
    const kv = await this.store.get(objectKey(def, namespace, name));
    if (!kv) throw notFound(groupResource(def), name);
    return this.decode(def, kv);
  }

  async tryGet(def: ResourceDef, namespace: string, name: string): Promise<KubeObject | undefined> {
    const kv = await this.store.get(objectKey(def, namespace, name));
    return kv ? this.decode(def, kv) : undefined;
  }

  async list(def: ResourceDef, q: ListQuery): Promise<ListOutcome> {
    const prefix = resourcePrefix(def, q.namespace || undefined);
    let revision: number | undefined;
    let startAfter: string | undefined;
    if (q.continue) {
      const t = decodeContinue(q.continue);
      // A token whose revision was compacted away is refused, with one that goes on at the
      // newest revision instead (rv -1), for clients that accept an inconsistent list.
      if (t.rv !== -1 && t.rv < this.store.compactRevision())
        throw new ExpiredContinue(encodeContinue({ rv: -1, start: t.start }));
      if (t.rv !== -1) revision = t.rv;
      startAfter = prefix + t.start;
    } else if (q.resourceVersion && q.resourceVersion !== '0') {
      const rv = parseResourceVersion(q.resourceVersion);
      const current = this.store.currentRevision();
      if (q.resourceVersionMatch === 'Exact') {
        if (rv < this.store.compactRevision())
          throw gone(`too old resource version: ${rv} (${this.store.compactRevision()})`);
        revision = rv;
      } else if (rv > current) {
        // Clients (the reflector) recognise this by its cause and retry.
        throw new ApiError(
          504,
          'Timeout',
          `Timeout: Too large resource version: ${rv}, current: ${current}`,
          {
            causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
            retryAfterSeconds: 1,
          },
        );
      }
    }
    const limit = q.limit && q.limit > 0 ? q.limit : 0;
    const res = await this.store.list(prefix, {
      ...(revision !== undefined ? { revision } : {}),
      ...(startAfter ? { startAfter } : {}),
    });
    const items: KubeObject[] = [];
    let lastKey = '';
    let more = false;
    for (const kv of res.items) {
      const obj = this.decodeShared(def, kv);
      if (!this.matches(def, obj, q)) continue;
      if (limit && items.length >= limit) {
        more = true;
        break;
      }
      items.push(obj);
      lastKey = kv.key;
    }
    const out: ListOutcome = { items, resourceVersion: String(res.revision) };
    if (more) {
      out.continue = encodeContinue({ rv: res.revision, start: lastKey.slice(prefix.length) });
      if (!q.labelSelector?.length && !q.fieldSelector?.length) {
        const idx = res.items.findIndex((kv) => kv.key === lastKey);
        out.remainingItemCount = res.items.length - idx - 1;
      }
    }
    return out;
  }

  /** Common create path; `obj` has been decoded and defaulted by the caller. */
  async create(
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
    const now = this.clock.now();
    const ctx = this.ctx(namespace);
    // Names are at most 63 characters: the prefix is cut to leave room for the suffix.
    if (!meta.name && meta.generateName)
      meta.name = meta.generateName.slice(0, 58) + randomSuffix();
    if (def.namespaced) await this.checkNamespaceOpen(def, meta.namespace ?? '', meta.name);
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
    await this.hooksOf(def).beforeCreate?.(obj, { registry: this, now });
    if (opts.dryRun) {
      if (await this.store.get(objectKey(def, namespace, meta.name)))
        throw alreadyExists(gr, meta.name);
      return reorder({ ...obj, apiVersion: apiVersionOf(def), kind: def.kind });
    }
    try {
      const kv = await this.store.create(
        objectKey(def, meta.namespace ?? '', meta.name),
        this.encode(def, obj),
      );
      return this.decode(def, kv);
    } catch (e) {
      if (e instanceof StoreError && e.code === 'KeyExists') {
        if (meta.generateName && !input.metadata?.name)
          throw new ApiError(
            409,
            'AlreadyExists',
            `${gr.group ? `${gr.resource}.${gr.group}` : gr.resource} "${meta.name}" already exists, the server was not able to generate a unique name for the object`,
            { name: meta.name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource },
          );
        throw alreadyExists(gr, meta.name);
      }
      throw e;
    }
  }

  private async checkNamespaceOpen(
    def: ResourceDef,
    namespace: string,
    name: string | undefined,
  ): Promise<void> {
    const nsKv = await this.store.get(`/registry/core/namespaces/${namespace}`);
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
  async update(
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
      const kv = await this.store.get(key);
      if (!kv) throw notFound(gr, name);
      const old = this.decode(def, kv);
      if (wantRv && wantRv !== old.metadata.resourceVersion)
        throw conflict(gr, name, OPTIMISTIC_LOCK_MESSAGE);
      const wantUid = input.metadata?.uid;
      if (wantUid && wantUid !== old.metadata.uid)
        throw conflict(
          gr,
          name,
          `Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${old.metadata.uid ?? ''}`,
        );
      const obj = this.mergeForUpdate(def, old, structuredClone(input), opts.subresource, (o) =>
        opts.mutateBeforeWrite?.(o, old),
      );
      const now = this.clock.now();
      await this.hooksOf(def).beforeUpdate?.(obj, old, { registry: this, now });
      // A no-op write is not written (and so produces no watch event), as etcd3's GuaranteedUpdate.
      if (this.encode(def, obj) === this.encode(def, old)) return old;
      if (opts.dryRun) return reorder(obj);
      // An object being deleted whose last finalizer went away is removed now.
      if (
        obj.metadata.deletionTimestamp &&
        !obj.metadata.finalizers?.length &&
        (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0 &&
        !this.hooksOf(def).pendingFinalization?.(obj)
      ) {
        try {
          const deleted = await this.store.delete(key, kv.modRevision);
          const out = this.decode(def, { ...deleted, value: this.encode(def, obj) });
          await this.hooksOf(def).afterDelete?.(out, { registry: this, now });
          return out;
        } catch (e) {
          if (e instanceof StoreError && e.code === 'Conflict' && !wantRv && attempt < 5) continue;
          throw e;
        }
      }
      try {
        const written = await this.store.update(key, this.encode(def, obj), kv.modRevision);
        return this.decode(def, written);
      } catch (e) {
        if (e instanceof StoreError && e.code === 'Conflict') {
          if (!wantRv && attempt < 10) continue;
          throw conflict(gr, name, OPTIMISTIC_LOCK_MESSAGE);
        }
        if (e instanceof StoreError && e.code === 'NotFound') throw notFound(gr, name);
        throw e;
      }
    }
  }

  /** Builds the object to store from the old one and the request body; validates it. */
  private mergeForUpdate(
    def: ResourceDef,
    old: KubeObject,
    obj: KubeObject,
    subresource: string | undefined,
    /** Records field ownership on the decoded, defaulted object (before the strategy's changes). */
    recordFields: (obj: KubeObject) => void,
  ): KubeObject {
    const ctx = this.ctx(old.metadata.namespace ?? '');
    obj.metadata ??= {};
    const keep = old.metadata;
    let out: KubeObject;
    const subStrategy = subresource ? subresourceStrategy(def, subresource) : undefined;
    if (subresource === 'finalize' || subresource === 'status') {
      // A subresource write changes only its part: the rest comes from the stored object.
      out = structuredClone(old);
      if (subresource === 'status') {
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

  /** DELETE of one object, with graceful deletion, finalizers and propagation policy. */
  async delete(
    def: ResourceDef,
    namespace: string,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<{ object: KubeObject; gone: boolean }> {
    const gr = groupResource(def);
    const key = objectKey(def, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw notFound(gr, name);
      const obj = this.decode(def, kv);
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
      const now = this.clock.now();
      const hooks = this.hooksOf(def);
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
          if (this.encode(def, updated) === this.encode(def, obj))
            return { object: obj, gone: false };
          const kv2 = await this.store.update(key, this.encode(def, updated), kv.modRevision);
          return { object: this.decode(def, kv2), gone: false };
        }
        const deleted = await this.store.delete(key, kv.modRevision);
        const out = this.decode(def, deleted);
        await hooks.afterDelete?.(out, { registry: this, now });
        return { object: out, gone: true };
      } catch (e) {
        if (e instanceof StoreError && e.code === 'Conflict' && attempt < 10) continue;
        if (e instanceof StoreError && e.code === 'NotFound') throw notFound(gr, name);
        throw e;
      }
    }
  }

  returnsDeletedObject(def: ResourceDef): boolean {
    return !!this.hooksOf(def).returnDeletedObject;
  }

  /**
   * Events after `resourceVersion` (or the current state first, as ADDED events, when it is
   * absent or "0"), filtered by the query. An object that stops matching is sent as DELETED,
   * one that starts matching as ADDED, as the watch cache does.
   */
  async *watch(def: ResourceDef, q: WatchQuery): AsyncGenerator<WatchEvent> {
    const prefix = q.name
      ? objectKey(def, q.namespace, q.name)
      : resourcePrefix(def, q.namespace || undefined);
    const exact = !!q.name;
    const filter = (o: KubeObject): boolean => this.matches(def, o, q);
    let after: number;
    const rvParam = q.resourceVersion ?? '';
    const initial = rvParam === '' || rvParam === '0' || q.sendInitialEvents === true;
    if (initial) {
      const listPrefix = exact ? objectKey(def, q.namespace, q.name ?? '') : prefix;
      const res = await this.store.list(listPrefix);
      after = res.revision;
      for (const kv of res.items) {
        if (exact && kv.key !== listPrefix) continue;
        const o = this.decodeShared(def, kv);
        if (filter(o)) yield { type: 'ADDED', object: o };
      }
      if (q.sendInitialEvents)
        yield { type: 'BOOKMARK', resourceVersion: String(after), initialEventsEnd: true };
    } else {
      after = parseResourceVersion(rvParam);
    }
    let iter: AsyncIterable<StoreEvent>;
    try {
      iter = this.store.watch(exact ? prefix : prefix, { afterRevision: after, signal: q.signal });
      for await (const ev of iter) {
        if (exact && ev.kv.key !== prefix) continue;
        const cur = ev.type === 'delete' ? undefined : this.decodeShared(def, ev.kv);
        const prev = ev.prev ? this.decodeShared(def, ev.prev) : undefined;
        const curOk = cur ? filter(cur) : false;
        const prevOk = prev ? filter(prev) : false;
        if (ev.type === 'delete') {
          if (prevOk || (!prev && filter(this.decode(def, ev.kv)))) {
            const gone = this.decode(def, { ...ev.kv, value: ev.prev?.value ?? ev.kv.value });
            gone.metadata.resourceVersion = String(ev.kv.modRevision);
            yield { type: 'DELETED', object: gone };
          }
          continue;
        }
        if (!cur) continue;
        if (curOk && (ev.type === 'create' || !prevOk)) yield { type: 'ADDED', object: cur };
        else if (curOk) yield { type: 'MODIFIED', object: cur };
        else if (prevOk) yield { type: 'DELETED', object: cur };
      }
    } catch (e) {
      if (e instanceof StoreError && e.code === 'Compacted') {
        yield {
          type: 'ERROR',
          status: gone(
            `too old resource version: ${after} (${e.compactRevision ?? this.store.compactRevision()})`,
          ),
        };
        return;
      }
      if (q.signal.aborted) return;
      throw e;
    }
  }
}

/** 410 for a continue token too old to list consistently, carrying a token to go on with. */
class ExpiredContinue extends ApiError {
  readonly continueToken: string;
  constructor(continueToken: string) {
    super(
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    );
    this.continueToken = continueToken;
  }
  override toStatus(): ReturnType<ApiError['toStatus']> {
    return { ...super.toStatus(), metadata: { continue: this.continueToken } };
  }
}

export function parseResourceVersion(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
    throw badRequest(`invalid resource version: ${JSON.stringify(v)}`);
  return n;
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

/** apiVersion, kind, metadata first, as the Go structs serialise. */
function reorder(o: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = o;
  return {
    ...(apiVersion !== undefined ? { apiVersion } : {}),
    ...(kind !== undefined ? { kind } : {}),
    metadata,
    ...rest,
  } as KubeObject;
}
