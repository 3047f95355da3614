// Network policy enforcement on one node, as a network plugin's node agent does: informers
// on Pods, Namespaces and NetworkPolicies keep slim projections; a change asks for a sync
// that compiles the desired table and applies only its difference (a full table on the
// first sync and after a failure). Syncs run as the service proxy's do (its bounded-frequency
// runner: never two at once, a failed one retried with back-off). Nothing is programmed
// before all three caches have listed.

import { createInformer, resources, type Client } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import type { Logger } from '../../log/index.js';
import { createSyncRunner, type HostCommandRunner } from '../proxy/index.js';
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
  let synced = false;
  /** The sync under way, awaited by close before the table is deleted. */
  let syncing: Promise<void> = Promise.resolve();

  const sync = async (): Promise<void> => {
    const desired = compile({
      pods: [...pods.values(), ...(o.hostEndpoints ?? [])],
      namespaces,
      policies: [...policies.values()],
    });
    const script = applied ? diffScript(applied, desired) : fullScript(desired);
    try {
      if (script) await nft(script);
    } catch (err) {
      applied = undefined; // the next sync lays the whole table
      throw err;
    }
    if (!applied) log.info('network policy rules laid', { policies: policies.size });
    applied = desired;
  };
  const runner = createSyncRunner(() => (syncing = sync()), {
    minIntervalMs: o.minSyncIntervalMs ?? 10,
    onError: (err, retryInMs) =>
      log.error('network policy rules not applied; retrying', { err, retryInMs }),
  });
  const request = (): void => {
    if (synced && !signal.aborted) runner.request();
  };

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
      runner.stop();
      await syncing.catch(() => undefined);
      if (!keepRules) await nft(deleteTableScript()).catch(() => undefined);
    })());
  o.signal.addEventListener('abort', () => void close(true), { once: true });

  return { close };
}
