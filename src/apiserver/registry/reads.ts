// Reads: list (with continue tokens and resourceVersion semantics) and watch, as
// k8s.io/apiserver's store and watch cache answer them.

import { ApiError, badRequest, expired, tooLargeResourceVersion } from '../../api/errors.js';
import type { KubeObject, ResourceDef } from '../../api/types.js';
import { StoreError, type StoreEvent } from '../../storage/index.js';
import { decodeContinue, encodeContinue } from './continue.js';
import { matches } from './fields.js';
import { objectKey, resourcePrefix } from './keys.js';
import type { ListOutcome, ListQuery, RegistryCore, WatchEvent, WatchQuery } from './types.js';

export async function listObjects(
  core: RegistryCore,
  def: ResourceDef,
  q: ListQuery,
): Promise<ListOutcome> {
  const prefix = resourcePrefix(def, q.namespace || undefined);
  let revision: number | undefined;
  let startAfter: string | undefined;
  if (q.continue) {
    const t = decodeContinue(q.continue);
    // A token whose revision was compacted away is refused, with one that goes on at the
    // newest revision instead (rv -1), for clients that accept an inconsistent list.
    if (t.rv !== -1 && t.rv < core.store.compactRevision())
      throw new ExpiredContinue(encodeContinue({ rv: -1, start: t.start }));
    if (t.rv !== -1) revision = t.rv;
    startAfter = prefix + t.start;
  } else if (q.resourceVersion && q.resourceVersion !== '0') {
    const rv = parseResourceVersion(q.resourceVersion);
    const current = core.store.currentRevision();
    if (q.resourceVersionMatch === 'Exact') {
      if (rv < core.store.compactRevision())
        throw expired(`too old resource version: ${rv} (${core.store.compactRevision()})`);
      revision = rv;
    } else if (rv > current) {
      // Clients (the reflector) recognise this by its cause and retry.
      throw tooLargeResourceVersion(rv, current);
    }
  }
  const limit = q.limit && q.limit > 0 ? q.limit : 0;
  const res = await core.store.list(prefix, {
    ...(revision !== undefined ? { revision } : {}),
    ...(startAfter ? { startAfter } : {}),
  });
  const items: KubeObject[] = [];
  let lastKey = '';
  let more = false;
  for (const kv of res.items) {
    const obj = core.codec.decodeShared(def, kv);
    if (!matches(def, obj, q)) continue;
    if (limit && items.length >= limit) {
      more = true;
      break;
    }
    items.push(obj);
    lastKey = kv.key;
  }
  const out: ListOutcome = { items, resourceVersion: String(res.revision) };
  if (more) {
    out.continue = encodeContinue({ rv: res.revision, start: lastKey.slice(prefix.length) });
    if (!q.labelSelector?.length && !q.fieldSelector?.length) {
      const idx = res.items.findIndex((kv) => kv.key === lastKey);
      out.remainingItemCount = res.items.length - idx - 1;
    }
  }
  return out;
}

/**
 * Events after `resourceVersion` (or the current state first, as ADDED events, when it is
 * absent or "0"), filtered by the query. An object that stops matching is sent as DELETED,
 * one that starts matching as ADDED, as the watch cache does.
 */
export async function* watchObjects(
  core: RegistryCore,
  def: ResourceDef,
  q: WatchQuery,
): AsyncGenerator<WatchEvent> {
  const prefix = q.name
    ? objectKey(def, q.namespace, q.name)
    : resourcePrefix(def, q.namespace || undefined);
  const exact = !!q.name;
  const filter = (o: KubeObject): boolean => matches(def, o, q);
  let after: number;
  const rvParam = q.resourceVersion ?? '';
  const initial = rvParam === '' || rvParam === '0' || q.sendInitialEvents === true;
  if (initial) {
    const listPrefix = exact ? objectKey(def, q.namespace, q.name ?? '') : prefix;
    const res = await core.store.list(listPrefix);
    after = res.revision;
    for (const kv of res.items) {
      if (exact && kv.key !== listPrefix) continue;
      const o = core.codec.decodeShared(def, kv);
      if (filter(o)) yield { type: 'ADDED', object: o };
    }
    if (q.sendInitialEvents)
      yield { type: 'BOOKMARK', resourceVersion: String(after), initialEventsEnd: true };
  } else {
    after = parseResourceVersion(rvParam);
  }
  let iter: AsyncIterable<StoreEvent>;
  try {
    iter = core.store.watch(exact ? prefix : prefix, { afterRevision: after, signal: q.signal });
    for await (const ev of iter) {
      if (exact && ev.kv.key !== prefix) continue;
      const cur = ev.type === 'delete' ? undefined : core.codec.decodeShared(def, ev.kv);
      const prev = ev.prev ? core.codec.decodeShared(def, ev.prev) : undefined;
      const curOk = cur ? filter(cur) : false;
      const prevOk = prev ? filter(prev) : false;
      if (ev.type === 'delete') {
        if (prevOk || (!prev && filter(core.codec.decode(def, ev.kv)))) {
          const gone = core.codec.decode(def, { ...ev.kv, value: ev.prev?.value ?? ev.kv.value });
          gone.metadata.resourceVersion = String(ev.kv.modRevision);
          yield { type: 'DELETED', object: gone };
        }
        continue;
      }
      if (!cur) continue;
      if (curOk && (ev.type === 'create' || !prevOk)) yield { type: 'ADDED', object: cur };
      else if (curOk) yield { type: 'MODIFIED', object: cur };
      else if (prevOk) yield { type: 'DELETED', object: cur };
    }
  } catch (e) {
    if (e instanceof StoreError && e.code === 'Compacted') {
      yield {
        type: 'ERROR',
        status: expired(
          `too old resource version: ${after} (${e.compactRevision ?? core.store.compactRevision()})`,
        ),
      };
      return;
    }
    if (q.signal.aborted) return;
    throw e;
  }
}

/** 410 for a continue token too old to list consistently, carrying a token to go on with. */
class ExpiredContinue extends ApiError {
  readonly continueToken: string;
  constructor(continueToken: string) {
    super(
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    );
    this.continueToken = continueToken;
  }
  override toStatus(): ReturnType<ApiError['toStatus']> {
    return { ...super.toStatus(), metadata: { continue: this.continueToken } };
  }
}

export function parseResourceVersion(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
    throw badRequest(`invalid resource version: ${JSON.stringify(v)}`);
  return n;
}
