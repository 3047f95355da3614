// In-process watch fan-out shared by every backend. A subscriber first replays history
// (read page by page from the backend, synchronously) and then receives live events that
// the backend publishes right after each commit. Because a subscriber is registered in
// the same synchronous step that fixes the end of its history window, replay and live
// events meet with no gap and no duplicate.
//
// Each subscriber buffers at most `bufferSize` live events; one that falls further behind
// is dropped with StoreError('Compacted') so that it re-lists. Publishing never waits for
// a consumer, so a slow watcher cannot stall writers or other watchers.

import { compacted, tooSlow } from './errors.js';
import type { StoreError, StoreEvent, WatchOptions } from './types.js';

export interface HistorySource {
  /** Events with revision > after can be read only when after >= floor(). */
  floor(): number;
  /** Events for keys under prefix with after < revision <= upTo, in order, at most max. */
  read(prefix: string, after: number, upTo: number, max: number): StoreEvent[];
  /** The newest revision published so far. */
  head(): number;
}

export interface WatchHubOptions {
  history: HistorySource;
  /** Live events a subscriber may hold before it is dropped. Default 10,000. */
  bufferSize?: number | undefined;
}

const PAGE = 500;

export class WatchHub {
  readonly bufferSize: number;
  readonly history: HistorySource;
  readonly #subscribers = new Set<Subscription>();

  constructor(options: WatchHubOptions) {
    this.history = options.history;
    this.bufferSize = options.bufferSize ?? 10_000;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  watch(prefix: string, options: WatchOptions): AsyncIterable<StoreEvent> {
    return {
      [Symbol.asyncIterator]: () => new Subscription(this, prefix, options),
    };
  }

  /**
   * Delivers an event (already committed) to every matching subscriber. The event is
   * frozen: it is shared by every watcher (and by the in-memory stores' state).
   */
  publish(event: StoreEvent): void {
    Object.freeze(event.kv);
    if (event.prev) Object.freeze(event.prev);
    Object.freeze(event);
    for (const sub of this.#subscribers) sub.offer(event);
  }

  /** Ends every subscriber with error (e.g. Closed on shutdown, Compacted on a reset). */
  endAll(error: StoreError): void {
    for (const sub of [...this.#subscribers]) sub.fail(error);
  }

  add(sub: Subscription): void {
    this.#subscribers.add(sub);
  }

  remove(sub: Subscription): void {
    this.#subscribers.delete(sub);
  }
}

type Waiter = {
  resolve: (result: IteratorResult<StoreEvent>) => void;
  reject: (error: unknown) => void;
};

const DONE: IteratorResult<StoreEvent> = { done: true, value: undefined };

class Subscription implements AsyncIterator<StoreEvent> {
  readonly #hub: WatchHub;
  readonly #prefix: string;
  readonly #signal: AbortSignal;
  readonly #after: number;
  /** History still to replay: revisions in (#historyAfter, #historyUpTo]. */
  #historyAfter: number;
  readonly #historyUpTo: number;
  #page: StoreEvent[] = [];
  #pageAt = 0;
  #live: StoreEvent[] = [];
  #liveAt = 0;
  #waiter: Waiter | undefined;
  #error: StoreError | undefined;
  #done = false;
  readonly #onAbort = () => this.#finish();

  constructor(hub: WatchHub, prefix: string, options: WatchOptions) {
    this.#hub = hub;
    this.#prefix = prefix;
    this.#signal = options.signal;
    this.#after = options.afterRevision;
    this.#historyAfter = options.afterRevision;
    this.#historyUpTo = hub.history.head();
    if (this.#signal.aborted) {
      this.#done = true;
      return;
    }
    const floor = hub.history.floor();
    if (this.#after < floor) {
      this.#error = compacted(this.#after, floor);
      return;
    }
    hub.add(this);
    this.#signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  next(): Promise<IteratorResult<StoreEvent>> {
    if (this.#error) {
      const error = this.#error;
      this.#finish();
      return Promise.reject(error);
    }
    if (this.#done) return Promise.resolve(DONE);
    let event: StoreEvent | undefined;
    try {
      event = this.#take();
    } catch (error) {
      this.#finish();
      return Promise.reject(error);
    }
    if (event) return Promise.resolve({ done: false, value: event });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<StoreEvent>> {
    this.#finish();
    return Promise.resolve(DONE);
  }

  /** Called by the hub for every committed event. */
  offer(event: StoreEvent): void {
    if (event.kv.modRevision <= this.#after || !event.kv.key.startsWith(this.#prefix)) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: event });
      return;
    }
    if (this.#live.length - this.#liveAt >= this.#hub.bufferSize) {
      this.fail(tooSlow(this.#hub.bufferSize, this.#hub.history.floor()));
      return;
    }
    this.#live.push(event);
  }

  /** Ends the subscription with error: at once if a next() is pending, else on the next one. */
  fail(error: StoreError): void {
    if (this.#done) return;
    this.#detach();
    this.#page = [];
    this.#live = [];
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      this.#done = true;
      waiter.reject(error);
    } else {
      this.#error = error;
    }
  }

  #take(): StoreEvent | undefined {
    if (this.#pageAt < this.#page.length) return this.#page[this.#pageAt++];
    if (this.#historyAfter < this.#historyUpTo) {
      const floor = this.#hub.history.floor();
      if (this.#historyAfter < floor) throw compacted(this.#historyAfter, floor);
      const page = this.#hub.history.read(
        this.#prefix,
        this.#historyAfter,
        this.#historyUpTo,
        PAGE,
      );
      const last = page[page.length - 1];
      this.#historyAfter = page.length < PAGE || !last ? this.#historyUpTo : last.kv.modRevision;
      this.#page = page;
      this.#pageAt = 0;
      if (page.length > 0) return this.#page[this.#pageAt++];
      return this.#take();
    }
    if (this.#liveAt < this.#live.length) {
      const event = this.#live[this.#liveAt++]!;
      if (this.#liveAt === this.#live.length) {
        this.#live = [];
        this.#liveAt = 0;
      } else if (this.#liveAt > 1024 && this.#liveAt * 2 > this.#live.length) {
        this.#live = this.#live.slice(this.#liveAt);
        this.#liveAt = 0;
      }
      return event;
    }
    return undefined;
  }

  #detach(): void {
    this.#hub.remove(this);
    this.#signal.removeEventListener('abort', this.#onAbort);
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = undefined;
    this.#detach();
    this.#page = [];
    this.#live = [];
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(DONE);
  }
}

/** An iterable whose first next() rejects with error (a watch on a closed store). */
export function failing(error: Error): AsyncIterable<StoreEvent> {
  return {
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
  };
}
