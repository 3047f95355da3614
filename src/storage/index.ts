// Skiff's storage: the Store contract, its backends, the watch cache and the compactor.

export type {
  Store,
  KeyValue,
  StoreEvent,
  WatchEventType,
  ListOptions,
  ListResult,
  WatchOptions,
  StoreErrorCode,
} from './types.js';
export { StoreError } from './types.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { createCachedStore, type CachedStoreOptions } from './cached.js';
export { openStore, storeSchemes } from './registry.js';
export { startCompactor, type Compactor, type CompactorOptions } from './auto-compact.js';
export { followPrefix, type PrefixFollower } from './follow.js';
