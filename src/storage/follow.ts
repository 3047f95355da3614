// Following every key under a prefix as the API server's in-memory indexes do (RBAC, the
// node authorizer's graph, bound-token objects, the quota admission's namespaces): all pages
// listed at one revision, then a watch from that revision; a failed read or an ended watch
// (compacted, too slow, closed) lists again after a pause, until the signal aborts.

import type { KeyValue, Store, StoreEvent } from './types.js';

const PAGE = 1000;
const RETRY_MS = 200;

export interface PrefixFollower {
  /** Every key under the prefix at one revision; the events that follow are after it. */
  listed(items: KeyValue[], revision: number): void;
  event(e: StoreEvent): void;
  /** The watch ended or a read failed: what was listed is stale until the next `listed`. */
  lost?(): void;
}

export async function followPrefix(
  store: Store,
  prefix: string,
  follower: PrefixFollower,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const items: KeyValue[] = [];
      let revision = 0;
      let startAfter: string | undefined;
      for (;;) {
        const page = await store.list(prefix, {
          limit: PAGE,
          ...(startAfter ? { startAfter } : {}),
          ...(revision ? { revision } : {}),
        });
        revision = page.revision;
        items.push(...page.items);
        if (!page.more || !page.items.length) break;
        startAfter = page.items[page.items.length - 1]?.key;
      }
      follower.listed(items, revision);
      for await (const e of store.watch(prefix, { afterRevision: revision, signal }))
        follower.event(e);
    } catch {
      // Compacted, too slow or closed: list again (after a pause, unless stopping).
    }
    follower.lost?.();
    if (signal.aborted) return;
    await new Promise((r) => setTimeout(r, RETRY_MS).unref());
  }
}
