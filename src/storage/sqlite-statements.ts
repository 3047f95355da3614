// The SQLite backend's table, statements and row decoding. The table is a revisioned log
// in the style of kine: id is the global revision, name the key, created/deleted mark a
// key's first row and its tombstone, prev_revision links to the key's previous row.

import type Database from 'better-sqlite3';
import type { KeyValue, StoreEvent } from './types.js';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            TEXT    NOT NULL,
  created         INTEGER NOT NULL,
  deleted         INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,
  value           TEXT    NOT NULL,
  old_value       TEXT
);
-- Serves the newest-row lookup, prefix lists and counts (deleted makes counts index-only).
CREATE INDEX IF NOT EXISTS log_name_id_deleted ON log (name, id, deleted);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Upper bound for the empty prefix: above every key the API server writes. */
const MAX_KEY = '\u{10FFFF}';

export interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
  old_value: string | null;
}

export type Latest = Pick<Row, 'id' | 'deleted' | 'create_revision' | 'value'>;

export type Statements = ReturnType<typeof prepare>;

export function prepare(db: Database.Database) {
  // The newest row of each key at or below @rev: no newer row of that key exists. Scanning
  // the (name, id) index in order lets LIMIT stop early, so a page costs what it returns.
  const newest = `NOT EXISTS (SELECT 1 FROM log n WHERE n.name = kv.name AND n.id > kv.id
                                 AND n.id <= @rev)`;
  return {
    sequence: db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'log'`).pluck(),
    maxId: db.prepare('SELECT MAX(id) FROM log').pluck(),
    latest: db.prepare(
      `SELECT id, deleted, create_revision, value FROM log WHERE name = ? ORDER BY id DESC LIMIT 1`,
    ),
    insert: db.prepare(
      `INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value, old_value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    list: db.prepare(
      `SELECT kv.name AS key, kv.value AS value, kv.create_revision AS createRevision,
              kv.id AS modRevision
       FROM log kv
       WHERE kv.name >= @lo AND kv.name < @hi AND kv.name > @after AND kv.id <= @rev
         AND kv.deleted = 0 AND ${newest}
       ORDER BY kv.name LIMIT @limit`,
    ),
    count: db
      .prepare(
        `SELECT COUNT(*) FROM log kv
         WHERE kv.name >= @lo AND kv.name < @hi AND kv.deleted = 0 AND ${newest}`,
      )
      .pluck(),
    history: db.prepare(
      `SELECT id, name, created, deleted, create_revision, prev_revision, value, old_value
       FROM log WHERE id > ? AND id <= ? AND name >= ? AND name < ? ORDER BY id LIMIT ?`,
    ),
    // A row is superseded once a newer row of its key, at or below the compact revision,
    // names it as prev_revision.
    deleteSuperseded: db.prepare(
      `DELETE FROM log WHERE id IN
         (SELECT prev_revision FROM log WHERE id > ? AND id <= ? AND prev_revision > 0)`,
    ),
    deleteTombstones: db.prepare('DELETE FROM log WHERE id > ? AND id <= ? AND deleted = 1'),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare(
      `INSERT INTO meta (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ),
  };
}

export function toKeyValue(key: string, row: Latest): KeyValue {
  return { key, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

export function rowEvent(row: Row): StoreEvent {
  const kv = {
    key: row.name,
    value: row.value,
    createRevision: row.create_revision,
    modRevision: row.id,
  };
  if (row.created) return { type: 'create', kv };
  const prev = {
    key: row.name,
    value: row.old_value ?? row.value,
    createRevision: row.create_revision,
    modRevision: row.prev_revision,
  };
  return { type: row.deleted ? 'delete' : 'update', kv, prev };
}

/** Exclusive upper bound of the keys that start with prefix. */
export function rangeEnd(prefix: string): string {
  for (let end = prefix; end.length > 0; end = end.slice(0, -1)) {
    const last = end.charCodeAt(end.length - 1);
    if (last < 0xffff) return end.slice(0, -1) + String.fromCharCode(last + 1);
  }
  return MAX_KEY;
}
