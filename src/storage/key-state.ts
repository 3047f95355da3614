// The current value of every live key, in memory: a map for point reads and a sorted key
// set for prefix lists. Shared by the memory backend and the watch cache.

import { SortedKeys } from './sorted-keys.js';
import type { KeyValue, StoreEvent } from './types.js';

export interface Page {
  items: KeyValue[];
  more: boolean;
}

export class KeyState {
  #values = new Map<string, KeyValue>();
  #keys = new SortedKeys();

  get size(): number {
    return this.#values.size;
  }

  get(key: string): KeyValue | undefined {
    return this.#values.get(key);
  }

  set(kv: KeyValue): void {
    if (!this.#values.has(kv.key)) this.#keys.insert(kv.key);
    this.#values.set(kv.key, kv);
  }

  remove(key: string): void {
    if (this.#values.delete(key)) this.#keys.delete(key);
  }

  /** Applies one event (create/update set the new value, delete removes the key). */
  apply(event: StoreEvent): void {
    if (event.type === 'delete') this.remove(event.kv.key);
    else this.set(event.kv);
  }

  list(prefix: string, limit = 0, startAfter?: string): Page {
    const items: KeyValue[] = [];
    const exclusive = startAfter !== undefined && startAfter >= prefix;
    for (const key of this.#keys.from(exclusive ? startAfter : prefix, exclusive)) {
      if (!key.startsWith(prefix)) break;
      if (limit > 0 && items.length === limit) return { items, more: true };
      items.push(this.#values.get(key)!);
    }
    return { items, more: false };
  }

  count(prefix: string): number {
    if (prefix === '') return this.#values.size;
    let n = 0;
    for (const key of this.#keys.from(prefix, false)) {
      if (!key.startsWith(prefix)) break;
      n++;
    }
    return n;
  }

  *values(): IterableIterator<KeyValue> {
    yield* this.#values.values();
  }
}
