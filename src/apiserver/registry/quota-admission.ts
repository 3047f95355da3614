// Quota admission (apiserver's ResourceQuota plugin): a create, or an update that can grow
// what is counted (services, claims), in a namespace with ResourceQuotas is checked against
// each matching quota's status and charged into its `status.used` before the object is
// stored, so two quick creates cannot both take the last unit.
//
// Races: the requests of one namespace are admitted one at a time (a promise chain per
// namespace), and each charge is a compare-and-swap on the quota's revision; a conflict (the
// quota controller wrote meanwhile) re-reads the quotas not yet charged and checks again, as
// kube's evaluator retries. A charge whose write then fails (already exists, a conflict, a
// dry run never charges) is given back, which kube leaves to the controller's next resync.
//
// Cost: which namespaces hold quotas is followed from storage (the store publishes a
// committed write to its watchers before the write returns); a namespace without quotas
// costs one map lookup. Until that list is read, every check reads the namespace's quotas.

import { conflict, forbidden } from '../../api/errors.js';
import {
  QuotaRefusal,
  checkRequest,
  evaluatorFor,
  isIgnoredResource,
  parseResourceList,
  resourceListJson,
  subtractNonNegative,
  type ResourceList,
} from '../../api/quota/index.js';
import type { KubeObject, ResourceDef } from '../../api/types.js';
import { isJsonObject } from '../../api/json.js';
import { StoreError, type KeyValue, type Store } from '../../storage/index.js';
import { ObjectCodec, groupResource } from './codec.js';
import { resourcePrefix } from './keys.js';
import type { QuotaAdmission, QuotaAdmissionRequest } from './types.js';

const RETRIES = 5;
const RETRY_MS = 200;
const PAGE = 1000;

interface Charge {
  key: string;
  delta: ResourceList;
}

export function createQuotaAdmission(store: Store, quotaDef: ResourceDef): QuotaAdmission {
  const codec = new ObjectCodec();
  const prefix = resourcePrefix(quotaDef);
  const stop = new AbortController();
  /** Quotas per namespace, from storage; undefined until first listed. */
  let counts: Map<string, number> | undefined;
  const lanes = new Map<string, Promise<unknown>>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const nsOf = (key: string): string => key.slice(prefix.length).split('/')[0] ?? '';

  async function follow(): Promise<void> {
    while (!stop.signal.aborted) {
      try {
        const next = new Map<string, number>();
        let revision = 0;
        let startAfter: string | undefined;
        for (;;) {
          const page = await store.list(prefix, {
            limit: PAGE,
            ...(startAfter ? { startAfter } : {}),
            ...(revision ? { revision } : {}),
          });
          revision = page.revision;
          for (const kv of page.items) next.set(nsOf(kv.key), (next.get(nsOf(kv.key)) ?? 0) + 1);
          if (!page.more || !page.items.length) break;
          startAfter = page.items[page.items.length - 1]?.key;
        }
        counts = next;
        markReady();
        for await (const e of store.watch(prefix, {
          afterRevision: revision,
          signal: stop.signal,
        })) {
          if (e.type === 'update') continue;
          const ns = nsOf(e.kv.key);
          const n = (next.get(ns) ?? 0) + (e.type === 'create' ? 1 : -1);
          if (n > 0) next.set(ns, n);
          else next.delete(ns);
        }
      } catch {
        // Compacted, too slow or closed: read again (after a pause, unless stopping).
      }
      counts = undefined;
      if (stop.signal.aborted) return;
      await new Promise((r) => setTimeout(r, RETRY_MS).unref());
    }
  }
  void follow();

  /** Runs fn after the namespace's earlier admissions. */
  function inLane<T>(ns: string, fn: () => Promise<T>): Promise<T> {
    const prev = lanes.get(ns) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    lanes.set(ns, tail);
    void tail.then(() => {
      if (lanes.get(ns) === tail) lanes.delete(ns);
    });
    return run;
  }

  async function quotasOf(ns: string): Promise<KeyValue[]> {
    return (await store.list(`${prefix}${ns}/`)).items;
  }

  function withUsed(quota: KubeObject, used: ResourceList): KubeObject {
    const status = isJsonObject(quota.status) ? quota.status : {};
    return { ...quota, status: { ...status, used: resourceListJson(used) } };
  }

  async function charge(req: QuotaAdmissionRequest, ns: string): Promise<Charge[]> {
    const ev = evaluatorFor(req.def.group, req.def.plural);
    const charged: Charge[] = [];
    const done = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      const kvs = (await quotasOf(ns)).filter((kv) => !done.has(kv.key));
      const quotas = kvs.map((kv) => codec.decode(quotaDef, kv));
      let changed: Map<number, ResourceList>;
      try {
        changed = checkRequest(quotas, ev, {
          op: req.op,
          object: req.object,
          ...(req.old ? { old: req.old } : {}),
          now: req.now,
        });
      } catch (e) {
        if (e instanceof QuotaRefusal)
          throw forbidden(groupResource(req.def), req.object.metadata.name, e.message);
        throw e;
      }
      if (req.dryRun || !changed.size) return charged;
      let conflicted = false;
      for (const [i, used] of changed) {
        const kv = kvs[i] as KeyValue;
        const quota = quotas[i] as KubeObject;
        try {
          await store.update(kv.key, codec.encode(quotaDef, withUsed(quota, used)), kv.modRevision);
          done.add(kv.key);
          const before = parseResourceList((quota.status as { used?: unknown } | undefined)?.used);
          charged.push({ key: kv.key, delta: subtractNonNegative(used, before) });
        } catch (e) {
          if (!(e instanceof StoreError) || (e.code !== 'Conflict' && e.code !== 'NotFound'))
            throw e;
          conflicted = true;
        }
      }
      if (!conflicted) return charged;
      if (attempt >= RETRIES) {
        await giveBack(charged);
        throw conflict(
          groupResource(quotaDef),
          '',
          'the quota status could not be updated; please try again',
        );
      }
    }
  }

  /** Takes charges back out of `status.used` (best effort: the controller recounts anyway). */
  async function giveBack(charges: Charge[]): Promise<void> {
    for (const c of charges) {
      for (let attempt = 0; attempt < RETRIES; attempt++) {
        const kv = await store.get(c.key);
        if (!kv) break;
        const quota = codec.decode(quotaDef, kv);
        const used = parseResourceList((quota.status as { used?: unknown } | undefined)?.used);
        const back = subtractNonNegative(used, c.delta);
        for (const k of [...back.keys()]) if (!used.has(k)) back.delete(k);
        try {
          await store.update(c.key, codec.encode(quotaDef, withUsed(quota, back)), kv.modRevision);
          break;
        } catch (e) {
          if (!(e instanceof StoreError) || e.code !== 'Conflict') break;
        }
      }
    }
  }

  return {
    async admit(req) {
      const ns = req.object.metadata.namespace ?? '';
      if (!req.def.namespaced || !ns || req.def.virtual) return undefined;
      if (isIgnoredResource(req.def.group, req.def.plural)) return undefined;
      if (counts && !counts.get(ns)) return undefined;
      if (!evaluatorFor(req.def.group, req.def.plural).handles(req.op)) return undefined;
      const charges = await inLane(ns, () => charge(req, ns));
      if (!charges.length) return undefined;
      return (stored) => {
        if (!stored) void inLane(ns, () => giveBack(charges)).catch(() => undefined);
      };
    },
    ready,
    close: () => stop.abort(),
  };
}
