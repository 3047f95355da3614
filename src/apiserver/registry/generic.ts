// The generic registry store: one implementation of create/get/list/update/delete/watch
// for every kind, parameterised by the kind's definition (strategy, status/finalize
// strategies) and the kind's hooks (allocation, graceful deletion), which it is given at
// construction. In the style of k8s.io/apiserver's registry/generic/registry.Store.
//
// The operations live by concern: reads.ts (list, watch), writes.ts (create, update),
// deletion.ts (graceful deletion, finalizers), fields.ts (selectors), codec.ts (stored
// form); this class ties them to one store, clock and hook table.

import { notFound } from '../../api/errors.js';
import type { FieldRequirement, LabelSelector } from '../../api/labels.js';
import type { KubeObject, ResourceDef } from '../../api/types.js';
import type { KeyValue, Store } from '../../storage/index.js';
import { ObjectCodec, groupResource } from './codec.js';
import { deleteObject } from './deletion.js';
import { fieldsOf, matches, selectableFields } from './fields.js';
import { objectKey } from './keys.js';
import { listObjects, watchObjects } from './reads.js';
import type {
  Clock,
  DeleteOptions,
  ListOutcome,
  ListQuery,
  QuotaAdmission,
  RegistryCore,
  ResourceHooks,
  WatchEvent,
  WatchQuery,
  WriteOptions,
} from './types.js';
import { createObject, updateObject } from './writes.js';

export type {
  Clock,
  DeleteOptions,
  HookContext,
  HookRegistry,
  ListOutcome,
  ListQuery,
  ResourceHooks,
  WatchEvent,
  WatchQuery,
  WriteOptions,
} from './types.js';
export { groupResource } from './codec.js';
export { parseResourceVersion } from './reads.js';
export { createQuotaAdmission } from './quota-admission.js';
export type { QuotaAdmission } from './types.js';

/** Hooks by resource definition (see hooks/index.ts for the table they come from). */
export type HooksByResource = ReadonlyMap<ResourceDef, ResourceHooks>;

export class Registry implements RegistryCore {
  readonly store: Store;
  readonly clock: Clock;
  readonly codec = new ObjectCodec();
  private readonly hooks: HooksByResource;
  readonly quota: QuotaAdmission | undefined;

  constructor(
    store: Store,
    clock: Clock,
    hooks: HooksByResource = new Map(),
    quota?: QuotaAdmission,
  ) {
    this.store = store;
    this.clock = clock;
    this.hooks = hooks;
    this.quota = quota;
  }

  hooksOf(def: ResourceDef): ResourceHooks {
    return this.hooks.get(def) ?? {};
  }

  decode(def: ResourceDef, kv: KeyValue): KubeObject {
    return this.codec.decode(def, kv);
  }

  /** Fields usable in field selectors for an object of def. */
  fieldsOf(def: ResourceDef, obj: KubeObject): Record<string, string> {
    return fieldsOf(def, obj);
  }

  /** The field labels def supports in field selectors. */
  selectableFields(def: ResourceDef): Set<string> {
    return selectableFields(def);
  }

  matches(
    def: ResourceDef,
    obj: KubeObject,
    q: { labelSelector?: LabelSelector; fieldSelector?: FieldRequirement[] },
  ): boolean {
    return matches(def, obj, q);
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

  list(def: ResourceDef, q: ListQuery): Promise<ListOutcome> {
    return listObjects(this, def, q);
  }

  /** Common create path; `obj` has been decoded and defaulted by the caller. */
  create(
    def: ResourceDef,
    namespace: string,
    input: KubeObject,
    opts: WriteOptions = {},
  ): Promise<KubeObject> {
    return createObject(this, def, namespace, input, opts);
  }

  /**
   * Replaces an object. `subresource` 'status' takes only the status from `input`;
   * otherwise the status is kept (for kinds whose strategy says so). An empty
   * resourceVersion makes the update unconditional.
   */
  update(
    def: ResourceDef,
    namespace: string,
    name: string,
    input: KubeObject,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<KubeObject> {
    return updateObject(this, def, namespace, name, input, opts);
  }

  /** DELETE of one object, with graceful deletion, finalizers and propagation policy. */
  delete(
    def: ResourceDef,
    namespace: string,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<{ object: KubeObject; gone: boolean }> {
    return deleteObject(this, def, namespace, name, opts);
  }

  returnsDeletedObject(def: ResourceDef): boolean {
    return !!this.hooksOf(def).returnDeletedObject;
  }

  /**
   * Events after `resourceVersion` (or the current state first, as ADDED events, when it is
   * absent or "0"), filtered by the query. An object that stops matching is sent as DELETED,
   * one that starts matching as ADDED, as the watch cache does.
   */
  watch(def: ResourceDef, q: WatchQuery): AsyncGenerator<WatchEvent> {
    return watchObjects(this, def, q);
  }
}
