// The endpoints controller (pkg/controller/endpoint): for every service with a selector, an
// Endpoints object of the same name listing the selected pods, ready ones under `addresses`
// and the rest under `notReadyAddresses`, grouped by the ports they serve.

import type { KubeObject } from '../../api/types.js';
import {
  createWorkQueue,
  isNotFound,
  keyOf,
  resources,
  splitKey,
  StatusError,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { hasSelector, isHeadless, selects, servicesForPod, servicesForPodUpdate } from './pods.js';
import { desiredSubsets, overCapacity, sameSubsets, truncate } from './subsets.js';
import { createTriggerTimeTracker } from './triggertime.js';
import {
  HEADLESS_LABEL,
  LAST_CHANGE_TRIGGER_TIME,
  LEADER_ANNOTATION,
  type Endpoints,
  type Pod,
  type Service,
} from './types.js';

const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';

/** An error that only means the informer has not caught up with our own last write. */
class StaleCacheError extends Error {}

const sameMap = (a: Record<string, string> = {}, b: Record<string, string> = {}): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
};

/** Whether a create failed only because the namespace is going away. */
const namespaceTerminating = (e: unknown): boolean =>
  e instanceof StatusError &&
  ((e.status['details'] as { causes?: { type?: string }[] } | undefined)?.causes ?? []).some(
    (c) => c.type === 'NamespaceTerminating',
  );

export const endpointsController: Controller = {
  name: 'endpoints-controller',
  start(ctx: ControllerContext) {
    const services = ctx.informers.for<Service>(resources.services);
    const pods = ctx.informers.for<Pod>(resources.pods);
    const endpoints = ctx.informers.for<Endpoints>(resources.endpoints);
    const recorder = ctx.recorder('endpoint-controller');
    const triggerTimes = createTriggerTimeTracker();
    // The resourceVersion we last replaced, per key: seeing it again means a stale cache.
    const replaced = new Map<string, string>();
    const queue = createWorkQueue({ baseDelayMs: 5, maxDelayMs: 1000_000 });

    const enqueue = (o: KubeObject): void => queue.add(keyOf(o));
    services.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
    // Pod changes are handled at once: a readiness flip must reach the endpoints promptly.
    const addAll = (keys: Set<string>): void => keys.forEach((k) => queue.add(k));
    pods.on({
      add: (p) => addAll(servicesForPod(services, p)),
      update: (o, n) => addAll(servicesForPodUpdate(services, o, n)),
      delete: (p) => addAll(servicesForPod(services, p)),
    });
    endpoints.on({ delete: enqueue });

    const sync = async (key: string): Promise<void> => {
      const [ns, name] = splitKey(key);
      const svc = services.get(ns, name);
      if (!svc) {
        // The service is gone: so are its endpoints.
        try {
          await ctx.client.delete(resources.endpoints, ns, name);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        triggerTimes.forget(ns, name);
        replaced.delete(key);
        return;
      }
      // ExternalName services get no endpoints; selector-less ones are managed by hand.
      if (svc.spec?.type === 'ExternalName' || !hasSelector(svc)) return;

      const selected = pods.list(ns).filter((p) => selects(svc, p.metadata.labels));
      const triggerTime = triggerTimes.compute(svc, selected);
      const subsets = desiredSubsets(svc, selected);

      const current = endpoints.get(ns, name);
      if (current && replaced.get(key) === current.metadata.resourceVersion)
        throw new StaleCacheError(
          `endpoints informer cache is out of date, resource version ${current.metadata.resourceVersion} already processed for endpoints ${key}`,
        );
      const svcLabels = svc.metadata.labels ?? {};
      if (current) {
        const { [HEADLESS_LABEL]: _h, ...labels } = current.metadata.labels ?? {};
        const capacityOK =
          !overCapacity(current.subsets ?? []) &&
          !(OVER_CAPACITY in (current.metadata.annotations ?? {}));
        if (sameSubsets(current.subsets, subsets) && sameMap(labels, svcLabels) && capacityOK)
          return;
      }

      const annotations = { ...(current?.metadata.annotations ?? {}) };
      if (triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = triggerTime;
      else delete annotations[LAST_CHANGE_TRIGGER_TIME];
      if (truncate(subsets)) annotations[OVER_CAPACITY] = 'truncated';
      else delete annotations[OVER_CAPACITY];
      const labels = { ...svcLabels };
      if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
      else delete labels[HEADLESS_LABEL];

      const desired: Endpoints = {
        ...(current ?? {}),
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: {
          ...(current?.metadata ?? { name, namespace: ns }),
          labels,
          annotations,
        },
        subsets,
      };
      // Empty lists are left out, as kube's omitempty serialization does.
      if (subsets.length === 0) delete desired.subsets;
      if (Object.keys(annotations).length === 0) delete desired.metadata.annotations;
      try {
        if (!current) {
          await ctx.client.create(resources.endpoints, ns, desired);
        } else {
          const updated = await ctx.client.update<Endpoints>(resources.endpoints, desired);
          if (updated.metadata.resourceVersion !== current.metadata.resourceVersion)
            replaced.set(key, current.metadata.resourceVersion ?? '');
        }
      } catch (e) {
        // Creates in a terminating namespace keep failing; drop the key.
        if (!current && namespaceTerminating(e)) return;
        const msg = e instanceof Error ? e.message : String(e);
        if (!current)
          recorder.event(
            desired,
            'Warning',
            'FailedToCreateEndpoint',
            `Failed to create endpoint for service ${ns}/${name}: ${msg}`,
          );
        else
          recorder.event(
            desired,
            'Warning',
            'FailedToUpdateEndpoint',
            `Failed to update endpoint ${ns}/${name}: ${msg}`,
          );
        throw e;
      }
    };

    void (async () => {
      await Promise.all([services.synced(), pods.synced(), endpoints.synced()]);
      if (ctx.signal.aborted) return;
      // Endpoints left behind by services deleted while no controller ran.
      for (const ep of endpoints.list())
        if (!(LEADER_ANNOTATION in (ep.metadata.annotations ?? {}))) enqueue(ep);
      await queue.run(4, sync, ctx.signal, (key, err) => {
        if (err instanceof StaleCacheError) ctx.logger.debug(err.message);
        else ctx.logger.warn('endpoints sync failed', { service: key, err });
      });
    })();
  },
};
