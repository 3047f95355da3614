// The storage contract. Keys are strings such as `/registry/pods/default/web`; values are
// the JSON of an object. Every write gets a new global revision, which the API server
// exposes as metadata.resourceVersion. Modelled on kine's server/types.go.

export interface KeyValue {
  key: string;
  value: string;
  /** Revision at which this key was created (its current incarnation). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
}

export type WatchEventType = 'create' | 'update' | 'delete';

export interface StoreEvent {
  type: WatchEventType;
  /** For delete: the last value before deletion, with modRevision = the delete's revision. */
  kv: KeyValue;
  /** For update and delete: the previous value. */
  prev?: KeyValue;
}

export interface ListOptions {
  /** At most this many keys; 0 or undefined = all. */
  limit?: number;
  /** Start after this key (exclusive), for paging. */
  startAfter?: string | undefined;
  /** Read as of this revision (must not be compacted); default: current. */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list reflects. */
  revision: number;
  /** Whether more keys exist after the last one returned. */
  more: boolean;
}

export interface WatchOptions {
  /** Deliver every event with revision > afterRevision. */
  afterRevision: number;
  signal: AbortSignal;
}

/** Storage errors carry a stable code; the API server maps them to Status errors. */
export type StoreErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'Closed';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** For Compacted: the oldest revision still available. */
  readonly compactRevision: number | undefined;
  constructor(code: StoreErrorCode, message: string, compactRevision?: number) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    this.compactRevision = compactRevision;
  }
}

export interface Store {
  /** The newest revision written (0 for an empty store). */
  currentRevision(): number;
  /** The oldest revision a watch or a list at a revision may start from. */
  compactRevision(): number;
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys that start with prefix, in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Count of keys under prefix. */
  count(prefix: string): Promise<number>;
  /** Creates key; throws StoreError('KeyExists') if present. Returns the new KeyValue. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces key's value if its modRevision equals expectedModRevision; throws
   * StoreError('NotFound') when absent and StoreError('Conflict') when the revision differs.
   */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /**
   * Deletes key (if expectedModRevision is given, only at that revision). Returns the deleted
   * value with modRevision set to the delete's revision. Throws NotFound / Conflict.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Events for keys under prefix, in revision order, starting after options.afterRevision.
   * Throws StoreError('Compacted') (synchronously on first iteration) when afterRevision is
   * older than the compaction point. Ends when the signal aborts. A subscriber that falls
   * too far behind is ended with StoreError('Compacted') so it re-lists.
   */
  watch(prefix: string, options: WatchOptions): AsyncIterable<StoreEvent>;
  /** Forget history at and below revision (the latest value of each live key is kept). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
