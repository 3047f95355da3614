// List+watch into a local cache, with change notifications: client-go's reflector and
// informer in one small piece. Re-lists on 410 Gone and after errors (with back-off);
// resumes watches from the last seen resourceVersion. A watch event older than the cached
// object (by resourceVersion) is ignored; a list replaces the cache as it stands.

import type { KubeObject } from '../api/types.js';
import { StatusError, type Client, type ResourceRef } from './rest.js';

export interface EventHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(old: T, obj: T): void;
  delete?(obj: T): void;
}

export interface Informer<T extends KubeObject = KubeObject> {
  /** Registers handlers; they see every cached object as an add if the cache is already filled. */
  on(h: EventHandlers<T>): void;
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
  hasSynced(): boolean;
  /** Resolves once the first list is in the cache. */
  synced(): Promise<void>;
}

export interface InformerOptions {
  client: Client;
  resource: ResourceRef;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  signal: AbortSignal;
  onError?: (err: unknown) => void;
}

export const keyOf = (o: KubeObject): string =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? '');

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

/** Parses a resourceVersion as the decimal integer Skiff and etcd give; undefined otherwise. */
function revision(o: KubeObject): bigint | undefined {
  const rv = o.metadata.resourceVersion;
  return rv && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/**
 * Whether `incoming` is an older version than `held`: resourceVersions compared as numbers
 * (as Headlamp's cache does; '9' < '10'). Versions that are not numbers are never older.
 */
export function isOlder(incoming: KubeObject, held: KubeObject): boolean {
  const a = revision(incoming);
  const b = revision(held);
  return a !== undefined && b !== undefined && a < b;
}

export function createInformer<T extends KubeObject = KubeObject>(o: InformerOptions): Informer<T> {
  const cache = new Map<string, T>();
  const handlers: EventHandlers<T>[] = [];
  let synced = false;
  let resolveSynced!: () => void;
  const syncedPromise = new Promise<void>((r) => (resolveSynced = r));
  const ns = o.namespace ?? '';
  const sel = {
    ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}),
    ...(o.fieldSelector ? { fieldSelector: o.fieldSelector } : {}),
  };
  const emit = (fn: (h: EventHandlers<T>) => void): void => {
    for (const h of handlers) {
      try {
        fn(h);
      } catch (e) {
        o.onError?.(e);
      }
    }
  };

  async function listAll(): Promise<string> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await o.client.list<T>(o.resource, ns, {
        ...sel,
        limit: 500,
        ...(cont ? { continue: cont } : {}),
      });
      rv = page.metadata.resourceVersion ?? rv;
      for (const obj of page.items) {
        const k = keyOf(obj);
        seen.add(k);
        const old = cache.get(k);
        cache.set(k, obj);
        if (!old) emit((h) => h.add?.(obj));
        else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion)
          emit((h) => h.update?.(old, obj));
      }
      cont = page.metadata.continue;
    } while (cont);
    for (const [k, old] of cache) {
      if (!seen.has(k)) {
        cache.delete(k);
        emit((h) => h.delete?.(old));
      }
    }
    return rv;
  }

  async function run(): Promise<void> {
    let backoff = 100;
    let rv = '';
    while (!o.signal.aborted) {
      try {
        if (!rv) {
          rv = await listAll();
          if (!synced) {
            synced = true;
            resolveSynced();
          }
        }
        const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
        for await (const ev of o.client.watch<T>(o.resource, ns, {
          ...sel,
          resourceVersion: rv,
          signal: o.signal,
          timeoutSeconds,
          allowWatchBookmarks: true,
        })) {
          if (ev.type === 'ERROR') {
            const code = (ev.object as unknown as { code?: number }).code;
            if (code === 410) rv = '';
            throw new StatusError(code ?? 500, ev.object as unknown as Record<string, unknown>);
          }
          const obj = ev.object;
          rv = obj.metadata.resourceVersion ?? rv;
          if (ev.type === 'BOOKMARK') continue;
          const k = keyOf(obj);
          const old = cache.get(k);
          // A late event for a version older than the one held would take the cache back in
          // time (a resumed watch, a re-delivered event): ignore it. A relist still replaces.
          if (old && isOlder(obj, old)) continue;
          if (ev.type === 'DELETED') {
            cache.delete(k);
            emit((h) => h.delete?.(old ?? obj));
          } else {
            cache.set(k, obj);
            if (old) emit((h) => h.update?.(old, obj));
            else emit((h) => h.add?.(obj));
          }
        }
        backoff = 100;
      } catch (e) {
        if (o.signal.aborted) return;
        if (e instanceof StatusError && e.code === 410) rv = '';
        else o.onError?.(e);
        await new Promise((r) => setTimeout(r, backoff).unref());
        backoff = Math.min(backoff * 2, 10_000);
        if (!(e instanceof StatusError && e.code === 410)) rv = rv && synced ? rv : '';
      }
    }
  }
  void run();

  return {
    on(h) {
      handlers.push(h);
      if (synced) for (const obj of cache.values()) h.add?.(obj);
    },
    get: (namespace, name) => cache.get(namespace ? `${namespace}/${name}` : name),
    list: (namespace) => {
      const all = [...cache.values()];
      return namespace ? all.filter((x) => x.metadata.namespace === namespace) : all;
    },
    hasSynced: () => synced,
    synced: () => syncedPromise,
  };
}
