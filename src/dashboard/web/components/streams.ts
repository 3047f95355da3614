// Watches under a budget. A browser opens at most six HTTP/1.1 connections to one origin, and
// the seed's address (through `kubectl proxy`) is HTTP/1.1: every watch holds one connection
// for as long as it runs, so a page with eight lists would starve its own requests (and its
// ninth list) forever. So only a few collections are watched at once (those asked for first:
// a page's main list); the others are listed again every few seconds, and take the place of
// a watch that ends. A list the server refuses (403) or does not serve (404) gives its place
// up and is asked again rarely. Over HTTP/2 (one connection, many streams) the budget is large.

import { api, ApiError } from '../api/client.js';
import { fromList, type KObject, type ListState } from '../api/reducer.js';
import { followList } from '../api/watch.js';

function streamBudget(): number {
  if (typeof performance === 'undefined') return 3;
  const nav = performance.getEntriesByType?.('navigation')[0] as
    PerformanceNavigationTiming | undefined;
  const proto = nav?.nextHopProtocol ?? '';
  // One connection is the namespace selector's watch, two stay free for requests.
  return proto === 'h2' || proto === 'h3' ? 40 : 3;
}

const POLL_MS = 4_000;
const REFUSED_POLL_MS = 30_000;
const PAGE = 500;

let budget: number | undefined;
let streaming = 0;
/** Pollers waiting for a place, oldest first. */
const waiting: Follower[] = [];

export interface FollowHandlers {
  onState(state: ListState): void;
  onError(error: ApiError | undefined): void;
}

async function listOnce(path: string, query: string, signal: AbortSignal): Promise<ListState> {
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

const refused = (e: ApiError | undefined): boolean => e?.code === 403 || e?.code === 404;

class Follower {
  private stopStream: (() => void) | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private abort: AbortController | undefined;
  private stopped = false;

  private readonly path: string;
  private readonly query: string;
  private readonly h: FollowHandlers;

  constructor(path: string, query: string, h: FollowHandlers) {
    this.path = path;
    this.query = query;
    this.h = h;
  }

  start(): void {
    budget ??= streamBudget();
    if (streaming < budget) this.stream();
    else this.poll(true);
  }

  stop(): void {
    this.stopped = true;
    this.stopPolling();
    const i = waiting.indexOf(this);
    if (i >= 0) waiting.splice(i, 1);
    if (this.stopStream) this.releaseStream();
  }

  /** Takes a place: stops polling and watches. */
  promote(): void {
    this.stopPolling();
    this.stream();
  }

  private stream(): void {
    streaming++;
    this.stopStream = followList({
      path: this.path,
      query: this.query,
      onState: this.h.onState,
      onError: (e) => {
        this.h.onError(e);
        if (refused(e) && !this.stopped) {
          // Refused or not served: no use holding a place for it.
          this.releaseStream();
          this.poll(false, e);
        }
      },
    });
  }

  private releaseStream(): void {
    this.stopStream?.();
    this.stopStream = undefined;
    streaming--;
    const next = waiting.shift();
    next?.promote();
  }

  private stopPolling(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.abort?.abort();
    this.abort = undefined;
  }

  private poll(now: boolean, lastError?: ApiError): void {
    const again = (delay: number): void => {
      this.pollTimer = setTimeout(() => void once(), delay);
    };
    const once = async (): Promise<void> => {
      this.abort = new AbortController();
      try {
        const state = await listOnce(this.path, this.query, this.abort.signal);
        if (this.stopped) return;
        this.h.onState(state);
        this.h.onError(undefined);
        budget ??= streamBudget();
        if (streaming < budget) return this.promote();
        if (!waiting.includes(this)) waiting.push(this);
        again(POLL_MS);
      } catch (e) {
        if (this.stopped || this.abort?.signal.aborted) return;
        const err =
          e instanceof ApiError
            ? e
            : new ApiError({ code: 0, reason: 'NetworkError', message: String(e) });
        this.h.onError(err);
        again(refused(err) ? REFUSED_POLL_MS : POLL_MS);
      }
    };
    if (now) void once();
    else again(refused(lastError) ? REFUSED_POLL_MS : POLL_MS);
  }
}

/** Follows a collection (watched when there is a place, listed every few seconds otherwise). */
export function follow(path: string, query: string, h: FollowHandlers): () => void {
  const f = new Follower(path, query, h);
  f.start();
  return () => f.stop();
}
