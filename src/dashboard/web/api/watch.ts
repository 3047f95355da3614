// List, then watch from the list's resourceVersion, as client-go's reflector does: on a
// dropped stream it watches again from the last version seen; on 410 Gone (the version
// has been compacted) it lists again. Errors back off up to 10 s and are reported, so a
// page can say "reconnecting" and keep what it shows.

import { ApiError, api, apiRaw } from './client.js';
import { applyEvents, fromList, type KObject, type ListState, type WatchEvent } from './reducer.js';

export interface FollowOptions {
  /** Collection path, e.g. /api/v1/namespaces/default/pods. */
  path: string;
  /** Extra query (labelSelector, fieldSelector), without `?`. */
  query?: string;
  onState(state: ListState): void;
  /** An error (undefined once the list is flowing again). */
  onError(error: ApiError | undefined): void;
}

const PAGE = 500;

/** Every object of a collection, in pages of 500, and the list's resourceVersion. */
export async function listAll(
  path: string,
  query: string,
  signal: AbortSignal,
): Promise<ListState> {
  const items: KObject[] = [];
  let cont = '';
  let rv = '';
  do {
    const q = [query, `limit=${PAGE}`, cont && `continue=${encodeURIComponent(cont)}`]
      .filter(Boolean)
      .join('&');
    const list = await api<{
      items: KObject[];
      metadata: { resourceVersion: string; continue?: string };
    }>(`${path}?${q}`, { signal });
    items.push(...list.items);
    rv = list.metadata.resourceVersion;
    cont = list.metadata.continue ?? '';
  } while (cont);
  return fromList(items, rv);
}

/** Starts following; returns the function that stops it. */
export function followList(o: FollowOptions): () => void {
  const abort = new AbortController();
  const { signal } = abort;
  const query = o.query ?? '';
  let backoff = 500;

  const run = async (): Promise<void> => {
    let state: ListState | undefined;
    while (!signal.aborted) {
      try {
        if (!state) {
          state = await listAll(o.path, query, signal);
          o.onState(state);
          o.onError(undefined);
        }
        state = await watchFrom(o.path, query, state, signal, {
          // The server took the watch again after a drop: the list is live again.
          connected: () => {
            backoff = 500;
            o.onError(undefined);
          },
          publish: (s) => o.onState(s),
        });
        // The stream ended (server timeout, proxy restart): watch again from where it was.
      } catch (e) {
        if (signal.aborted) return;
        const err =
          e instanceof ApiError
            ? e
            : new ApiError({
                code: 0,
                reason: 'NetworkError',
                message: String((e as Error)?.message ?? e),
              });
        if (err.code === 410) {
          state = undefined; // compacted: list again at once
          continue;
        }
        o.onError(err);
        // Forbidden or not found will not mend by retrying fast.
        await sleep(err.code === 403 || err.code === 404 ? 10_000 : backoff, signal);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  };
  void run();
  return () => abort.abort();
}

/** Reads one watch stream, applying events a frame at a time; returns the last state. */
async function watchFrom(
  path: string,
  query: string,
  start: ListState,
  signal: AbortSignal,
  on: { connected(): void; publish(s: ListState): void },
): Promise<ListState> {
  const publish = on.publish;
  const q = [
    query,
    'watch=1',
    'allowWatchBookmarks=true',
    `resourceVersion=${start.resourceVersion}`,
  ]
    .filter(Boolean)
    .join('&');
  const res = await apiRaw(`${path}?${q}`, { signal });
  if (!res.body)
    throw new ApiError({ code: 0, reason: 'NetworkError', message: 'no response body' });
  on.connected();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let state = start;
  let buffered = '';
  let pending: WatchEvent[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (!pending.length) return;
    state = applyEvents(state, pending);
    pending = [];
    publish(state);
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        const ev = JSON.parse(line) as WatchEvent;
        if (ev.type === 'ERROR') {
          flush();
          const st = ev.object ?? {};
          throw new ApiError({
            code: st.code ?? 500,
            reason: st.reason ?? 'InternalError',
            message: st.message ?? 'watch error',
          });
        }
        pending.push(ev);
        if (!scheduled) {
          scheduled = true;
          requestAnimationFrame(flush);
        }
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  flush();
  return state;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
