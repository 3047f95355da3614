// Constructors for the StoreError codes, so every backend words them the same way.

import { StoreError } from './types.js';

export function keyExists(key: string): StoreError {
  return new StoreError('KeyExists', `Key "${key}" already exists`);
}

export function notFound(key: string): StoreError {
  return new StoreError('NotFound', `Key "${key}" not found`);
}

export function conflict(key: string, expected: number, actual: number): StoreError {
  return new StoreError(
    'Conflict',
    `Key "${key}" is at revision ${actual}, not ${expected}; read it again and retry`,
  );
}

/** A start revision (list or watch) that history no longer reaches. */
export function compacted(revision: number, oldest: number): StoreError {
  return new StoreError(
    'Compacted',
    `Revision ${revision} has been compacted (oldest available: ${oldest}); list again`,
    oldest,
  );
}

/** A watcher that did not keep up and was dropped. */
export function tooSlow(bufferSize: number, oldest: number): StoreError {
  return new StoreError(
    'Compacted',
    `Watcher fell more than ${bufferSize} events behind and was closed; list again`,
    oldest,
  );
}

export function closed(): StoreError {
  return new StoreError('Closed', 'Store is closed');
}

/** A list at a revision the store has not reached yet. */
export function futureRevision(revision: number, current: number): RangeError {
  return new RangeError(`Revision ${revision} is newer than the current revision ${current}`);
}
