// get, list and watch.

import { badRequest } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { parseAccept, includeObjectParam } from '../negotiate.js';
import { json } from '../respond.js';
import { partialObjectMetadata, toTable } from '../table.js';
import type { ApiResponse } from '../types.js';
import {
  checkListOptions,
  checkResourceVersionParam,
  intParam,
  selectorsFor,
  type ResourceRequest,
} from './context.js';
import { checkContinue } from '../registry/continue.js';
import { apiVersionOf } from '../registry/keys.js';
import type { WatchEvent } from '../registry/generic.js';
import { boolParam } from '../query-params.js';

/** Drops managedFields unless asked for, as the server always sends them (kubectl hides them). */
export function render(r: ResourceRequest, obj: KubeObject): object {
  const accept = parseAccept(r.ctx.req.headers.accept);
  if (accept.table)
    return toTable(
      r.def,
      [obj],
      { resourceVersion: obj.metadata.resourceVersion ?? '' },
      { includeObject: includeObjectParam(r.query.get('includeObject')), now: r.ctx.now },
    );
  if (accept.partialMetadata) return partialObjectMetadata(obj);
  return obj;
}

export async function getObject(r: ResourceRequest): Promise<ApiResponse> {
  checkResourceVersionParam(r.query);
  const obj = await r.parts.registry.get(r.def, r.info.namespace, r.info.name);
  return json(200, render(r, obj));
}

export async function listObjects(r: ResourceRequest): Promise<ApiResponse> {
  checkListOptions(r.query, false);
  checkResourceVersionParam(r.query);
  const cont = r.query.get('continue');
  if (cont) {
    checkContinue(cont, r.parts.registry.store.currentRevision());
    const rv = r.query.get('resourceVersion');
    if (rv && rv !== '0')
      throw badRequest('specifying resource version is not allowed when using continue');
  }
  const limit = intParam(r.query, 'limit');
  const out = await r.parts.registry.list(r.def, {
    namespace: r.info.namespace,
    ...selectorsFor(r),
    ...(limit !== undefined ? { limit } : {}),
    ...(r.query.get('continue') ? { continue: r.query.get('continue') ?? '' } : {}),
    ...(r.query.get('resourceVersion') !== null
      ? { resourceVersion: r.query.get('resourceVersion') ?? '' }
      : {}),
    ...(r.query.get('resourceVersionMatch')
      ? { resourceVersionMatch: r.query.get('resourceVersionMatch') ?? '' }
      : {}),
  });
  const listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = {
    resourceVersion: out.resourceVersion,
  };
  if (out.continue) listMeta.continue = out.continue;
  if (out.remainingItemCount !== undefined) listMeta.remainingItemCount = out.remainingItemCount;
  const accept = parseAccept(r.ctx.req.headers.accept);
  if (accept.table) {
    return json(
      200,
      toTable(r.def, out.items, listMeta, {
        includeObject: includeObjectParam(r.query.get('includeObject')),
        now: r.ctx.now,
      }),
    );
  }
  if (accept.partialMetadata) {
    return json(200, {
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: listMeta,
      items: out.items.map(partialObjectMetadata),
    });
  }
  return json(200, {
    kind: r.def.listKind,
    apiVersion: apiVersionOf(r.def),
    metadata: listMeta,
    items: out.items,
  });
}

/** Server default for watches without timeoutSeconds (kube-apiserver's min-request-timeout). */
const DEFAULT_WATCH_SECONDS = 1800;
const BOOKMARK_EVERY_MS = 30_000;

export async function watchObjects(r: ResourceRequest): Promise<ApiResponse> {
  const accept = parseAccept(r.ctx.req.headers.accept);
  const timeoutSeconds = intParam(r.query, 'timeoutSeconds') ?? DEFAULT_WATCH_SECONDS;
  const bookmarks = boolParam(r.query, 'allowWatchBookmarks');
  const sendInitialEvents = boolParam(r.query, 'sendInitialEvents');
  checkListOptions(r.query, true);
  checkResourceVersionParam(r.query);
  if (accept.table) includeObjectParam(r.query.get('includeObject'));
  const sel = selectorsFor(r);
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  r.ctx.req.signal.addEventListener('abort', onAbort, { once: true });
  // A custom resource whose definition changes or goes away ends its watches, as kube's.
  r.def.servedUntil?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ac.abort(), Math.max(timeoutSeconds, 0) * 1000);
  // A watch of one object arrives as a field selector on metadata.name.
  const nameReq = sel.fieldSelector?.find((f) => f.field === 'metadata.name' && f.op === '=');
  const source = r.parts.registry.watch(r.def, {
    namespace: r.info.namespace,
    ...(r.info.name ? { name: r.info.name } : nameReq ? { name: nameReq.value } : {}),
    ...sel,
    ...(r.query.get('resourceVersion') !== null
      ? { resourceVersion: r.query.get('resourceVersion') ?? '' }
      : {}),
    sendInitialEvents,
    signal: ac.signal,
  });
  let lastRv = r.query.get('resourceVersion') ?? '';
  let firstTable = true;
  const encode = (ev: WatchEvent): string => {
    if (ev.type === 'ERROR')
      return JSON.stringify({ type: 'ERROR', object: ev.status.toStatus() }) + '\n';
    if (ev.type === 'BOOKMARK') {
      const metadata: Record<string, unknown> = { resourceVersion: ev.resourceVersion };
      if (ev.initialEventsEnd) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
      return (
        JSON.stringify({
          type: 'BOOKMARK',
          object: { kind: r.def.kind, apiVersion: apiVersionOf(r.def), metadata },
        }) + '\n'
      );
    }
    lastRv = ev.object.metadata.resourceVersion ?? lastRv;
    let object: object = ev.object;
    if (accept.table) {
      object = toTable(
        r.def,
        [ev.object],
        { resourceVersion: lastRv },
        {
          includeObject: includeObjectParam(r.query.get('includeObject')),
          noHeaders: !firstTable,
          now: new Date(),
        },
      );
      firstTable = false;
    } else if (accept.partialMetadata) object = partialObjectMetadata(ev.object);
    return JSON.stringify({ type: ev.type, object }) + '\n';
  };
  async function* stream(): AsyncGenerator<string> {
    const it = source[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<WatchEvent>> | undefined;
    try {
      for (;;) {
        pending ??= it.next();
        let tick: NodeJS.Timeout | undefined;
        const next = bookmarks
          ? await Promise.race([
              pending,
              new Promise<'tick'>(
                (res) => (tick = setTimeout(() => res('tick'), BOOKMARK_EVERY_MS)),
              ),
            ])
          : await pending;
        if (tick) clearTimeout(tick);
        if (next === 'tick') {
          if (lastRv)
            yield encode({
              type: 'BOOKMARK',
              resourceVersion: String(
                Math.max(Number(lastRv) || 0, r.parts.registry.store.currentRevision()),
              ),
            });
          continue;
        }
        pending = undefined;
        if (next.done) return;
        // Bookmarks, the initial-events-end one included, go only to clients that allow them.
        if (next.value.type === 'BOOKMARK' && !bookmarks) continue;
        yield encode(next.value);
      }
    } finally {
      clearTimeout(timer);
      r.ctx.req.signal.removeEventListener('abort', onAbort);
      r.def.servedUntil?.removeEventListener('abort', onAbort);
      ac.abort();
      void it.return?.(undefined);
    }
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, stream: stream() };
}
