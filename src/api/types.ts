// Core object shapes shared by every component. Objects travel as plain JSON; these types
// name the parts the server itself reads and writes.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  selfLink?: string;
}

/** Any API object as JSON. `spec`, `status`, `data`… are left open on purpose. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** A column of a `meta.k8s.io/v1` Table, as kube-apiserver's printers declare them. */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  /** 0 = always shown; 1 = only with `-o wide`. */
  priority?: number;
}

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound'
  | 'InternalError';

/** One validation failure, as apimachinery's field.Error. */
export interface FieldError {
  type: FieldErrorType;
  /** Dotted path, e.g. `spec.containers[0].image`. */
  field: string;
  /** The offending value, when there is one (printed quoted for strings). */
  badValue?: unknown;
  /** The detail text after the standard prefix (`Invalid value: "x": <detail>`). */
  detail?: string;
  /** For NotSupported: the allowed values. */
  supported?: string[];
}

/** What a strategy may need to know about the request. */
export interface StrategyContext {
  /** The namespace in the URL (empty for cluster-scoped resources). */
  namespace: string;
  /** Current time (injected so tests can fix it). */
  now: Date;
  /** Who is writing (on create), for kinds that record their requester (CSRs). */
  user?: { name: string; uid?: string; groups: string[]; extra?: Record<string, string[]> };
}

/** Per-kind behaviour, in the style of kube-apiserver's registry strategies. */
export interface Strategy {
  /** Fill defaults in place (the way the v1 defaulters do) before validation. */
  defaults?(obj: KubeObject, ctx: StrategyContext): void;
  /** Reset what a create may not set (e.g. status for kinds with a status subresource). */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  /** Carry over what an update of the main resource may not change (e.g. status). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  validate?(obj: KubeObject, ctx: StrategyContext): FieldError[];
  /** Immutable fields and other update rules; called in addition to validate. */
  validateUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): FieldError[];
  /** Fields usable in field selectors beyond metadata.name and metadata.namespace. */
  selectableFields?(obj: KubeObject): Record<string, string>;
  /** Table columns (kubectl get); `Name` first. */
  columns?: TableColumn[];
  /** One table row's cells, matching `columns`. */
  row?(obj: KubeObject, now: Date): unknown[];
  /** Whether spec changes bump metadata.generation. */
  tracksGeneration?: boolean;
  /**
   * Warnings for the client about an object it writes (kube's WarningsOnCreate and
   * WarningsOnUpdate), sent in `Warning` headers; `old` is undefined on create.
   */
  warnings?(obj: KubeObject, old: KubeObject | undefined): string[];
}

/** How a write through a subresource (status, finalize) is prepared and validated. */
export interface SubresourceStrategy {
  /** Carry over what this subresource may not change (e.g. the spec for `status`). */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  /** Rules for this subresource's writes (instead of the main validate/validateUpdate). */
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
}

/** What the `scale` subresource of a kind needs beyond spec.replicas. */
export interface ScaleStrategy {
  /** The Scale's `status.selector`: the kind's label selector as text. */
  selector(obj: KubeObject): string;
  /**
   * Where replicas live when not at spec.replicas and status.replicas (custom resources'
   * specReplicasPath and statusReplicasPath).
   */
  replicas?: {
    get(obj: KubeObject): number;
    status(obj: KubeObject): number;
    set(obj: KubeObject, replicas: number): void;
  };
}

export interface SubresourceDef {
  name: string;
  /** Response kind of the subresource when it is not the parent's kind. */
  kind?: GroupVersionKind;
  verbs: string[];
}

/** One row of the resource table: drives routing, discovery, storage keys and printing. */
export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  subresources?: SubresourceDef[];
  strategy: Strategy;
  /** Writes through `<plural>/status`, for kinds that declare that subresource. */
  statusStrategy?: SubresourceStrategy;
  /** Writes through `<plural>/finalize` (namespaces). */
  finalizeStrategy?: SubresourceStrategy;
  /** Writes through `<plural>/approval` (CertificateSigningRequests). */
  approvalStrategy?: SubresourceStrategy;
  /** The `<plural>/scale` subresource, for kinds that declare it. */
  scaleStrategy?: ScaleStrategy;
  /** Not stored: the API server answers it directly (reviews such as SelfSubjectAccessReview). */
  virtual?: boolean;
  /** Another resource whose storage this one shares (events.k8s.io Event → core Event). */
  storageOf?: { group: string; plural: string };
  /** Converts between this version's shape and the stored one (with storageOf). */
  storageConversion?: {
    toStorage(obj: KubeObject): KubeObject;
    fromStorage(obj: KubeObject): KubeObject;
  };
  /** A deprecated version: the `Warning` every response of it carries, when it goes away. */
  deprecation?: { warning: string; removedRelease?: string };
  /**
   * A DELETE that names no propagation policy orphans dependents (batch/v1 Jobs), with this
   * warning; other kinds delete them in the background.
   */
  orphansByDefault?: { warning: string };
  /** Aborted when this definition stops being served (a custom resource): watches end. */
  servedUntil?: AbortSignal;
  /** False for kinds without Go types (custom resources): strategic merge patch is refused. */
  strategicMergePatch?: false;
}

export const STANDARD_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
] as const;
