// The cluster IPs and node ports held by services, kept in memory so that allocating one
// costs a map lookup instead of a list of every service. Storage stays the only source of
// truth: the table is built from one list, then follows the services' watch (so API servers
// sharing a store see each other's writes), and takes this server's own writes as soon as
// they are stored, so a release is visible to the next request at once. Between choosing an
// address and storing the service, a write holds a reservation, so two concurrent creates
// never get the same address. Nothing is stored besides the services: after a crash the
// table is rebuilt from them, and no allocation can leak. Two API servers over one store
// (not possible yet: a SQLite store belongs to one process) could still both take one
// address within the watch's delay; kube-apiserver closes that window with a claim in
// storage (an IPAddress object, a port bitmap written by compare-and-swap).

import type { KubeObject } from '../../../api/types.js';
import { StoreError, type Store, type StoreEvent } from '../../../storage/index.js';
import { ipToInt } from './ipnet.js';

/** What one service holds; the owner is the service's uid. */
export interface Holding {
  owner: string;
  ips: number[];
  ports: number[];
}

interface Entry extends Holding {
  /** The store revision the entry reflects. */
  rev: number;
  /** Deleted by this server's own write; kept until the watch delivers the delete. */
  gone?: boolean;
}

interface HeldSpec {
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: { nodePort?: number }[];
  healthCheckNodePort?: number;
}

/** The addresses and ports a stored service holds. */
export function holdingOf(obj: KubeObject): Holding {
  const spec = (obj['spec'] ?? {}) as HeldSpec;
  const ips: number[] = [];
  for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) {
    const n = ipToInt(ip);
    if (n !== undefined) ips.push(n);
  }
  const ports: number[] = [];
  for (const p of spec.ports ?? []) if (p.nodePort) ports.push(p.nodePort);
  if (spec.healthCheckNodePort) ports.push(spec.healthCheckNodePort);
  return { owner: obj.metadata.uid ?? '', ips, ports };
}

/** Owners by value; a list because broken data may give two services one address. */
class Owners {
  private readonly byValue = new Map<number, string[]>();
  add(value: number, owner: string): void {
    const list = this.byValue.get(value);
    if (list) list.push(owner);
    else this.byValue.set(value, [owner]);
  }
  remove(value: number, owner: string): void {
    const list = this.byValue.get(value);
    if (!list) return;
    const i = list.indexOf(owner);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.byValue.delete(value);
  }
  /** Whether anyone but `self` holds the value. */
  heldByOther(value: number, self: string): boolean {
    return this.byValue.get(value)?.some((o) => o !== self) ?? false;
  }
  clear(): void {
    this.byValue.clear();
  }
}

export class ServiceAllocations {
  private readonly entries = new Map<string, Entry>();
  private readonly ips = new Owners();
  private readonly ports = new Owners();
  private readonly reservations = new Set<Holding>();
  private loading: Promise<void> | undefined;
  private readonly store: Store;
  private readonly prefix: string;

  constructor(store: Store, prefix: string) {
    this.store = store;
    this.prefix = prefix;
  }

  /** Resolves once the table reflects storage (the first call lists and starts the watch). */
  ready(): Promise<void> {
    this.loading ??= this.follow().catch((e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    return this.loading;
  }

  ipTaken(ip: number, self: string): boolean {
    return this.ips.heldByOther(ip, self);
  }

  portTaken(port: number, self: string): boolean {
    return this.ports.heldByOther(port, self);
  }

  /** Holds what a write is about to store until `release` (see finishWrite). */
  reserve(h: Holding): Holding {
    this.reservations.add(h);
    this.hold(h);
    return h;
  }

  /** Ends a reservation; `stored` is the service as written, or undefined when nothing was. */
  finishWrite(reservation: Holding, key: string, stored: KubeObject | undefined): void {
    if (stored) this.apply(key, revisionOf(stored), holdingOf(stored), false);
    if (this.reservations.delete(reservation)) this.unhold(reservation);
  }

  /** A delete made by this server: released at once rather than when the watch tells. */
  deleted(key: string, obj: KubeObject): void {
    this.apply(key, revisionOf(obj), undefined, false);
  }

  private hold(h: Holding): void {
    for (const ip of h.ips) this.ips.add(ip, h.owner);
    for (const p of h.ports) this.ports.add(p, h.owner);
  }

  private unhold(h: Holding): void {
    for (const ip of h.ips) this.ips.remove(ip, h.owner);
    for (const p of h.ports) this.ports.remove(p, h.owner);
  }

  /**
   * Sets what the service at `key` holds as of revision `rev` (undefined: deleted). Writes
   * reach the table twice, directly and through the watch, in any order: the revision keeps
   * an older state from replacing a newer one.
   */
  private apply(key: string, rev: number, h: Holding | undefined, fromWatch: boolean): void {
    const cur = this.entries.get(key);
    if (cur && cur.rev >= rev) {
      // The watch has caught up with this server's own delete: the tombstone can go.
      if (fromWatch && cur.gone && cur.rev === rev) this.entries.delete(key);
      return;
    }
    if (cur) this.unhold(cur);
    if (h) {
      this.hold(h);
      this.entries.set(key, { ...h, rev });
    } else if (fromWatch) this.entries.delete(key);
    else this.entries.set(key, { owner: '', ips: [], ports: [], rev, gone: true });
  }

  private onEvent(ev: StoreEvent): void {
    const { key, value, modRevision } = ev.kv;
    const h = ev.type === 'delete' ? undefined : holdingOf(JSON.parse(value) as KubeObject);
    this.apply(key, modRevision, h, true);
  }

  /** Lists, then follows the watch; lists again if the watch is cut (e.g. compacted). */
  private async follow(): Promise<void> {
    let revision = await this.load();
    const run = async (): Promise<void> => {
      for (;;) {
        try {
          const signal = new AbortController().signal; // ends with the store's close()
          for await (const ev of this.store.watch(this.prefix, { afterRevision: revision, signal }))
            this.onEvent(ev);
          return;
        } catch (e) {
          if (e instanceof StoreError && e.code === 'Closed') return;
          await new Promise((r) => setTimeout(r, RELIST_DELAY_MS));
          revision = await this.load().catch(() => revision);
        }
      }
    };
    void run();
  }

  private async load(): Promise<number> {
    const res = await this.store.list(this.prefix);
    // Entries newer than the list (this server's writes since) are kept.
    const keep = [...this.entries].filter(([, e]) => e.rev > res.revision);
    this.entries.clear();
    this.ips.clear();
    this.ports.clear();
    for (const kv of res.items) {
      const h = holdingOf(JSON.parse(kv.value) as KubeObject);
      this.hold(h);
      this.entries.set(kv.key, { ...h, rev: kv.modRevision });
    }
    for (const [key, e] of keep) {
      const cur = this.entries.get(key);
      if (cur) this.unhold(cur);
      if (!e.gone) this.hold(e);
      this.entries.set(key, e);
    }
    for (const r of this.reservations) this.hold(r);
    return res.revision;
  }
}

const RELIST_DELAY_MS = 100;

const revisionOf = (obj: KubeObject): number => Number(obj.metadata.resourceVersion ?? 0);
