// A fixed-size ring of the most recent events, oldest first, for the watch cache. It holds
// every event with revision > floor; pushing into a full ring drops the oldest event and
// raises the floor to that event's revision.

import type { StoreEvent } from './types.js';

export class EventRing {
  readonly #buffer: (StoreEvent | undefined)[];
  #start = 0;
  #length = 0;
  #floor: number;

  constructor(capacity: number, floor: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Ring capacity must be a positive integer, not ${capacity}`);
    }
    this.#buffer = new Array<StoreEvent | undefined>(capacity);
    this.#floor = floor;
  }

  /** Every event with a revision above this one is in the ring. */
  get floor(): number {
    return this.#floor;
  }

  /** Empties the ring; it holds everything after revision from now on. */
  reset(revision: number): void {
    this.#buffer.fill(undefined);
    this.#start = 0;
    this.#length = 0;
    this.#floor = revision;
  }

  push(event: StoreEvent): void {
    const capacity = this.#buffer.length;
    if (this.#length === capacity) {
      this.#floor = this.#at(0).kv.modRevision;
      this.#start = (this.#start + 1) % capacity;
      this.#length--;
    }
    this.#buffer[(this.#start + this.#length) % capacity] = event;
    this.#length++;
  }

  /** Events for keys under prefix with after < revision <= upTo, oldest first, at most max. */
  read(prefix: string, after: number, upTo: number, max: number): StoreEvent[] {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#at(mid).kv.modRevision <= after) lo = mid + 1;
      else hi = mid;
    }
    const out: StoreEvent[] = [];
    for (let i = lo; i < this.#length && out.length < max; i++) {
      const event = this.#at(i);
      if (event.kv.modRevision > upTo) break;
      if (event.kv.key.startsWith(prefix)) out.push(event);
    }
    return out;
  }

  #at(index: number): StoreEvent {
    return this.#buffer[(this.#start + index) % this.#buffer.length]!;
  }
}
