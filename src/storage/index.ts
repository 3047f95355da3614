export type { Store, KeyValue, StoreEvent, ListOptions, ListResult, WatchOptions, StoreErrorCode } from './types.js';
export { StoreError } from './types.js';
