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
import { StoreError, followPrefix, type KeyValue, type Store } from '../../storage/index.js';
import { ObjectCodec, groupResource } from './codec.js';
import { resourcePrefix } from './keys.js';
import type { QuotaAdmission, QuotaAdmissionRequest } from './types.js';

const RETRIES = 5;

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

  void followPrefix(
    store,
    prefix,
    {
      listed(items) {
        const listed = new Map<string, number>();
        for (const kv of items) listed.set(nsOf(kv.key), (listed.get(nsOf(kv.key)) ?? 0) + 1);
        counts = listed;
        markReady();
      },
      event(e) {
        if (!counts || e.type === 'update') return;
        const ns = nsOf(e.kv.key);
        const n = (counts.get(ns) ?? 0) + (e.type === 'create' ? 1 : -1);
        if (n > 0) counts.set(ns, n);
        else counts.delete(ns);
      },
      // Until listed again, every check reads the namespace's quotas.
      lost: () => (counts = undefined),
    },
    stop.signal,
  );

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
