// Namespace lifecycle: once a namespace is Terminating, delete everything in it, then
// remove the `kubernetes` finalizer so the API server lets the namespace go
// (pkg/controller/namespace in kube-controller-manager).

import type { KubeObject } from '../../api/types.js';
import { isNotFound, resources, type Client, type ResourceRef } from '../../client/index.js';
import { createWorkQueue } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';

interface DiscoveredResource {
  ref: ResourceRef;
  verbs: string[];
}

/** Every namespaced resource that can be listed and deleted, from discovery. */
export async function namespacedResources(client: Client): Promise<DiscoveredResource[]> {
  const out: DiscoveredResource[] = [];
  const add = (
    group: string,
    version: string,
    list: { resources?: { name: string; namespaced: boolean; verbs: string[] }[] },
  ): void => {
    for (const r of list.resources ?? []) {
      if (!r.namespaced || r.name.includes('/')) continue;
      if (!r.verbs.includes('list') || !r.verbs.includes('delete')) continue;
      out.push({ ref: { group, version, plural: r.name, namespaced: true }, verbs: r.verbs });
    }
  };
  add('', 'v1', (await client.raw('GET', '/api/v1')) as never);
  const groups = (await client.raw('GET', '/apis')) as {
    groups?: { name: string; preferredVersion?: { version: string } }[];
  };
  for (const g of groups.groups ?? []) {
    const v = g.preferredVersion?.version;
    if (!v) continue;
    // events.k8s.io shares its storage with core events, extensions (Ingress) with
    // networking.k8s.io: both already covered.
    if (g.name === 'events.k8s.io' || g.name === 'extensions') continue;
    add(g.name, v, (await client.raw('GET', `/apis/${g.name}/${v}`)) as never);
  }
  return out;
}

const specFinalizers = (ns: KubeObject): string[] =>
  ((ns['spec'] ?? {}) as { finalizers?: string[] }).finalizers ?? [];

export const namespaceController: Controller = {
  name: 'namespace-controller',
  start(ctx: ControllerContext) {
    const informer = ctx.informers.for(resources.namespaces);
    const queue = createWorkQueue({ baseDelayMs: 100, maxDelayMs: 10_000 });
    const enqueue = (ns: KubeObject): void => {
      if (ns.metadata.deletionTimestamp) queue.add(ns.metadata.name ?? '');
    };
    informer.on({ add: enqueue, update: (_o, n) => enqueue(n) });
    const sync = async (name: string): Promise<void> => {
      const ns = informer.get('', name);
      if (!ns?.metadata.deletionTimestamp) return;
      if (!specFinalizers(ns).includes('kubernetes')) return;
      let remaining = 0;
      for (const r of await namespacedResources(ctx.client)) {
        const list = await ctx.client.list(r.ref, name);
        for (const item of list.items) {
          remaining++;
          if (item.metadata.deletionTimestamp) continue;
          try {
            await ctx.client.delete(r.ref, name, item.metadata.name ?? '', {
              propagationPolicy: 'Background',
            });
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        }
      }
      if (remaining > 0) {
        // Content is going away (pods may take their grace period); look again shortly.
        queue.addAfter(name, 500);
        return;
      }
      try {
        await ctx.client.update(
          resources.namespaces,
          {
            ...ns,
            spec: {
              ...((ns['spec'] ?? {}) as object),
              finalizers: specFinalizers(ns).filter((f) => f !== 'kubernetes'),
            },
          },
          'finalize',
        );
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    };
    void queue.run(2, sync, ctx.signal, (key, err) =>
      ctx.logger.warn('namespace sync failed', { namespace: key, err }),
    );
  },
};
