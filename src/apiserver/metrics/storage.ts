// Storage latency: a Store that times each call, reported by operation and by the resource
// a key belongs to (`pods`, `deployments.apps`), as kube-apiserver labels its storage layer.

import { StoreError, type Store } from '../../storage/index.js';

const ANSWERS = new Set(['KeyExists', 'NotFound', 'Conflict']);

/**
 * `failed`: the storage itself failed. A conflict, an existing or a missing key is an answer,
 * not a failure (etcd answers those within a successful transaction).
 */
export type StorageObserver = (
  operation: string,
  type: string,
  seconds: number,
  failed: boolean,
) => void;

/** `/registry/<group|core>/<plural>/…` → `plural` (core) or `plural.group`. */
export function storageTypeOf(key: string): string {
  const [, registry, group, plural] = key.split('/');
  if (registry !== 'registry' || !group || !plural) return '';
  return group === 'core' ? plural : `${plural}.${group}`;
}

export function instrumentStore(store: Store, observe: StorageObserver): Store {
  const timed =
    <A extends unknown[], R>(operation: string, fn: (key: string, ...rest: A) => Promise<R>) =>
    async (key: string, ...rest: A): Promise<R> => {
      const started = performance.now();
      let failed = false;
      try {
        return await fn(key, ...rest);
      } catch (e) {
        failed = !(e instanceof StoreError && ANSWERS.has(e.code));
        throw e;
      } finally {
        observe(operation, storageTypeOf(key), (performance.now() - started) / 1000, failed);
      }
    };
  return {
    currentRevision: () => store.currentRevision(),
    compactRevision: () => store.compactRevision(),
    get: timed('get', (k) => store.get(k)),
    list: timed('list', (k, opts?: Parameters<Store['list']>[1]) => store.list(k, opts)),
    count: timed('count', (k) => store.count(k)),
    create: timed('create', (k, value: string) => store.create(k, value)),
    update: timed('update', (k, value: string, rev: number) => store.update(k, value, rev)),
    delete: timed('delete', (k, rev?: number) => store.delete(k, rev)),
    watch: (prefix, options) => store.watch(prefix, options),
    compact: (revision) => store.compact(revision),
    close: () => store.close(),
  };
}
