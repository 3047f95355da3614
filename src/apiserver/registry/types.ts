// The shapes the generic registry works with: queries, outcomes, options, hooks, and the
// core the operation modules (reads, writes, deletion) share.

import type { ApiError } from '../../api/errors.js';
import type { FieldRequirement, LabelSelector } from '../../api/labels.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../../api/types.js';
import type { Store } from '../../storage/index.js';
import type { ObjectCodec } from './codec.js';
import type { Operation } from '../../api/quota/index.js';

export interface Clock {
  now(): Date;
}

/** What hooks may read through: the stored objects. */
export interface HookRegistry {
  readonly store: Store;
  tryGet(def: ResourceDef, namespace: string, name: string): Promise<KubeObject | undefined>;
}

export interface HookContext {
  registry: HookRegistry;
  now: Date;
  /** The subresource an update goes through (`status`), if any. */
  subresource?: string;
}

/**
 * Returned by a before-write hook that holds something for the write (an allocation), as
 * kube-apiserver's BeginCreate/BeginUpdate return a finish function: called once when the
 * write is over, with the stored object, or with undefined when nothing was stored (dry run,
 * no-op update, failure).
 */
export type WriteFinisher = (stored: KubeObject | undefined) => void;

/** Resource-specific behaviour beyond the strategy: what kube-apiserver keeps in custom REST storage. */
export interface ResourceHooks {
  beforeCreate?(obj: KubeObject, ctx: HookContext): Promise<WriteFinisher | void> | void;
  beforeUpdate?(
    obj: KubeObject,
    old: KubeObject,
    ctx: HookContext,
  ): Promise<WriteFinisher | void> | void;
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

/** What the operation modules need of the registry. */
export interface RegistryCore extends HookRegistry {
  readonly clock: Clock;
  readonly codec: ObjectCodec;
  hooksOf(def: ResourceDef): ResourceHooks;
  /** Quota admission, run on every write after the hooks and the request's admission. */
  readonly quota?: QuotaAdmission | undefined;
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
  /** The requester, given to the strategy on create. */
  user?: StrategyContext['user'];
  /** Validating admission: the object as it will be stored (throws to refuse the write). */
  admit?: (obj: KubeObject, old: KubeObject | undefined) => void;
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

export interface QuotaAdmissionRequest {
  def: ResourceDef;
  op: Operation;
  object: KubeObject;
  old?: KubeObject;
  dryRun?: boolean;
  now: Date;
}

export interface QuotaAdmission {
  /**
   * Refuses (throws a 403 Forbidden) or charges the namespace's quotas; the finisher gives
   * the charge back when nothing was stored.
   */
  admit(req: QuotaAdmissionRequest): Promise<WriteFinisher | undefined>;
  /** Resolves once the namespaces holding quotas are known (checks read storage until then). */
  readonly ready: Promise<void>;
  close(): void;
}
