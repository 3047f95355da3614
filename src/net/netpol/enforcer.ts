// Network policy enforcement on one node, as a network plugin's node agent does: informers
// on Pods, Namespaces and NetworkPolicies keep slim projections; a change asks for a sync
// that compiles the desired table and applies only its difference (a full table on the
// first sync and after a failure). Syncs never overlap; a failed one is retried with
// back-off. Nothing is programmed before all three caches have listed.

import { createInformer, resources, type Client } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import type { Logger } from '../../log/index.js';
import type { HostCommandRunner } from '../proxy/index.js';
import { compile } from './compile.js';
import { deleteTableScript, diffScript, fullScript } from './nft.js';
import { projectNamespace, projectPod, projectPolicy } from './projection.js';
import type { Desired, NpNamespace, NpPod, NpPolicy } from './types.js';

export interface NetworkPolicyOptions {
  client: Client;
  signal: AbortSignal;
  nodeName: string;
  logger: Logger;
  runner: HostCommandRunner;
  /** The network namespace to program (a path); the process's own when absent. */
  netns?: string;
  /**
   * Addresses of the node that stand for pods of a namespace in peer selection (cluster
   * DNS served on the node's address is the kube-system `k8s-app: kube-dns` endpoint).
   */
  hostEndpoints?: NpPod[];
  /** Shortest time between two syncs (default 10 ms). */
  minSyncIntervalMs?: number;
}

export interface NetworkPolicyEnforcer {
  /** Resolves once the first sync is live. */
  ready(): Promise<void>;
  /** Resolves when every change seen so far is applied (or failed and waits for a retry). */
  idle(): Promise<void>;
  /** Stops; `keepRules` leaves the table in place (an agent restart). */
  close(keepRules?: boolean): Promise<void>;
}

const key = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export function startNetworkPolicy(o: NetworkPolicyOptions): NetworkPolicyEnforcer {
  const log = o.logger.child('netpol');
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  const onError = (err: unknown): void => log.warn('watch failed; retrying', { err });
  const pods = new Map<string, NpPod>();
  const namespaces = new Map<string, NpNamespace>();
  const policies = new Map<string, NpPolicy>();

  const nft = async (script: string): Promise<void> => {
    const argv = ['nft', '-f', '-'];
    const full = o.netns ? ['nsenter', `--net=${o.netns}`, '--', ...argv] : argv;
    const r = await o.runner.run(full, { input: script, timeoutMs: 30_000 });
    if (r.code !== 0)
      throw new Error(`"nft -f -" failed: ${r.stderr.toString().trim() || `exit ${r.code}`}`);
  };

  let applied: Desired | undefined;
  let running = false;
  let again = false;
  let retryMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let idleWaiters: (() => void)[] = [];
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  let synced = false;

  const settle = (): void => {
    if (running || again || timer) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const f of w) f();
  };

  const sync = async (): Promise<void> => {
    const desired = compile({
      pods: [...pods.values(), ...(o.hostEndpoints ?? [])],
      namespaces,
      policies: [...policies.values()],
    });
    const script = applied ? diffScript(applied, desired) : fullScript(desired);
    if (script) await nft(script);
    if (!applied) log.info('network policy rules laid', { policies: policies.size });
    applied = desired;
  };

  const run = (): void => {
    if (!synced || running || signal.aborted) return;
    running = true;
    again = false;
    sync()
      .then(
        () => {
          retryMs = 0;
          resolveReady();
        },
        (err: unknown) => {
          applied = undefined; // the next sync lays the whole table
          retryMs = Math.min(retryMs ? retryMs * 2 : 1000, 30_000);
          log.error('network policy rules not applied; retrying', { err, retryInMs: retryMs });
          timer = setTimeout(() => {
            timer = undefined;
            request();
          }, retryMs);
          timer.unref();
        },
      )
      .finally(() => {
        running = false;
        if (again && !timer) setTimeout(run, o.minSyncIntervalMs ?? 10).unref();
        settle();
      });
  };

  function request(): void {
    again = true;
    if (!running && !timer) setTimeout(run, 0).unref();
  }

  const podInformer = createInformer({
    client: o.client,
    resource: resources.pods,
    signal,
    onError,
  });
  const nsInformer = createInformer({
    client: o.client,
    resource: resources.namespaces,
    signal,
    onError,
  });
  const npInformer = createInformer({
    client: o.client,
    resource: resources.networkPolicies,
    signal,
    onError,
  });
  const onPod = (p: KubeObject): void => {
    const projected = projectPod(p, o.nodeName);
    if (projected) pods.set(key(p), projected);
    else pods.delete(key(p));
    request();
  };
  podInformer.on({
    add: onPod,
    update: (_, p) => onPod(p),
    delete: (p) => (pods.delete(key(p)), request()),
  });
  const onNs = (n: KubeObject): void => {
    namespaces.set(n.metadata.name ?? '', projectNamespace(n));
    request();
  };
  nsInformer.on({
    add: onNs,
    update: (_, n) => onNs(n),
    delete: (n) => (namespaces.delete(n.metadata.name ?? ''), request()),
  });
  const onNp = (p: KubeObject): void => {
    policies.set(key(p), projectPolicy(p));
    request();
  };
  npInformer.on({
    add: onNp,
    update: (_, p) => onNp(p),
    delete: (p) => (policies.delete(key(p)), request()),
  });
  void Promise.all([podInformer.synced(), nsInformer.synced(), npInformer.synced()]).then(() => {
    synced = true;
    request();
  });

  let closing: Promise<void> | undefined;
  const close = (keepRules?: boolean): Promise<void> =>
    (closing ??= (async () => {
      stop.abort();
      clearTimeout(timer);
      timer = undefined;
      while (running) await new Promise((r) => setTimeout(r, 10));
      if (!keepRules) await nft(deleteTableScript()).catch(() => undefined);
    })());
  o.signal.addEventListener('abort', () => void close(true), { once: true });

  return {
    ready: () => ready,
    idle: () =>
      new Promise<void>((r) => {
        idleWaiters.push(r);
        settle();
      }),
    close,
  };
}
