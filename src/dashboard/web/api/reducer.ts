// The state of a watched collection: the objects by namespace/name, and the
// resourceVersion to resume from. Watch events are applied in batches (one new Map a
// batch, not one an event) so that thousands of pods changing at once stay cheap.

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }[];
    [k: string]: unknown;
  };
  [k: string]: any;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: any;
}

export interface ListState<T extends KObject = KObject> {
  items: ReadonlyMap<string, T>;
  resourceVersion: string;
}

export const objectKey = (o: KObject): string =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;

export function fromList<T extends KObject>(items: T[], resourceVersion: string): ListState<T> {
  return { items: new Map(items.map((o) => [objectKey(o), o])), resourceVersion };
}

/**
 * Applies a batch of watch events. BOOKMARKs only move the resourceVersion; ERROR events
 * are the caller's to handle (they never reach here). An event older than the object held
 * (a smaller resourceVersion, as after a reconnect that replays) is ignored.
 */
export function applyEvents<T extends KObject>(
  state: ListState<T>,
  events: WatchEvent[],
): ListState<T> {
  if (!events.length) return state;
  let items: Map<string, T> | undefined;
  let rv = state.resourceVersion;
  for (const ev of events) {
    const obj = ev.object as T;
    if (obj?.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
    if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') continue;
    const key = objectKey(obj);
    const held = (items ?? state.items).get(key);
    if (held && isOlder(obj, held)) continue;
    items ??= new Map(state.items);
    if (ev.type === 'DELETED') items.delete(key);
    else items.set(key, obj);
  }
  return { items: items ?? state.items, resourceVersion: rv };
}

/** resourceVersions are opaque, but Skiff's (and etcd's) are integers: compare when both are. */
function isOlder(a: KObject, b: KObject): boolean {
  const x = a.metadata.resourceVersion;
  const y = b.metadata.resourceVersion;
  if (!x || !y || !/^\d+$/.test(x) || !/^\d+$/.test(y)) return false;
  return x.length === y.length ? x < y : x.length < y.length;
}
