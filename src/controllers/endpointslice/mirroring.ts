// The EndpointSlice mirroring controller (pkg/controller/endpointslicemirroring): Endpoints
// written by hand for services without a selector are mirrored into EndpointSlices managed
// by `endpointslicemirroring-controller.k8s.io`, one slice per subset and address type.

import type { KubeObject } from '../../api/types.js';
import { createWorkQueue, isNotFound, keyOf, resources, splitKey } from '../../client/index.js';
import {
  hasSelector,
  LEADER_ANNOTATION,
  type Endpoints,
  type Service,
} from '../endpoints/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { createMirroringReconciler, MIRRORING_CONTROLLER_NAME } from './mirroringreconciler.js';
import { SliceTracker, StaleCacheError } from './tracker.js';
import {
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  LABEL_SKIP_MIRROR,
  type EndpointSlice,
} from './types.js';

export interface MirroringControllerOptions {
  /** At most this many addresses of one subset are mirrored (kube's default is 1000). */
  maxEndpointsPerSubset?: number;
}

/** Endpoints are mirrored unless labelled skip-mirror or used as a leader-election lock. */
const shouldMirror = (ep: Endpoints): boolean =>
  ep.metadata.labels?.[LABEL_SKIP_MIRROR] !== 'true' &&
  !(LEADER_ANNOTATION in (ep.metadata.annotations ?? {}));

export function createEndpointSliceMirroringController(
  o: MirroringControllerOptions = {},
): Controller {
  return {
    name: 'endpointslicemirroring-controller',
    start: (ctx) => start(ctx, o.maxEndpointsPerSubset ?? 1000),
  };
}

function start(ctx: ControllerContext, maxEndpointsPerSubset: number): void {
  const services = ctx.informers.for<Service>(resources.services);
  const endpoints = ctx.informers.for<Endpoints>(resources.endpoints);
  const slices = ctx.informers.for<EndpointSlice>(resources.endpointSlices);
  const recorder = ctx.recorder('endpoint-slice-mirroring-controller');
  const tracker = new SliceTracker();
  const reconciler = createMirroringReconciler({
    client: ctx.client,
    tracker,
    recorder,
    maxEndpointsPerSubset,
  });
  const queue = createWorkQueue({ baseDelayMs: 20, maxDelayMs: 100_000 });
  const enqueue = (x: KubeObject): void => queue.add(keyOf(x));

  services.on({
    add: (s) => {
      if (!hasSelector(s)) enqueue(s);
    },
    update: (old, cur) => {
      if (hasSelector(old) !== hasSelector(cur)) enqueue(cur);
    },
    delete: (s) => {
      if (!hasSelector(s)) enqueue(s);
    },
  });
  endpoints.on({
    add: (ep) => {
      if (shouldMirror(ep)) enqueue(ep);
    },
    update: (old, cur) => {
      if (shouldMirror(old) || shouldMirror(cur)) enqueue(cur);
    },
    delete: (ep) => {
      if (shouldMirror(ep)) enqueue(ep);
    },
  });
  const managed = (s: EndpointSlice): boolean =>
    s.metadata.labels?.[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME;
  const endpointsOf = (s: EndpointSlice): string | undefined => {
    const name = s.metadata.labels?.[LABEL_SERVICE_NAME];
    return name ? `${s.metadata.namespace}/${name}` : undefined;
  };
  const requeue = (s: EndpointSlice): void => {
    const key = endpointsOf(s);
    if (key) queue.add(key);
  };
  slices.on({
    add: (s) => {
      if (managed(s) && tracker.shouldSync(s)) requeue(s);
    },
    update: (old, cur) => {
      if (endpointsOf(old) !== endpointsOf(cur)) {
        requeue(cur);
        requeue(old);
      } else if (managed(old) !== managed(cur) || (managed(cur) && tracker.shouldSync(cur)))
        requeue(cur);
    },
    delete: (s) => {
      if (managed(s) && tracker.has(s) && !tracker.handleDeletion(s)) requeue(s);
    },
  });

  const mirrored = (ns: string, name: string): EndpointSlice[] =>
    slices.list(ns).filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === name && managed(s));

  async function deleteMirrored(ns: string, name: string): Promise<void> {
    tracker.deleteService(`${ns}/${name}`);
    const doomed = mirrored(ns, name);
    const errs: string[] = [];
    for (const s of doomed) {
      try {
        await ctx.client.delete(resources.endpointSlices, ns, s.metadata.name ?? '');
      } catch (e) {
        if (!isNotFound(e)) errs.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (errs.length)
      throw new Error(
        `error(s) deleting ${errs.length}/${doomed.length} EndpointSlices for ${ns}/${name} Endpoints, including: ${errs[0]}`,
      );
  }

  const sync = async (key: string): Promise<void> => {
    const [ns, name] = splitKey(key);
    const ep = endpoints.get(ns, name);
    const svc = services.get(ns, name);
    // Nothing (any longer) to mirror: no Endpoints, opted out, no service, or a selector
    // (whose slices the EndpointSlice controller writes).
    if (!ep || !shouldMirror(ep) || !svc || hasSelector(svc)) return deleteMirrored(ns, name);
    const existing = mirrored(ns, name);
    if (tracker.stale(key, svc.metadata.uid ?? '', existing)) throw new StaleCacheError();
    await reconciler.reconcile(ep, existing);
  };

  void (async () => {
    await Promise.all([services.synced(), endpoints.synced(), slices.synced()]);
    if (ctx.signal.aborted) return;
    await queue.run(2, sync, ctx.signal, (key, err) => {
      if (err instanceof StaleCacheError) ctx.logger.debug(err.message, { endpoints: key });
      else ctx.logger.warn('mirroring EndpointSlices failed', { endpoints: key, err });
    });
  })();
}

export const endpointSliceMirroringController: Controller =
  createEndpointSliceMirroringController();
