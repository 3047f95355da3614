// The ingress controller, an API client like every component: informers on Ingresses,
// IngressClasses, Services, EndpointSlices and Secrets; any change recomputes the routing
// table (bounded-frequency runner, min 10 ms apart) and hands it to the data plane. It
// writes the node's address into status.loadBalancer.ingress of the Ingresses it serves
// and reports problems as Warning events on the Ingress, once per problem.

import {
  createEventRecorder,
  createInformer,
  resources,
  type Client,
  type ResourceRef,
} from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import type { Logger } from '../../log/index.js';
import { createSyncRunner } from '../proxy/sync-runner.js';
import { buildRoutes, ownerOf } from './routes.js';
import { refusalProblem } from './refusals.js';
import type { RoutingTable } from './types.js';
import { certificateFromSecret, type LocalIssuer } from './tls.js';
import type { DataPlane } from './nginx.js';

/** spec.controller of the IngressClasses this controller serves. */
export const INGRESS_CONTROLLER_NAME = 'skiff.dev/ingress-controller';
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** At most one event per Ingress, host and kind of refusal in this long (a flood is one). */
const REFUSAL_EVENT_INTERVAL_MS = 10_000;

const ingressClasses: ResourceRef = {
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'ingressclasses',
  namespaced: false,
};

export interface IngressControllerOptions {
  client: Client;
  signal: AbortSignal;
  logger: Logger;
  nodeName: string;
  /** The address written into status.loadBalancer.ingress. */
  nodeIP: string;
  dataPlane: DataPlane;
  issuer: LocalIssuer;
  minSyncIntervalMs?: number;
}

export interface IngressController {
  /** Resolves once the first complete table is live. */
  ready(): Promise<void>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Whether an Ingress is ours: its class is one of ours, or it has none and ours is default. */
export function isOurs(ing: KubeObject, classes: readonly KubeObject[]): boolean {
  const ours = classes.filter(
    (c) =>
      (c['spec'] as { controller?: string } | undefined)?.controller === INGRESS_CONTROLLER_NAME,
  );
  const className =
    (ing['spec'] as { ingressClassName?: string } | undefined)?.ingressClassName ??
    ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  if (className) return ours.some((c) => c.metadata.name === className);
  // As ingress-nginx's --watch-ingress-without-class while our class is the default.
  return ours.some((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
}

export function startIngressController(o: IngressControllerOptions): IngressController {
  const log = o.logger.child('ingress');
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  const onError = (err: unknown): void => log.warn('watch failed; retrying', { err });
  const inform = (resource: ResourceRef) =>
    createInformer({ client: o.client, resource, signal, onError });
  const ingresses = inform(resources.ingresses);
  const classes = inform(ingressClasses);
  const services = inform(resources.services);
  const slices = inform(resources.endpointSlices);
  const secrets = inform(resources.secrets);
  const all = [ingresses, classes, services, slices, secrets];
  const recorder = createEventRecorder(
    o.client,
    'skiff-ingress-controller',
    { now: () => new Date() },
    log,
    o.nodeName,
  );
  const reported = new Set<string>();
  const statusWritten = new Map<string, string>();
  let resolveReady!: () => void;
  let rejectReady!: (err: unknown) => void;
  const readyPromise = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  readyPromise.catch(() => undefined); // a caller that never asks is not an unhandled rejection
  let live = false;
  let lastTable: RoutingTable | undefined;

  const writeStatus = async (ing: KubeObject): Promise<void> => {
    const key = `${ing.metadata.namespace ?? ''}/${ing.metadata.name ?? ''}`;
    const current =
      (ing['status'] as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)
        ?.loadBalancer?.ingress ?? [];
    if (current.some((e) => e.ip === o.nodeIP)) return;
    if (statusWritten.get(key) === ing.metadata.uid) return;
    // Other nodes' controllers keep theirs: this one adds its own address.
    const ips = [...new Set([...current.flatMap((e) => (e.ip ? [e.ip] : [])), o.nodeIP])].sort();
    try {
      await o.client.patch(
        resources.ingresses,
        ing.metadata.namespace ?? '',
        ing.metadata.name ?? '',
        'merge',
        { status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } },
        { subresource: 'status' },
      );
      statusWritten.set(key, ing.metadata.uid ?? '');
    } catch (err) {
      log.warn('ingress status not written', { ingress: key, err });
    }
  };

  const runner = createSyncRunner(
    async () => {
      if (!all.every((i) => i.hasSynced())) return;
      const classList = classes.list('');
      const ours = ingresses
        .list('')
        .filter((i) => !i.metadata.deletionTimestamp && isOurs(i, classList));
      const table = buildRoutes(ours, {
        service: (ns, name) => services.get(ns, name),
        slices: (ns, name) =>
          slices.list(ns).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name),
        certificate: (ns, secretName, host) => {
          if (!secretName) return o.issuer.forHost(host);
          const secret = secrets.get(ns, secretName);
          if (!secret) return { problem: `secret "${ns}/${secretName}" not found` };
          return certificateFromSecret(secret, host);
        },
        defaultCertificate: o.issuer.defaultCertificate,
      });
      try {
        await o.dataPlane.apply(table);
      } catch (err) {
        // The first configuration failing (nginx cannot bind its ports…) fails the start;
        // later failures keep the last good one serving and are retried.
        if (!live) rejectReady(err);
        throw err;
      }
      lastTable = table;
      if (!live) {
        live = true;
        resolveReady();
      }
      for (const p of table.problems) {
        const ing = ingresses.get(p.namespace, p.name);
        const key = `${ing?.metadata.uid ?? ''}\0${p.reason}\0${p.message}`;
        if (!ing || reported.has(key)) continue;
        reported.add(key);
        log.warn('ingress problem', { ingress: `${p.namespace}/${p.name}`, problem: p.message });
        recorder.event(ing, 'Warning', p.reason, p.message);
      }
      await Promise.all(ours.map(writeStatus));
    },
    {
      minIntervalMs: o.minSyncIntervalMs ?? 10,
      onError: (err, ms) =>
        log.error('ingress configuration not applied; retrying', { err, retryInMs: ms }),
    },
  );
  // Requests refused as too large: an event on the Ingress that routes them, as for any
  // other problem; nothing else changes (other requests were never affected).
  const refusalsReported = new Map<string, number>();
  o.dataPlane.onRefusal((r) => {
    const problem = refusalProblem(r);
    const owner = lastTable && ownerOf(lastTable, r.host, r.uri);
    if (!problem || !owner) return;
    const slash = owner.indexOf('/');
    const ing = ingresses.get(owner.slice(0, slash), owner.slice(slash + 1));
    if (!ing) return;
    const key = `${ing.metadata.uid ?? ''}\0${problem.reason}\0${problem.message}`;
    const now = Date.now();
    if (now - (refusalsReported.get(key) ?? -Infinity) < REFUSAL_EVENT_INTERVAL_MS) return;
    // Hosts come from clients: forget what is past its interval, so made-up names don't pile up.
    if (refusalsReported.size >= 1024)
      for (const [k, at] of refusalsReported)
        if (now - at >= REFUSAL_EVENT_INTERVAL_MS) refusalsReported.delete(k);
    refusalsReported.set(key, now);
    log.warn('request refused', { ingress: owner, status: r.status, host: r.host });
    recorder.event(ing, 'Warning', problem.reason, problem.message);
  });
  const request = (): void => runner.request();
  for (const inf of all) inf.on({ add: request, update: request, delete: request });
  void Promise.all(all.map((i) => i.synced())).then(request);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      stop.abort();
      runner.stop();
      await o.dataPlane.close();
    })());
  o.signal.addEventListener('abort', () => void close().catch(() => undefined), { once: true });
  return { ready: () => readyPromise, idle: () => runner.idle(), close };
}
