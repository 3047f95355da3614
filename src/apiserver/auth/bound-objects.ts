// The objects service-account tokens are bound to (service accounts, pods, secrets, nodes),
// followed from storage so that every authentication can check them without a storage
// round trip, as kube-apiserver's token authenticator reads its informers. Only the uid
// and deletionTimestamp of each object are kept, and what legacy (secret-based) tokens are
// checked against: a token secret's token and labels, a service account's secret names.
//
// The store publishes a committed write to its watchers before the write returns, so a
// deletion is seen here before the client that made it gets its answer.

import { followPrefix, type Store, type StoreEvent } from '../../storage/index.js';

export type BoundResource = 'serviceaccounts' | 'pods' | 'secrets' | 'nodes';

export interface BoundObject {
  uid: string;
  /** RFC 3339, when the object is being deleted. */
  deletionTimestamp?: string;
  /** A service-account-token secret's parts that legacy tokens are checked against. */
  legacyToken?: LegacyTokenSecret;
  /** A service account's `.secrets` names (the auto-generated token secrets among them). */
  secretNames?: string[];
}

export interface LegacyTokenSecret {
  /** `data.token` as stored (base64). */
  token: string;
  /** The `kubernetes.io/legacy-token-invalid-since` label. */
  invalidSince?: string;
  /** The `kubernetes.io/legacy-token-last-used` label. */
  lastUsed?: string;
}

export const LEGACY_TOKEN_LAST_USED_LABEL = 'kubernetes.io/legacy-token-last-used';
export const LEGACY_TOKEN_INVALID_SINCE_LABEL = 'kubernetes.io/legacy-token-invalid-since';

export interface BoundObjectCache {
  /** The object as last seen in storage; undefined when it does not exist. */
  get(resource: BoundResource, namespace: string, name: string): BoundObject | undefined;
  /** Resolves once every resource has been listed (tokens are refused until then). */
  readonly ready: Promise<void>;
  /** Whether every resource has been listed. */
  isReady(): boolean;
  close(): void;
}

const RESOURCES: BoundResource[] = ['serviceaccounts', 'pods', 'secrets', 'nodes'];

const prefixOf = (resource: BoundResource): string => `/registry/core/${resource}/`;

/** The part of the object that binds tokens, or undefined for a value that is not JSON. */
interface StoredParts {
  metadata?: { uid?: unknown; deletionTimestamp?: unknown; labels?: Record<string, unknown> };
  type?: unknown;
  data?: { token?: unknown };
  secrets?: unknown;
}

function boundPart(value: string): BoundObject | undefined {
  try {
    const o = JSON.parse(value) as StoredParts;
    const meta = o.metadata;
    if (typeof meta?.uid !== 'string') return undefined;
    const out: BoundObject = { uid: meta.uid };
    if (typeof meta.deletionTimestamp === 'string') out.deletionTimestamp = meta.deletionTimestamp;
    if (o.type === 'kubernetes.io/service-account-token' && typeof o.data?.token === 'string') {
      const labels = meta.labels ?? {};
      const invalidSince = labels[LEGACY_TOKEN_INVALID_SINCE_LABEL];
      const lastUsed = labels[LEGACY_TOKEN_LAST_USED_LABEL];
      out.legacyToken = {
        token: o.data.token,
        ...(typeof invalidSince === 'string' ? { invalidSince } : {}),
        ...(typeof lastUsed === 'string' ? { lastUsed } : {}),
      };
    }
    if (Array.isArray(o.secrets))
      out.secretNames = (o.secrets as { name?: unknown }[])
        .map((r) => r?.name)
        .filter((n): n is string => typeof n === 'string');
    return out;
  } catch {
    return undefined;
  }
}

export function followBoundObjects(store: Store): BoundObjectCache {
  const stop = new AbortController();
  const maps = new Map<BoundResource, Map<string, BoundObject>>();
  let listed = 0;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const apply = (objects: Map<string, BoundObject>, prefix: string, e: StoreEvent): void => {
    const name = e.kv.key.slice(prefix.length);
    const part = e.type === 'delete' ? undefined : boundPart(e.kv.value);
    if (part) objects.set(name, part);
    else objects.delete(name);
  };

  function follow(resource: BoundResource): Promise<void> {
    const prefix = prefixOf(resource);
    let objects = new Map<string, BoundObject>();
    let first = true;
    return followPrefix(
      store,
      prefix,
      {
        listed(items) {
          objects = new Map();
          for (const kv of items) {
            const part = boundPart(kv.value);
            if (part) objects.set(kv.key.slice(prefix.length), part);
          }
          maps.set(resource, objects);
          if (first) {
            first = false;
            if (++listed === RESOURCES.length) markReady();
          }
        },
        event: (e) => apply(objects, prefix, e),
      },
      stop.signal,
    );
  }

  for (const r of RESOURCES) void follow(r);

  return {
    get(resource, namespace, name) {
      const key = resource === 'nodes' ? name : `${namespace}/${name}`;
      return maps.get(resource)?.get(key);
    },
    ready,
    isReady: () => listed === RESOURCES.length,
    close: () => stop.abort(),
  };
}
