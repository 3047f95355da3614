// The EndpointSlice controller (pkg/controller/endpointslice): for every service with a
// selector, EndpointSlices named `<service>-<random>` holding its pods as endpoints with
// ready/serving/terminating conditions, owned by the service.

import type { KubeObject } from '../../api/types.js';
import { createWorkQueue, keyOf, resources, splitKey } from '../../client/index.js';
import {
  createTriggerTimeTracker,
  hasSelector,
  selects,
  servicesForPod,
  servicesForPodUpdate,
  type Pod,
  type Service,
} from '../endpoints/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { CONTROLLER_NAME, createReconciler } from './reconciler.js';
import { SliceTracker, StaleCacheError } from './tracker.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, type EndpointSlice } from './types.js';

/** Slice changes made by others are looked at after this delay, to batch them. */
const SLICE_CHANGE_DELAY_MS = 1000;

export interface EndpointSliceControllerOptions {
  /** At most this many endpoints in one slice (kube-controller-manager's default is 100). */
  maxEndpointsPerSlice?: number;
}

export function createEndpointSliceController(o: EndpointSliceControllerOptions = {}): Controller {
  return {
    name: 'endpointslice-controller',
    start: (ctx) => start(ctx, o.maxEndpointsPerSlice ?? 100),
  };
}

function start(ctx: ControllerContext, maxEndpointsPerSlice: number): void {
  const services = ctx.informers.for<Service>(resources.services);
  const pods = ctx.informers.for<Pod>(resources.pods);
  const nodes = ctx.informers.for(resources.nodes);
  const slices = ctx.informers.for<EndpointSlice>(resources.endpointSlices);
  const recorder = ctx.recorder('endpoint-slice-controller');
  const tracker = new SliceTracker();
  const triggerTimes = createTriggerTimeTracker();
  const reconciler = createReconciler({
    client: ctx.client,
    tracker,
    maxEndpointsPerSlice,
    node: (name) => (name ? nodes.get('', name) : undefined),
  });
  // kube backs off from 1 s here; a shorter start keeps stale-cache retries quick.
  const queue = createWorkQueue({ baseDelayMs: 20, maxDelayMs: 1000_000 });

  const enqueue = (o: KubeObject): void => queue.add(keyOf(o));
  services.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
  const addAll = (keys: Set<string>): void => keys.forEach((k) => queue.add(k));
  pods.on({
    add: (p) => addAll(servicesForPod(services, p)),
    update: (old, cur) => addAll(servicesForPodUpdate(services, old, cur)),
    delete: (p) => addAll(servicesForPod(services, p)),
  });

  const managed = (s: EndpointSlice): boolean =>
    s.metadata.labels?.[LABEL_MANAGED_BY] === CONTROLLER_NAME;
  const serviceOf = (s: EndpointSlice): string | undefined => {
    const name = s.metadata.labels?.[LABEL_SERVICE_NAME];
    return name ? `${s.metadata.namespace}/${name}` : undefined;
  };
  const later = (s: EndpointSlice): void => {
    const key = serviceOf(s);
    if (key) queue.addAfter(key, SLICE_CHANGE_DELAY_MS);
  };
  slices.on({
    add: (s) => {
      if (managed(s) && tracker.shouldSync(s)) later(s);
    },
    update: (old, cur) => {
      if (serviceOf(old) !== serviceOf(cur)) {
        later(cur);
        later(old);
      } else if (managed(old) !== managed(cur) || (managed(cur) && tracker.shouldSync(cur)))
        later(cur);
    },
    delete: (s) => {
      if (managed(s) && tracker.has(s) && !tracker.handleDeletion(s)) later(s);
    },
  });

  const sync = async (key: string): Promise<void> => {
    const [ns, name] = splitKey(key);
    const svc = services.get(ns, name);
    if (!svc) {
      // The slices go with the service through their owner reference.
      triggerTimes.forget(ns, name);
      tracker.deleteService(key);
      return;
    }
    if (svc.spec?.type === 'ExternalName' || !hasSelector(svc)) return;

    const selected = pods.list(ns).filter((p) => selects(svc, p.metadata.labels));
    const existing = slices
      .list(ns)
      .filter(
        (s) =>
          s.metadata.labels?.[LABEL_SERVICE_NAME] === name &&
          managed(s) &&
          !s.metadata.deletionTimestamp,
      );
    if (tracker.stale(key, svc.metadata.uid ?? '', existing)) throw new StaleCacheError();
    const triggerTime = triggerTimes.compute(svc, selected);
    try {
      await reconciler.reconcile(svc, selected, existing, triggerTime);
    } catch (e) {
      recorder.event(
        { ...svc, apiVersion: 'v1', kind: 'Service' },
        'Warning',
        'FailedToUpdateEndpointSlices',
        `Error updating Endpoint Slices for Service ${ns}/${name}: ${e instanceof Error ? e.message : String(e)}`,
      );
      throw e;
    }
  };

  void (async () => {
    await Promise.all([services.synced(), pods.synced(), nodes.synced(), slices.synced()]);
    if (ctx.signal.aborted) return;
    await queue.run(4, sync, ctx.signal, (key, err) => {
      if (err instanceof StaleCacheError) ctx.logger.debug(err.message, { service: key });
      else ctx.logger.warn('endpoint slice sync failed', { service: key, err });
    });
  })();
}

export const endpointSliceController: Controller = createEndpointSliceController();
