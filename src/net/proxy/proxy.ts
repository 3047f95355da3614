// The service proxy as kube-proxy runs: informers on Services and EndpointSlices keep the
// map of service ports and the set of keys changed since the last sync; a bounded-frequency
// runner hands both to the mode chosen at start. Nothing is programmed before both caches
// are filled, so a restarted proxy never applies a partial view.

import { createInformer, resources, splitKey, type Client } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import { createHealthServer } from './health-server.js';
import { servicePorts, sliceServiceKey, updateService } from './state.js';
import { createSyncRunner } from './sync-runner.js';
import type { ModeOptions, ProxyMode, ProxyServicePort } from './types.js';

export type ProxyModeName = ProxyMode['name'];
export type ModeFactory = (o: ModeOptions) => ProxyMode;

export interface ServiceProxyOptions extends ModeOptions {
  client: Client;
  signal: AbortSignal;
  /** The modes this build has, by name. */
  modes: Partial<Record<ProxyModeName, ModeFactory>>;
  /** `--proxy-mode`; chosen by what the host allows when absent. */
  mode?: ProxyModeName;
  /** Tells whether nftables can be used here, or why not (for the automatic choice). */
  nftablesProblem: () => Promise<string | undefined>;
  /** Shortest time between two syncs (default 10 ms). */
  minSyncIntervalMs?: number;
  /** A sync runs at least this often even without changes (default 30 s, as kube-proxy). */
  syncPeriodMs?: number;
  /** Where health check node ports listen (default every address); false for none. */
  healthCheckHost?: string | false;
  /**
   * How long a change may wait for its sync before the proxy reports itself unhealthy
   * (default twice the sync period, as kube-proxy's healthz).
   */
  healthTimeoutMs?: number;
  /** ready() rejects once the first sync has failed this many times in a row (default 3). */
  firstSyncAttempts?: number;
}

export interface ServiceProxy {
  readonly mode: ProxyModeName;
  /**
   * Resolves once the first complete sync is live; rejects if that sync keeps failing
   * (`firstSyncAttempts` tries, a few seconds; the proxy keeps retrying until closed).
   */
  ready(): Promise<void>;
  /** As kube-proxy's healthz: false while a change has waited longer than the timeout. */
  healthy(): boolean;
  /** Resolves when every change seen so far is live (or failed and waits for a retry). */
  idle(): Promise<void>;
  /** Stops the proxy; `keepRules` leaves the data path in place (an agent restart). */
  close(keepRules?: boolean): Promise<void>;
}

/** The mode to run, with the reason in words for the log line. */
export async function chooseMode(
  o: Pick<ServiceProxyOptions, 'modes' | 'mode' | 'nftablesProblem'>,
): Promise<{ name: ProxyModeName; why: string }> {
  if (o.mode) {
    if (!o.modes[o.mode]) throw new Error(`proxy mode "${o.mode}" is not available in this build`);
    return { name: o.mode, why: 'as --proxy-mode asks' };
  }
  const problem = await o.nftablesProblem();
  if (!problem && o.modes.nftables) return { name: 'nftables', why: 'nftables works here' };
  if (o.modes.userspace)
    return { name: 'userspace', why: problem ?? 'the nftables mode is not available' };
  throw new Error(`no service proxy mode can run here: ${problem ?? 'none is available'}`);
}

export async function startServiceProxy(o: ServiceProxyOptions): Promise<ServiceProxy> {
  const log = o.logger.child('proxy');
  const chosen = await chooseMode(o);
  log.info(`service proxy mode: ${chosen.name} (${chosen.why})`);
  const factory = o.modes[chosen.name];
  if (!factory) throw new Error(`proxy mode "${chosen.name}" is not available`);
  const mode = factory({ ...o, logger: log });

  const state = new Map<string, ProxyServicePort>();
  let pending = new Set<string>();
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  const onError = (err: unknown): void => log.warn('watch failed; retrying', { err });
  const services = createInformer({
    client: o.client,
    resource: resources.services,
    signal,
    onError,
  });
  const slices = createInformer({
    client: o.client,
    resource: resources.endpointSlices,
    signal,
    onError,
  });
  const syncPeriodMs = o.syncPeriodMs ?? 30_000;
  const healthTimeoutMs = o.healthTimeoutMs ?? 2 * syncPeriodMs;
  // kube-proxy's oldestPendingQueued: since when a change (or a failed sync's repair) waits.
  let waitingSince: number | undefined;
  const healthy = (): boolean =>
    waitingSince === undefined || performance.now() - waitingSince < healthTimeoutMs;
  const health =
    o.healthCheckHost === false ? undefined : createHealthServer(log, o.healthCheckHost, healthy);
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const readyPromise = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  // Nobody may be waiting when the proxy is closed first.
  readyPromise.catch(() => undefined);
  let live = false;
  let firstFailures = 0;
  const firstSyncAttempts = o.firstSyncAttempts ?? 3;

  const runner = createSyncRunner(
    async () => {
      if (!services.hasSynced() || !slices.hasSynced()) return;
      const changed = pending;
      pending = new Set();
      const queuedAt = waitingSince;
      waitingSince = undefined;
      try {
        await mode.sync(state, changed);
      } catch (err) {
        for (const k of changed) pending.add(k);
        waitingSince = Math.min(queuedAt ?? performance.now(), waitingSince ?? Infinity);
        if (!live && ++firstFailures === firstSyncAttempts) {
          const msg = err instanceof Error ? err.message : String(err);
          rejectReady(new Error(`the ${mode.name} mode's first sync failed: ${msg}`));
        }
        throw err;
      }
      health?.sync(state.values());
      if (!live) {
        live = true;
        resolveReady();
      }
    },
    {
      minIntervalMs: o.minSyncIntervalMs ?? 10,
      onError: (err, ms) =>
        log.error('service rules not applied; retrying', { err, retryInMs: ms }),
    },
  );

  const refresh = (serviceKey: string): void => {
    const [ns, name] = splitKey(serviceKey);
    const svc = services.get(ns, name);
    const own = slices.list(ns).filter((s) => sliceServiceKey(s) === serviceKey);
    const ports = svc ? servicePorts(svc, own, o.node.name) : [];
    for (const k of updateService(state, serviceKey, ports)) pending.add(k);
    if (pending.size) {
      waitingSince ??= performance.now();
      runner.request();
    }
  };
  const svcKey = (s: KubeObject): string =>
    `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;
  services.on({
    add: (s) => refresh(svcKey(s)),
    update: (_, s) => refresh(svcKey(s)),
    delete: (s) => refresh(svcKey(s)),
  });
  const onSlice = (s: KubeObject): void => {
    const k = sliceServiceKey(s);
    if (k) refresh(k);
  };
  slices.on({ add: onSlice, update: (old, s) => (onSlice(old), onSlice(s)), delete: onSlice });
  void Promise.all([services.synced(), slices.synced()]).then(() => {
    // Both caches are whole: the first sync (every key) may run.
    for (const k of state.keys()) pending.add(k);
    runner.request();
  });

  // As kube-proxy's sync period: a sync without changes lets a mode do its periodic work
  // (the nftables mode's hourly full resync).
  const periodic = setInterval(() => runner.request(), syncPeriodMs);
  periodic.unref();

  let closing: Promise<void> | undefined;
  const close = (keepRules?: boolean): Promise<void> =>
    (closing ??= (async () => {
      stop.abort();
      clearInterval(periodic);
      runner.stop();
      await health?.close();
      await mode.close(keepRules);
    })());
  o.signal.addEventListener('abort', () => void close(true).catch(() => undefined), { once: true });

  return {
    mode: mode.name,
    ready: () => readyPromise,
    healthy,
    idle: () => runner.idle(),
    close,
  };
}
