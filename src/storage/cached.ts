// The watch cache: a Store in front of another Store. It loads every key once, then follows
// the backing store's watch to keep the current state in memory (KeyState) together with a
// ring of recent events. Reads at the current revision and watches that start inside the
// ring are served from memory; writes go through to the backing store.
//
// Read-your-writes: when a write returns revision R and the cache is at R - 1, the write's
// event is applied at once (before the write's promise resolves); when the cache is further
// behind, the write waits until the backing watch has caught up to R. The feed skips events
// the cache already applied, so every event enters the state and the ring exactly once, in
// revision order.

import { closed, compacted } from './errors.js';
import { EventRing } from './event-ring.js';
import { KeyState } from './key-state.js';
import {
  StoreError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreEvent,
  type WatchOptions,
} from './types.js';
import { failing, WatchHub } from './watch-hub.js';

export interface CachedStoreOptions {
  /** Recent events kept in memory for watches. Default 10,000. */
  historySize?: number;
  /** Live events a watcher may fall behind before it is dropped. Default 10,000. */
  watchBufferSize?: number;
  /** Pause before re-watching after the backing watch failed. Default 100 ms. */
  retryDelayMs?: number;
}

/** Wraps backing in a watch cache; resolves once every key is loaded. Closing it closes backing. */
export async function createCachedStore(
  backing: Store,
  options: CachedStoreOptions = {},
): Promise<Store> {
  const store = new CachedStore(backing, options);
  await store.start();
  return store;
}

interface Waiter {
  revision: number;
  resolve: () => void;
}

class CachedStore implements Store {
  readonly #backing: Store;
  readonly #retryDelayMs: number;
  #state = new KeyState();
  readonly #ring: EventRing;
  readonly #hub: WatchHub;
  /** The revision the in-memory state reflects. */
  #applied = 0;
  #waiters: Waiter[] = [];
  readonly #feed = new AbortController();
  #closed = false;

  constructor(backing: Store, options: CachedStoreOptions) {
    this.#backing = backing;
    this.#retryDelayMs = options.retryDelayMs ?? 100;
    this.#ring = new EventRing(options.historySize ?? 10_000, 0);
    this.#hub = new WatchHub({
      bufferSize: options.watchBufferSize,
      history: {
        floor: () => this.#ring.floor,
        head: () => this.#applied,
        read: (prefix, after, upTo, max) => this.#ring.read(prefix, after, upTo, max),
      },
    });
  }

  async start(): Promise<void> {
    await this.#load();
    void this.#follow();
  }

  currentRevision(): number {
    return this.#applied;
  }

  compactRevision(): number {
    return this.#backing.compactRevision();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#open();
    return this.#state.get(key);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.#open();
    const { limit = 0, startAfter, revision } = options;
    if (revision !== undefined && revision !== this.#applied) {
      return this.#backing.list(prefix, options);
    }
    return { ...this.#state.list(prefix, limit, startAfter), revision: this.#applied };
  }

  async count(prefix: string): Promise<number> {
    this.#open();
    return this.#state.count(prefix);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.#open();
    const kv = await this.#backing.create(key, value);
    await this.#settle(kv, () => ({ type: 'create', kv }));
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.#open();
    const kv = await this.#backing.update(key, value, expectedModRevision);
    await this.#settle(kv, (prev) => prev && { type: 'update', kv, prev });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.#open();
    const kv = await this.#backing.delete(key, expectedModRevision);
    await this.#settle(kv, (prev) => prev && { type: 'delete', kv, prev });
    return kv;
  }

  watch(prefix: string, options: WatchOptions): AsyncIterable<StoreEvent> {
    if (this.#closed) return failing(closed());
    const oldest = this.#backing.compactRevision();
    if (options.afterRevision < oldest) return failing(compacted(options.afterRevision, oldest));
    // Older than the ring: the backing store replays its own history.
    if (options.afterRevision < this.#ring.floor) return this.#backing.watch(prefix, options);
    return this.#hub.watch(prefix, options);
  }

  async compact(revision: number): Promise<void> {
    this.#open();
    return this.#backing.compact(revision);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#feed.abort();
    this.#hub.endAll(closed());
    this.#release(Infinity);
    await this.#backing.close();
  }

  /**
   * Makes a write's own event visible before the write returns. `build` turns the key's
   * value before the write into the event; it may return undefined when the state does not
   * hold what the write implies, and then the write waits for the feed instead.
   */
  #settle(
    kv: KeyValue,
    build: (prev: KeyValue | undefined) => StoreEvent | undefined,
  ): Promise<void> | undefined {
    const revision = kv.modRevision;
    if (revision <= this.#applied || this.#closed) return undefined;
    if (revision === this.#applied + 1) {
      const event = build(this.#state.get(kv.key));
      if (event) {
        this.#commit(event);
        return undefined;
      }
    }
    return new Promise((resolve) => this.#waiters.push({ revision, resolve }));
  }

  #commit(event: StoreEvent): void {
    this.#hub.publish(event);
    this.#state.apply(event);
    this.#ring.push(event);
    this.#applied = event.kv.modRevision;
    if (this.#waiters.length > 0) this.#release(this.#applied);
  }

  #release(upTo: number): void {
    const ready = this.#waiters.filter((w) => w.revision <= upTo);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.revision > upTo);
    for (const waiter of ready) waiter.resolve();
  }

  async #load(): Promise<void> {
    const { items, revision } = await this.#backing.list('');
    const state = new KeyState();
    for (const kv of items) state.set(Object.freeze(kv));
    this.#state = state;
    this.#applied = revision;
    this.#ring.reset(revision);
  }

  /** Applies the backing store's events until closed; re-lists when the feed breaks. */
  async #follow(): Promise<void> {
    while (!this.#closed) {
      try {
        const events = this.#backing.watch('', {
          afterRevision: this.#applied,
          signal: this.#feed.signal,
        });
        for await (const event of events) {
          if (event.kv.modRevision > this.#applied) this.#commit(event);
        }
        // The backing watch ended without an error and without being aborted: watch again.
        if (!this.#closed) await delay(this.#retryDelayMs);
      } catch (error) {
        if (this.#closed) return;
        if (error instanceof StoreError && error.code === 'Closed') {
          this.#hub.endAll(closed());
          return;
        }
        if (!(error instanceof StoreError && error.code === 'Compacted')) {
          await delay(this.#retryDelayMs);
        }
        await this.#reload();
      }
    }
  }

  /** The feed missed events: start over from a fresh list; watchers must list again. */
  async #reload(): Promise<void> {
    try {
      await this.#load();
    } catch {
      await delay(this.#retryDelayMs);
      return;
    }
    this.#hub.endAll(
      new StoreError(
        'Compacted',
        'The watch cache was reloaded from storage; list again',
        this.#backing.compactRevision(),
      ),
    );
    this.#release(this.#applied);
  }

  #open(): void {
    if (this.#closed) throw closed();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
