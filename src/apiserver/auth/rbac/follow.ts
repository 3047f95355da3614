// Keeps a PolicyIndex in step with storage: each RBAC kind is listed, then watched from the
// listed revision; a watch that ends (compaction, a slow reader, a closed store) lists again.
// The store publishes a committed write to its watchers before the write returns, so a
// binding is in force for the next request of the client that created it.

import { followPrefix, type Store, type StoreEvent } from '../../../storage/index.js';
import type { PolicyIndex, RbacKind } from './policy-index.js';

const KINDS: RbacKind[] = ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'];
const NAMESPACED = new Set<RbacKind>(['roles', 'rolebindings']);

export interface PolicyFollower {
  /** Resolves once every kind has been listed. */
  readonly ready: Promise<void>;
  isReady(): boolean;
  close(): void;
}

const prefixOf = (kind: RbacKind): string => `/registry/rbac.authorization.k8s.io/${kind}/`;

function parse(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

export function followPolicy(store: Store, index: PolicyIndex): PolicyFollower {
  const stop = new AbortController();
  let listed = 0;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const place = (kind: RbacKind, key: string, value: unknown): void => {
    const rest = key.slice(prefixOf(kind).length);
    const slash = NAMESPACED.has(kind) ? rest.indexOf('/') : -1;
    if (NAMESPACED.has(kind) && slash < 0) return;
    const namespace = slash < 0 ? '' : rest.slice(0, slash);
    index.set(kind, namespace, rest.slice(slash + 1), value);
  };
  const apply = (kind: RbacKind, e: StoreEvent): void =>
    place(kind, e.kv.key, e.type === 'delete' ? undefined : parse(e.kv.value));

  function follow(kind: RbacKind): Promise<void> {
    let first = true;
    return followPrefix(
      store,
      prefixOf(kind),
      {
        listed(items) {
          // Swapped in at once, so no request sees a half-listed kind.
          index.clear(kind);
          for (const kv of items) place(kind, kv.key, parse(kv.value));
          if (first) {
            first = false;
            if (++listed === KINDS.length) markReady();
          }
        },
        event: (e) => apply(kind, e),
      },
      stop.signal,
    );
  }

  for (const k of KINDS) void follow(k);
  return { ready, isReady: () => listed === KINDS.length, close: () => stop.abort() };
}
