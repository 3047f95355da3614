// Watches under a budget. A browser opens at most six HTTP/1.1 connections to one origin,
// for all its tabs together, and the seed's address (through `kubectl proxy`) is HTTP/1.1:
// every watch holds one connection for as long as it runs, so a page with eight lists (or
// two tabs with four) would starve its own requests forever. So only three collections are
// watched at once across the tabs of the origin (the places are Web Locks, which every tab
// sees; those asked for first take them: a page's main list); the others are listed again
// every few seconds, and take a place as soon as one is free. A list the server refuses
// (403) or does not serve (404) gives its place up and is asked again rarely. Over HTTP/2
// (one connection, many streams) each tab has a large budget of its own.

import { ApiError } from '../api/client.js';
import type { ListState } from '../api/reducer.js';
import { followList, listAll } from '../api/watch.js';

interface Budget {
  places: number;
  /** Shared by the origin's tabs (Web Locks), or counted in this tab only. */
  shared: boolean;
}

function streamBudget(): Budget {
  const nav =
    typeof performance === 'undefined'
      ? undefined
      : (performance.getEntriesByType?.('navigation')[0] as
          PerformanceNavigationTiming | undefined);
  const proto = nav?.nextHopProtocol ?? '';
  if (proto === 'h2' || proto === 'h3') return { places: 40, shared: false };
  const locks = typeof navigator !== 'undefined' && 'locks' in navigator;
  // Three of six connections: the others stay free for requests (lists, reviews, metrics).
  return { places: 3, shared: locks };
}

const POLL_MS = 4_000;
const REFUSED_POLL_MS = 30_000;
const LOCK_PREFIX = 'skiff.dashboard.watch.';

let budget: Budget | undefined;
let streamingHere = 0;
/** This tab's pollers waiting for a place, oldest first. */
const waiting: Follower[] = [];

interface Place {
  release(): void;
}

/** A place to watch from, if one is free now (never waits). */
async function takePlace(): Promise<Place | undefined> {
  budget ??= streamBudget();
  if (!budget.shared) {
    if (streamingHere >= budget.places) return undefined;
    streamingHere++;
    return { release: () => void streamingHere-- };
  }
  for (let i = 0; i < budget.places; i++) {
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    const got = await new Promise<boolean>((resolve) => {
      void navigator.locks.request(`${LOCK_PREFIX}${i}`, { ifAvailable: true }, async (lock) => {
        resolve(Boolean(lock));
        if (lock) await held;
      });
    });
    if (got) return { release };
  }
  return undefined;
}

export interface FollowHandlers {
  onState(state: ListState): void;
  onError(error: ApiError | undefined): void;
}

const refused = (e: ApiError | undefined): boolean => e?.code === 403 || e?.code === 404;

class Follower {
  private readonly path: string;
  private readonly query: string;
  private readonly h: FollowHandlers;
  private place: Place | undefined;
  private stopStream: (() => void) | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  private asking = false;

  constructor(path: string, query: string, h: FollowHandlers) {
    this.path = path;
    this.query = query;
    this.h = h;
  }

  async start(): Promise<void> {
    if (!(await this.tryStream())) this.poll(true);
  }

  stop(): void {
    this.stopped = true;
    this.stopPolling();
    const i = waiting.indexOf(this);
    if (i >= 0) waiting.splice(i, 1);
    this.releasePlace();
  }

  /** Watches if a place is free (stopping the polls); false when none is. */
  async tryStream(): Promise<boolean> {
    if (this.asking || this.place || this.stopped) return Boolean(this.place);
    this.asking = true;
    const place = await takePlace();
    this.asking = false;
    if (!place) return false;
    if (this.stopped) {
      place.release();
      return false;
    }
    const i = waiting.indexOf(this);
    if (i >= 0) waiting.splice(i, 1);
    this.stopPolling();
    this.place = place;
    this.stopStream = followList({
      path: this.path,
      query: this.query,
      onState: this.h.onState,
      onError: (e) => {
        this.h.onError(e);
        if (refused(e) && !this.stopped) {
          // Refused or not served: no use holding a place for it.
          this.releasePlace();
          this.poll(false, e);
        }
      },
    });
    return true;
  }

  private releasePlace(): void {
    if (!this.place) return;
    this.stopStream?.();
    this.stopStream = undefined;
    this.place.release();
    this.place = undefined;
    // The place freed goes to this tab's oldest poller (other tabs' take it on their next poll).
    const next = waiting.shift();
    if (next) void next.tryStream();
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
      const abort = new AbortController();
      this.abort = abort;
      try {
        const state = await listAll(this.path, this.query, abort.signal);
        if (this.stopped || abort.signal.aborted) return;
        this.h.onState(state);
        this.h.onError(undefined);
        if (await this.tryStream()) return;
        if (this.stopped) return;
        if (!waiting.includes(this)) waiting.push(this);
        again(POLL_MS);
      } catch (e) {
        if (this.stopped || abort.signal.aborted) return;
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
  void f.start();
  return () => f.stop();
}
