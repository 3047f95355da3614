// The embedded SQLite backend: a revisioned log in the style of kine. Every write appends
// one row whose id is the new global revision; a key's current value is its newest row,
// and a row with deleted = 1 is a tombstone. Rows carry the previous value (old_value, or
// value itself for a tombstone) so a watch replays any event from its row alone.
//
// Durability: WAL journal with synchronous = NORMAL. A commit has been written to the WAL
// file (write(2), no fsync) before the call returns, so an acknowledged write survives the
// process being killed (kill -9); a power cut or kernel crash may lose the newest commits
// but never corrupts the file. Pass `fsync: true` for synchronous = FULL (survives power
// loss, costs an fsync per write).
//
// One process owns a database file: the revision counter and the watch fan-out live in
// this process, so a second writer process would not be seen by this one's watchers.

import Database from 'better-sqlite3';
import { resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { closed, compacted, conflict, futureRevision, keyExists, notFound } from './errors.js';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  WatchOptions,
} from './types.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';
import {
  prepare,
  rangeEnd,
  rowEvent,
  SCHEMA,
  toKeyValue,
  type Latest,
  type Row,
  type Statements,
} from './sqlite-statements.js';
import { failing, WatchHub } from './watch-hub.js';

export interface SqliteStoreOptions {
  /** File of the database; created (with its folder's WAL files) if missing. */
  path: string;
  /** fsync every commit (synchronous = FULL): survive power loss, not just process death. */
  fsync?: boolean;
  /** Live events a watcher may fall behind before it is dropped. Default 10,000. */
  watchBufferSize?: number;
  /**
   * How often a worker thread checkpoints the WAL (default 200 ms); 0 leaves checkpoints
   * to SQLite, inside commits on the main thread.
   */
  checkpointIntervalMs?: number;
}

export function createSqliteStore(options: SqliteStoreOptions): Store {
  return new SqliteStore(options);
}

/** Revisions per compaction transaction; the event loop runs between batches. */
const COMPACT_BATCH = 1000;

class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #hub: WatchHub;
  readonly #stmt: Statements;
  readonly #checkpointer: Checkpointer | undefined;
  #revision: number;
  #compacted: number;
  #closed = false;
  #compaction: Promise<void> = Promise.resolve();

  readonly #create: (key: string, value: string) => StoreEvent;
  readonly #update: (key: string, value: string, expected: number) => StoreEvent;
  readonly #delete: (key: string, expected: number | undefined) => StoreEvent;

  constructor(options: SqliteStoreOptions) {
    const db = new Database(options.path);
    this.#db = db;
    const synchronous = options.fsync ? 'FULL' : 'NORMAL';
    const checkpointIntervalMs = options.checkpointIntervalMs ?? 200;
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma('busy_timeout = 5000');
      db.pragma('cache_size = -32768');
      db.pragma('journal_size_limit = 67108864');
      // With the checkpoint worker, SQLite's own checkpoint (every 1,000 pages by default)
      // only runs if the worker falls far behind.
      if (checkpointIntervalMs > 0) db.pragma('wal_autocheckpoint = 16384');
      db.exec(SCHEMA);
    } catch (error) {
      db.close();
      throw new Error(`Cannot open the SQLite store at "${options.path}": ${String(error)}`, {
        cause: error,
      });
    }
    this.#stmt = prepare(db);
    // AUTOINCREMENT's sequence remembers the highest revision ever used, even when
    // compaction has removed that row, so revisions never go backwards across restarts.
    this.#revision = Math.max(
      Number(this.#stmt.sequence.get() ?? 0),
      Number(this.#stmt.maxId.get() ?? 0),
    );
    this.#compacted = this.#meta('compact_revision');
    this.#checkpointer =
      checkpointIntervalMs > 0 && db.pragma('journal_mode', { simple: true }) === 'wal'
        ? startCheckpointer({
            path: resolve(options.path),
            synchronous,
            intervalMs: checkpointIntervalMs,
            onError: (message) => process.emitWarning(`SQLite checkpoint failed: ${message}`),
          })
        : undefined;

    this.#hub = new WatchHub({
      bufferSize: options.watchBufferSize,
      history: {
        floor: () => this.#compacted,
        head: () => this.#revision,
        read: (prefix, after, upTo, max) =>
          (this.#stmt.history.all(after, upTo, prefix, rangeEnd(prefix), max) as Row[]).map(
            rowEvent,
          ),
      },
    });

    // Each write is one transaction: read the key's newest row, check, append.
    this.#create = db.transaction((key: string, value: string): StoreEvent => {
      const latest = this.#stmt.latest.get(key) as Latest | undefined;
      if (latest && !latest.deleted) throw keyExists(key);
      const revision = this.#revision + 1;
      this.#stmt.insert.run(revision, key, 1, 0, revision, latest?.id ?? 0, value, null);
      return {
        type: 'create',
        kv: { key, value, createRevision: revision, modRevision: revision },
      };
    });
    this.#update = db.transaction((key: string, value: string, expected: number): StoreEvent => {
      const prev = this.#current(key);
      if (prev.modRevision !== expected) throw conflict(key, expected, prev.modRevision);
      const revision = this.#revision + 1;
      this.#stmt.insert.run(
        revision,
        key,
        0,
        0,
        prev.createRevision,
        prev.modRevision,
        value,
        prev.value,
      );
      const kv = { key, value, createRevision: prev.createRevision, modRevision: revision };
      return { type: 'update', kv, prev };
    });
    this.#delete = db.transaction((key: string, expected: number | undefined): StoreEvent => {
      const prev = this.#current(key);
      if (expected !== undefined && prev.modRevision !== expected) {
        throw conflict(key, expected, prev.modRevision);
      }
      const revision = this.#revision + 1;
      this.#stmt.insert.run(
        revision,
        key,
        0,
        1,
        prev.createRevision,
        prev.modRevision,
        prev.value,
        null,
      );
      return { type: 'delete', kv: { ...prev, modRevision: revision }, prev };
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
    const latest = this.#stmt.latest.get(key) as Latest | undefined;
    return latest && !latest.deleted ? toKeyValue(key, latest) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.#open();
    const { limit = 0, startAfter, revision = this.#revision } = options;
    if (revision > this.#revision) throw futureRevision(revision, this.#revision);
    if (revision < this.#compacted) throw compacted(revision, this.#compacted);
    const items = this.#stmt.list.all({
      lo: prefix,
      hi: rangeEnd(prefix),
      after: startAfter ?? '',
      rev: revision,
      limit: limit > 0 ? limit + 1 : -1,
    }) as KeyValue[];
    const more = limit > 0 && items.length > limit;
    if (more) items.pop();
    return { items, revision, more };
  }

  async count(prefix: string): Promise<number> {
    this.#open();
    return Number(this.#stmt.count.get({ lo: prefix, hi: rangeEnd(prefix), rev: this.#revision }));
  }

  async create(key: string, value: string): Promise<KeyValue> {
    return this.#write(() => this.#create(key, value));
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    return this.#write(() => this.#update(key, value, expectedModRevision));
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.#write(() => this.#delete(key, expectedModRevision));
  }

  watch(prefix: string, options: WatchOptions): AsyncIterable<StoreEvent> {
    if (this.#closed) return failing(closed());
    return this.#hub.watch(prefix, options);
  }

  async compact(revision: number): Promise<void> {
    this.#open();
    if (revision > this.#revision) throw futureRevision(revision, this.#revision);
    // Compactions run one at a time, in call order.
    const run = this.#compaction.then(() => this.#compactTo(revision));
    this.#compaction = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.endAll(closed());
    await this.#compaction;
    await this.#checkpointer?.stop();
    this.#db.close();
  }

  #write(run: () => StoreEvent): KeyValue {
    this.#open();
    const event = run();
    this.#revision = event.kv.modRevision;
    this.#hub.publish(event);
    return event.kv;
  }

  /** The live value of key, or NotFound. */
  #current(key: string): KeyValue {
    const latest = this.#stmt.latest.get(key) as Latest | undefined;
    if (!latest || latest.deleted) throw notFound(key);
    return toKeyValue(key, latest);
  }

  /**
   * Removes every row superseded at or below revision, and tombstones at or below it. The
   * new compact revision is stored first, so no reader starts in the range being deleted;
   * the progress is stored with each batch, so a compaction cut short by a crash is
   * finished by the next one.
   */
  async #compactTo(revision: number): Promise<void> {
    if (this.#closed) return;
    if (revision > this.#compacted) {
      this.#setMeta('compact_revision', revision);
      this.#compacted = revision;
    }
    let done = this.#meta('compacted_through');
    while (done < this.#compacted && !this.#closed) {
      const to = Math.min(done + COMPACT_BATCH, this.#compacted);
      this.#compactBatch(done, to);
      done = to;
      await yieldToEventLoop();
    }
  }

  readonly #compactBatch = (from: number, to: number): void => {
    this.#db.transaction(() => {
      this.#stmt.deleteSuperseded.run(from, to);
      this.#stmt.deleteTombstones.run(from, to);
      this.#setMeta('compacted_through', to);
    })();
  };

  #meta(key: string): number {
    return Number(this.#stmt.getMeta.get(key) ?? 0);
  }

  #setMeta(key: string, value: number): void {
    this.#stmt.setMeta.run(key, value);
  }

  #open(): void {
    if (this.#closed) throw closed();
  }
}
