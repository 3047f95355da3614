// An in-memory Store for unit tests: the current state in a KeyState, the history since
// the last compaction as an array of events, and the shared watch fan-out. Nothing is
// persisted.

import { closed, compacted, conflict, futureRevision, keyExists, notFound } from './errors.js';
import { KeyState } from './key-state.js';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  WatchOptions,
} from './types.js';
import { failing, WatchHub } from './watch-hub.js';

export interface MemoryStoreOptions {
  /** Live events a watcher may fall behind before it is dropped. Default 10,000. */
  watchBufferSize?: number;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  return new MemoryStore(options);
}

class MemoryStore implements Store {
  readonly #state = new KeyState();
  /** Every event with revision > #compacted, oldest first. */
  #log: StoreEvent[] = [];
  #revision = 0;
  #compacted = 0;
  #closed = false;
  readonly #hub: WatchHub;

  constructor(options: MemoryStoreOptions) {
    this.#hub = new WatchHub({
      bufferSize: options.watchBufferSize,
      history: {
        floor: () => this.#compacted,
        head: () => this.#revision,
        read: (prefix, after, upTo, max) => this.#readLog(prefix, after, upTo, max),
      },
    });
  }

  currentRevision(): number {
    return this.#revision;
  }

  compactRevision(): number {
    return this.#compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#open();
    return this.#state.get(key);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.#open();
    const { limit = 0, startAfter, revision } = options;
    if (revision === undefined || revision === this.#revision) {
      return { ...this.#state.list(prefix, limit, startAfter), revision: this.#revision };
    }
    if (revision > this.#revision) throw futureRevision(revision, this.#revision);
    if (revision < this.#compacted) throw compacted(revision, this.#compacted);
    return { ...this.#stateAt(revision).list(prefix, limit, startAfter), revision };
  }

  async count(prefix: string): Promise<number> {
    this.#open();
    return this.#state.count(prefix);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.#open();
    if (this.#state.get(key)) throw keyExists(key);
    const revision = this.#revision + 1;
    const kv = { key, value, createRevision: revision, modRevision: revision };
    this.#commit({ type: 'create', kv });
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.#open();
    const prev = this.#state.get(key);
    if (!prev) throw notFound(key);
    if (prev.modRevision !== expectedModRevision) {
      throw conflict(key, expectedModRevision, prev.modRevision);
    }
    const kv = {
      key,
      value,
      createRevision: prev.createRevision,
      modRevision: this.#revision + 1,
    };
    this.#commit({ type: 'update', kv, prev });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.#open();
    const prev = this.#state.get(key);
    if (!prev) throw notFound(key);
    if (expectedModRevision !== undefined && prev.modRevision !== expectedModRevision) {
      throw conflict(key, expectedModRevision, prev.modRevision);
    }
    const kv = { ...prev, modRevision: this.#revision + 1 };
    this.#commit({ type: 'delete', kv, prev });
    return kv;
  }

  watch(prefix: string, options: WatchOptions): AsyncIterable<StoreEvent> {
    if (this.#closed) return failing(closed());
    return this.#hub.watch(prefix, options);
  }

  async compact(revision: number): Promise<void> {
    this.#open();
    if (revision > this.#revision) throw futureRevision(revision, this.#revision);
    if (revision <= this.#compacted) return;
    this.#compacted = revision;
    this.#log = this.#log.slice(firstAfter(this.#log, revision));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.endAll(closed());
  }

  #commit(event: StoreEvent): void {
    this.#revision = event.kv.modRevision;
    this.#state.apply(event);
    this.#log.push(event);
    this.#hub.publish(event);
  }

  #readLog(prefix: string, after: number, upTo: number, max: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (let i = firstAfter(this.#log, after); i < this.#log.length; i++) {
      const event = this.#log[i]!;
      if (event.kv.modRevision > upTo || out.length === max) break;
      if (event.kv.key.startsWith(prefix)) out.push(event);
    }
    return out;
  }

  /** The state as of revision, rebuilt by undoing every later event (tests only: O(n)). */
  #stateAt(revision: number): KeyState {
    const undone = new Map<string, KeyValue | undefined>();
    for (let i = this.#log.length - 1; i >= 0; i--) {
      const event = this.#log[i]!;
      if (event.kv.modRevision <= revision) break;
      undone.set(event.kv.key, event.type === 'create' ? undefined : event.prev);
    }
    const past = new KeyState();
    for (const kv of this.#state.values()) if (!undone.has(kv.key)) past.set(kv);
    for (const kv of undone.values()) if (kv) past.set(kv);
    return past;
  }

  #open(): void {
    if (this.#closed) throw closed();
  }
}

/** Index of the first event with revision > after (events are in revision order). */
function firstAfter(log: readonly StoreEvent[], after: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid]!.kv.modRevision <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
