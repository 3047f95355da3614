// kube's resourcequota-controller: each ResourceQuota's status holds hard = spec.hard and
// the namespace's usage of every hard resource, counted from informers of what the quota
// tracks (created when a quota first names them). Admission charges creates as they happen;
// this recounts when a counted object goes or changes what it counts for, when a quota's
// spec changes, and every resync period.

import type { KubeObject } from '../../api/types.js';
import { jsonEqual } from '../../api/json.js';
import {
  calculateUsage,
  equals,
  evaluatorsFor,
  nextStatus,
  parseResourceList,
  resourceListJson,
  type QuotaEvaluator,
} from '../../api/quota/index.js';
import {
  createWorkQueue,
  keyOf,
  splitKey,
  type Informer,
  type ResourceRef,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { createResourceResolver } from './discovery.js';

export const RESOURCE_QUOTAS: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'resourcequotas',
  namespaced: true,
};

const CORE_RESOURCES = new Set([
  'pods',
  'services',
  'persistentvolumeclaims',
  'configmaps',
  'secrets',
  'replicationcontrollers',
  'resourcequotas',
]);

export interface ResourceQuotaOptions {
  /** How often every quota is recounted (kube's --resource-quota-sync-period, 5 minutes). */
  resyncPeriodMs?: number;
}

const DEFAULT_RESYNC_MS = 5 * 60_000;
const NOT_SYNCED_RETRY_MS = 200;

const specHard = (q: KubeObject): Record<string, unknown> => {
  const spec = q.spec as { hard?: unknown } | undefined;
  return spec?.hard && typeof spec.hard === 'object' ? (spec.hard as Record<string, unknown>) : {};
};

/** Whether the status lacks what the spec asks to track (kube's missing-usage queue). */
function statusIncomplete(q: KubeObject): boolean {
  const status = (q.status ?? {}) as { hard?: unknown; used?: unknown };
  const hard = parseResourceList(specHard(q));
  const used = parseResourceList(status.used);
  return (
    !equals(hard, parseResourceList(status.hard)) || [...hard.keys()].some((k) => !used.has(k))
  );
}

export function resourceQuotaController(o: ResourceQuotaOptions = {}): Controller {
  return {
    name: 'resourcequota-controller',
    start(ctx: ControllerContext) {
      const quotas = ctx.informers.for(RESOURCE_QUOTAS);
      const queue = createWorkQueue({ baseDelayMs: 50 });
      const resolver = createResourceResolver(ctx.client, ctx.clock);
      /** Informers of counted resources, by `<group>/<resource>`. */
      const counted = new Map<string, Informer>();

      const enqueueNamespace = (ns: string | undefined): void => {
        for (const q of quotas.list(ns ?? '')) queue.add(keyOf(q));
      };

      quotas.on({
        add: (q) => queue.add(keyOf(q)),
        update: (old, q) => {
          if (!jsonEqual(old.spec, q.spec) || statusIncomplete(q)) queue.add(keyOf(q));
        },
        delete: (q) => enqueueNamespace(q.metadata.namespace),
      });

      /** The informer of what an evaluator counts, created (and watched) on first need. */
      async function informerOf(ev: QuotaEvaluator): Promise<Informer | undefined> {
        const key = `${ev.group}/${ev.resource}`;
        const have = counted.get(key);
        if (have) return have;
        const ref: ResourceRef | undefined =
          !ev.group && CORE_RESOURCES.has(ev.resource)
            ? { group: '', version: 'v1', plural: ev.resource, namespaced: true }
            : await resolver.resolve(ev.group, ev.resource);
        if (!ref) return undefined;
        const inf = counted.get(key) ?? ctx.informers.for(ref);
        if (!counted.has(key)) {
          counted.set(key, inf);
          // Creates are charged by admission; what frees or changes usage is recounted.
          inf.on({
            update: (old, cur) => {
              const now = ctx.clock.now();
              if (!equals(ev.usage(old, now), ev.usage(cur, now)))
                enqueueNamespace(cur.metadata.namespace);
            },
            delete: (gone) => enqueueNamespace(gone.metadata.namespace),
          });
        }
        return inf;
      }

      const sync = async (key: string): Promise<void> => {
        const [ns, name] = splitKey(key);
        const quota = quotas.get(ns, name);
        if (!quota) return;
        const evaluators = evaluatorsFor(Object.keys(specHard(quota)));
        const sources = new Map<QuotaEvaluator, Informer>();
        for (const ev of evaluators) {
          const inf = await informerOf(ev);
          if (!inf) continue;
          if (!inf.hasSynced()) {
            queue.addAfter(key, NOT_SYNCED_RETRY_MS);
            return;
          }
          sources.set(ev, inf);
        }
        const usage = calculateUsage(
          quota,
          [...sources.keys()],
          (ev) => sources.get(ev)?.list(ns) ?? [],
          ctx.clock.now(),
        );
        const next = nextStatus(quota, usage);
        if (!next) return;
        await ctx.client.update(
          RESOURCE_QUOTAS,
          {
            ...quota,
            status: { hard: resourceListJson(next.hard), used: resourceListJson(next.used) },
          },
          'status',
        );
      };

      const resync = setInterval(() => {
        for (const q of quotas.list()) queue.add(keyOf(q));
      }, o.resyncPeriodMs ?? DEFAULT_RESYNC_MS);
      resync.unref();
      ctx.signal.addEventListener('abort', () => clearInterval(resync), { once: true });

      void queue.run(2, sync, ctx.signal, (key, err) =>
        ctx.logger.debug('resource quota not synced', { quota: key, err }),
      );
    },
  };
}
