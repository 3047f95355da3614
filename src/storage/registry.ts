// Chooses a storage backend from a URL. Every backend is one row of BACKENDS; a scheme
// that is not there, or a backend that is not written yet, fails loudly.
//
//   memory://                      in-memory, for tests
//   sqlite:///abs/path/state.db    embedded SQLite (a plain path means the same)
//   etcd://host:2379               planned: not implemented yet

import { createMemoryStore } from './memory.js';
import { createSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

type Opener = (rest: string, url: string) => Store | Promise<Store>;

const BACKENDS: Readonly<Record<string, Opener>> = {
  memory: () => createMemoryStore(),
  sqlite: (rest, url) => {
    const path = decodeURIComponent(rest);
    if (path === '') throw new Error(`Storage URL "${url}" names no database file`);
    return createSqliteStore({ path });
  },
  etcd: (_rest, url) => notImplemented('etcd', url),
  etcds: (_rest, url) => notImplemented('etcd', url),
};

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is;

/** Opens the store a URL names: `memory://`, `sqlite:///path/state.db` or a plain path. */
export async function openStore(url: string): Promise<Store> {
  const match = SCHEME.exec(url);
  if (!match) {
    if (url.trim() === '') throw new Error('Storage URL is empty');
    return createSqliteStore({ path: url });
  }
  const scheme = match[1]!.toLowerCase();
  const open = Object.hasOwn(BACKENDS, scheme) ? BACKENDS[scheme] : undefined;
  if (!open) {
    const known = Object.keys(BACKENDS)
      .map((s) => `${s}://`)
      .join(', ');
    throw new Error(`Unknown storage URL scheme "${scheme}://" in "${url}"; use one of ${known}`);
  }
  return open(match[2]!, url);
}

/** The schemes openStore accepts. */
export function storeSchemes(): string[] {
  return Object.keys(BACKENDS);
}

function notImplemented(backend: string, url: string): never {
  throw new Error(
    `The ${backend} storage backend is not implemented yet (storage URL "${url}"); ` +
      'use sqlite:///path/to/state.db or memory://',
  );
}
