// The garbage collector: dependents whose owners are all gone are deleted; owners being
// deleted in the foreground wait for their dependents; orphaning owners release them
// (pkg/controller/garbagecollector, reduced to what a small cluster needs: an informer
// per discoverable resource and an owner index by uid).

import type { KubeObject, OwnerReference } from '../../api/types.js';
import {
  createWorkQueue,
  isNotFound,
  isConflict,
  keyOf,
  type Informer,
  type ResourceRef,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';

interface Kinded {
  ref: ResourceRef;
  kind: string;
  apiVersion: string;
}

const FOREGROUND = 'foregroundDeletion';
const ORPHAN = 'orphan';

async function discover(ctx: ControllerContext): Promise<Kinded[]> {
  const out: Kinded[] = [];
  const add = (
    group: string,
    version: string,
    list: { resources?: { name: string; namespaced: boolean; kind: string; verbs: string[] }[] },
  ): void => {
    for (const r of list.resources ?? []) {
      if (r.name.includes('/') || !r.verbs.includes('watch') || !r.verbs.includes('delete'))
        continue;
      out.push({
        ref: { group, version, plural: r.name, namespaced: r.namespaced },
        kind: r.kind,
        apiVersion: group ? `${group}/${version}` : version,
      });
    }
  };
  add('', 'v1', (await ctx.client.raw('GET', '/api/v1')) as never);
  const groups = (await ctx.client.raw('GET', '/apis')) as {
    groups?: { name: string; preferredVersion?: { version: string } }[];
  };
  for (const g of groups.groups ?? []) {
    const v = g.preferredVersion?.version;
    // Groups whose objects are another group's, seen there (core events, v1 ingresses).
    if (!v || g.name === 'events.k8s.io' || g.name === 'extensions') continue;
    add(g.name, v, (await ctx.client.raw('GET', `/apis/${g.name}/${v}`)) as never);
  }
  // Events and leases are never owners nor owned in practice; watching them costs for nothing.
  return out.filter((k) => k.ref.plural !== 'events' && k.ref.plural !== 'leases');
}

export const garbageCollector: Controller = {
  name: 'garbage-collector',
  async start(ctx: ControllerContext) {
    const kinds = await discover(ctx);
    const byKind = new Map<string, Kinded>();
    for (const k of kinds) byKind.set(`${k.apiVersion}/${k.kind}`, k);
    const informers = new Map<Kinded, Informer>();
    // uid → the objects that name it as an owner ("kindKey|namespace/name").
    const dependents = new Map<string, Set<string>>();
    const uidIndex = new Map<string, { kind: Kinded; key: string }>();
    const queue = createWorkQueue({ baseDelayMs: 50, maxDelayMs: 10_000 });
    const itemKey = (k: Kinded, o: KubeObject): string => `${k.apiVersion}/${k.kind}|${keyOf(o)}`;

    const index = (k: Kinded, o: KubeObject, add: boolean): void => {
      const key = itemKey(k, o);
      if (o.metadata.uid) {
        if (add) uidIndex.set(o.metadata.uid, { kind: k, key });
        else uidIndex.delete(o.metadata.uid);
      }
      for (const ref of o.metadata.ownerReferences ?? []) {
        let set = dependents.get(ref.uid);
        if (!set) dependents.set(ref.uid, (set = new Set()));
        if (add) set.add(key);
        else set.delete(key);
        if (!add && set.size === 0) dependents.delete(ref.uid);
      }
    };
    const touch = (k: Kinded, o: KubeObject): void => {
      queue.add(itemKey(k, o));
      // Owners waiting on dependents (foreground, orphan) are looked at again too.
      for (const ref of o.metadata.ownerReferences ?? []) {
        const owner = uidIndex.get(ref.uid);
        if (owner) queue.add(owner.key);
      }
    };
    for (const k of kinds) {
      const inf = ctx.informers.for(k.ref);
      informers.set(k, inf);
      inf.on({
        add: (o) => {
          index(k, o, true);
          touch(k, o);
        },
        update: (old, o) => {
          index(k, old, false);
          index(k, o, true);
          touch(k, o);
        },
        delete: (o) => {
          index(k, o, false);
          touch(k, o);
          for (const d of dependents.get(o.metadata.uid ?? '') ?? []) queue.add(d);
        },
      });
    }

    const lookup = (key: string): { kind: Kinded; obj: KubeObject | undefined } | undefined => {
      const bar = key.indexOf('|');
      const kind = byKind.get(key.slice(0, bar));
      if (!kind) return undefined;
      const rest = key.slice(bar + 1);
      const slash = rest.indexOf('/');
      const [ns, name] = kind.ref.namespaced
        ? [rest.slice(0, slash), rest.slice(slash + 1)]
        : ['', rest];
      return { kind, obj: informers.get(kind)?.get(ns, name) };
    };
    const ownerAlive = async (
      dep: KubeObject,
      ref: OwnerReference,
    ): Promise<KubeObject | undefined> => {
      const k = byKind.get(`${ref.apiVersion}/${ref.kind}`);
      if (!k) return { metadata: {} }; // Unknown kind: never collect on its account.
      const ns = k.ref.namespaced ? (dep.metadata.namespace ?? '') : '';
      const cached = informers.get(k)?.get(ns, ref.name);
      if (cached?.metadata.uid === ref.uid) return cached;
      // The cache may lag: ask the API before deciding an owner is gone.
      try {
        const live = await ctx.client.get(k.ref, ns, ref.name);
        return live.metadata.uid === ref.uid ? live : undefined;
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    };
    const removeFinalizer = async (k: Kinded, o: KubeObject, f: string): Promise<void> => {
      const finalizers = (o.metadata.finalizers ?? []).filter((x) => x !== f);
      await ctx.client.patch(k.ref, o.metadata.namespace ?? '', o.metadata.name ?? '', 'merge', {
        metadata: {
          finalizers: finalizers.length ? finalizers : null,
          resourceVersion: o.metadata.resourceVersion,
        },
      });
    };

    const sync = async (key: string): Promise<void> => {
      const found = lookup(key);
      if (!found?.obj) return;
      const { kind, obj } = found;
      const ns = obj.metadata.namespace ?? '';
      const name = obj.metadata.name ?? '';
      const deps = [...(dependents.get(obj.metadata.uid ?? '') ?? [])]
        .map(lookup)
        .filter((d) => d?.obj) as { kind: Kinded; obj: KubeObject }[];
      try {
        // An owner deleted with propagationPolicy=Orphan: release dependents, then go.
        if (obj.metadata.deletionTimestamp && obj.metadata.finalizers?.includes(ORPHAN)) {
          for (const d of deps) {
            const refs = (d.obj.metadata.ownerReferences ?? []).filter(
              (r) => r.uid !== obj.metadata.uid,
            );
            await ctx.client.patch(
              d.kind.ref,
              d.obj.metadata.namespace ?? '',
              d.obj.metadata.name ?? '',
              'merge',
              { metadata: { ownerReferences: refs.length ? refs : null } },
            );
          }
          await removeFinalizer(kind, obj, ORPHAN);
          return;
        }
        // Foreground: dependents go first; the owner waits for them.
        if (obj.metadata.deletionTimestamp && obj.metadata.finalizers?.includes(FOREGROUND)) {
          const blocking = deps.filter((d) =>
            d.obj.metadata.ownerReferences?.some(
              (r) => r.uid === obj.metadata.uid && r.blockOwnerDeletion,
            ),
          );
          for (const d of deps) {
            if (d.obj.metadata.deletionTimestamp) continue;
            try {
              await ctx.client.delete(
                d.kind.ref,
                d.obj.metadata.namespace ?? '',
                d.obj.metadata.name ?? '',
                { propagationPolicy: 'Foreground' },
              );
            } catch (e) {
              if (!isNotFound(e)) throw e;
            }
          }
          if (blocking.length === 0) await removeFinalizer(kind, obj, FOREGROUND);
          else queue.addAfter(key, 1000);
          return;
        }
        // A dependent: collect it when every owner is gone; drop references to gone owners.
        const refs = obj.metadata.ownerReferences ?? [];
        if (!refs.length || obj.metadata.deletionTimestamp) return;
        const alive: OwnerReference[] = [];
        let waitingOwner = false;
        for (const ref of refs) {
          const owner = await ownerAlive(obj, ref);
          if (owner) {
            alive.push(ref);
            if (owner.metadata.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND))
              waitingOwner = true;
          }
        }
        if (alive.length === 0) {
          await ctx.client.delete(kind.ref, ns, name, {
            propagationPolicy: 'Background',
            preconditions: { uid: obj.metadata.uid ?? '' },
          });
        } else if (alive.length < refs.length && !waitingOwner) {
          await ctx.client.patch(kind.ref, ns, name, 'merge', {
            metadata: { ownerReferences: alive },
          });
        }
      } catch (e) {
        if (isNotFound(e)) return;
        if (isConflict(e)) {
          queue.addAfter(key, 50);
          return;
        }
        throw e;
      }
    };
    void queue.run(4, sync, ctx.signal, (key, err) =>
      ctx.logger.warn('garbage collection failed', { item: key, err }),
    );
  },
};
