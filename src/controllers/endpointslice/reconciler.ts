// The EndpointSlice reconciler (k8s.io/endpointslice's Reconciler): compares the endpoints
// the selected pods call for with those already in the service's slices, and creates,
// updates or deletes slices, keeping at most maxEndpointsPerSlice endpoints in each and
// touching as few slices as it can.

import { isNotFound, resources, type Client } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import {
  LAST_CHANGE_TRIGGER_TIME,
  shouldPodBeInEndpoints,
  type Pod,
  type Service,
} from '../endpoints/index.js';
import { EndpointSet, portMapKey, sameBeyondKey, sortPorts } from './endpointset.js';
import {
  addressTypes,
  endpointPorts,
  isPlaceholderOf,
  namespaceTerminating,
  newSlice,
  ownedBy,
  podToEndpoint,
  sliceLabels,
} from './slices.js';
import type { SliceTracker } from './tracker.js';
import type { EndpointSlice, SliceEndpoint, SlicePort } from './types.js';
import { deepCopy } from '../../api/json.js';

export { CONTROLLER_NAME } from './slices.js';

export interface ReconcilerOptions {
  client: Client;
  tracker: SliceTracker;
  maxEndpointsPerSlice: number;
  /** The node a pod runs on (for its zone); undefined when no such node exists. */
  node(name: string): KubeObject | undefined;
}

interface Plan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

export interface Reconciler {
  /** Brings the service's slices in line with its pods; throws what went wrong. */
  reconcile(
    svc: Service,
    pods: Pod[],
    existing: EndpointSlice[],
    triggerTime?: string,
  ): Promise<void>;
}

export function createReconciler(o: ReconcilerOptions): Reconciler {
  const max = o.maxEndpointsPerSlice;

  function byPortMapping(
    svc: Service,
    existing: EndpointSlice[],
    desired: EndpointSet,
    ports: SlicePort[],
    addressType: string,
  ): Plan {
    const byName = new Map<string, EndpointSlice>();
    const unchanged = new Set<string>();
    const toUpdate = new Set<string>();
    const toDelete = new Set<string>();

    // 1. Drop endpoints no longer wanted, refresh changed ones, keep labels in step.
    for (const slice of existing) {
      const name = slice.metadata.name ?? '';
      byName.set(name, slice);
      const kept: SliceEndpoint[] = [];
      let changed = false;
      for (const ep of slice.endpoints ?? []) {
        const want = desired.get(ep);
        if (!want) continue;
        kept.push(want);
        if (!sameBeyondKey(want, ep)) changed = true;
        desired.delete(ep);
      }
      const [labels, labelsChanged] = sliceLabels(slice, svc);
      if (changed || kept.length !== (slice.endpoints ?? []).length) {
        if (kept.length === 0) toDelete.add(name);
        else {
          const copy = deepCopy(slice);
          copy.endpoints = kept;
          copy.metadata.labels = labels;
          byName.set(name, copy);
          toUpdate.add(name);
        }
      } else if (labelsChanged) {
        const copy = deepCopy(slice);
        copy.metadata.labels = labels;
        byName.set(name, copy);
        toUpdate.add(name);
      } else unchanged.add(name);
    }

    // 2. Top up the slices being updated anyway, fullest first.
    if (desired.size > 0 && toUpdate.size > 0) {
      const slices = [...toUpdate]
        .map((n) => byName.get(n))
        .filter((s): s is EndpointSlice => !!s)
        .sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
      for (const s of slices) fill(s);
    }

    // 3. Put what is left into an unchanged slice it fits in, else into new slices.
    const create: EndpointSlice[] = [];
    while (desired.size > 0) {
      let target: EndpointSlice | undefined;
      if (desired.size < max && unchanged.size > 0) {
        const fit = closestFit(
          [...unchanged].map((n) => byName.get(n)!),
          desired.size,
        );
        if (fit) {
          target = deepCopy(fit);
          byName.set(target.metadata.name ?? '', target);
        }
      }
      target ??= newSlice(svc, ports, addressType);
      fill(target);
      if (target.metadata.name) {
        toUpdate.add(target.metadata.name);
        unchanged.delete(target.metadata.name);
      } else create.push(target);
    }

    return {
      create,
      update: [...toUpdate].map((n) => byName.get(n)!),
      delete: [...toDelete].map((n) => byName.get(n)!),
    };

    function fill(s: EndpointSlice): void {
      s.endpoints ??= [];
      while (desired.size > 0 && s.endpoints.length < max) s.endpoints.push(desired.popAny()!);
    }
  }

  /** getSliceToFill: the slice that ends up closest to full when n endpoints join it. */
  function closestFit(slices: EndpointSlice[], n: number): EndpointSlice | undefined {
    let best: EndpointSlice | undefined;
    let bestDiff = max;
    for (const s of slices) {
      const diff = max - (n + (s.endpoints?.length ?? 0));
      if (diff >= 0 && diff < bestDiff) {
        bestDiff = diff;
        best = s;
        if (diff === 0) break;
      }
    }
    return best;
  }

  async function byAddressType(
    svc: Service,
    pods: Pod[],
    existing: EndpointSlice[],
    addressType: string,
    triggerTime: string | undefined,
  ): Promise<string[]> {
    const errs: string[] = [];
    const plan: Plan = { create: [], update: [], delete: [] };
    const existingByPorts = new Map<string, EndpointSlice[]>();
    for (const s of existing) {
      if (!ownedBy(s, svc)) {
        plan.delete.push(s);
        continue;
      }
      const key = portMapKey(s.ports);
      existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), s]);
    }

    const desiredByPorts = new Map<string, { ports: SlicePort[]; set: EndpointSet }>();
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ports = sortPorts(endpointPorts(svc, pod));
      const key = portMapKey(ports);
      let group = desiredByPorts.get(key);
      if (!group) desiredByPorts.set(key, (group = { ports, set: new EndpointSet() }));
      const nodeName = pod.spec?.nodeName ?? '';
      const node = o.node(nodeName);
      // A pod on a node that does not exist is left out (and the service retried), unless
      // the service publishes addresses regardless of readiness.
      if (!node && !svc.spec?.publishNotReadyAddresses) {
        errs.push(
          `skipping Pod ${pod.metadata.name} for Service ${svc.metadata.namespace}/${svc.metadata.name}: Node ${nodeName} Not Found`,
        );
        continue;
      }
      const ep = podToEndpoint(pod, node, svc, addressType);
      if (ep.addresses.length > 0) group.set.insert(ep);
    }

    for (const [key, { ports, set }] of desiredByPorts) {
      const p = byPortMapping(svc, existingByPorts.get(key) ?? [], set, ports, addressType);
      plan.create.push(...p.create);
      plan.update.push(...p.update);
      plan.delete.push(...p.delete);
    }
    for (const [key, slices] of existingByPorts)
      if (!desiredByPorts.has(key)) plan.delete.push(...slices);

    // A service with no endpoints still gets one empty placeholder slice.
    if (existing.length === plan.delete.length && plan.create.length === 0) {
      const placeholder = newSlice(svc, [], addressType);
      const only = plan.delete.length === 1 ? plan.delete[0] : undefined;
      if (only && isPlaceholderOf(only, placeholder)) plan.delete = [];
      else plan.create.push(placeholder);
    }

    try {
      await finalize(svc, plan, triggerTime);
    } catch (e) {
      errs.push(e instanceof Error ? e.message : String(e));
    }
    return errs;
  }

  async function finalize(
    svc: Service,
    plan: Plan,
    triggerTime: string | undefined,
  ): Promise<void> {
    const ns = svc.metadata.namespace ?? '';
    // Recycle slices about to be deleted instead of creating new ones.
    for (let i = 0; i < plan.delete.length && plan.create.length > 0;) {
      const doomed = plan.delete[i]!;
      const slice = plan.create[plan.create.length - 1]!;
      if (doomed.addressType === slice.addressType && ownedBy(doomed, svc)) {
        slice.metadata.name = doomed.metadata.name ?? '';
        delete slice.metadata.generateName;
        slice.metadata.resourceVersion = doomed.metadata.resourceVersion ?? '';
        plan.create.pop();
        plan.update.push(slice);
        plan.delete.splice(i, 1);
      } else i++;
    }
    // No new slices for a service being deleted: the garbage collector is removing them.
    if (!svc.metadata.deletionTimestamp) {
      for (const slice of plan.create) {
        setTriggerTime(slice, triggerTime);
        try {
          o.tracker.update(
            await o.client.create<EndpointSlice>(resources.endpointSlices, ns, slice),
          );
        } catch (e) {
          if (namespaceTerminating(e)) return;
          throw new Error(
            `failed to create EndpointSlice for Service ${ns}/${svc.metadata.name}: ${msg(e)}`,
          );
        }
      }
    }
    for (const slice of plan.update) {
      setTriggerTime(slice, triggerTime);
      try {
        o.tracker.update(await o.client.update<EndpointSlice>(resources.endpointSlices, slice));
      } catch (e) {
        throw new Error(
          `failed to update ${slice.metadata.name} EndpointSlice for Service ${ns}/${svc.metadata.name}: ${msg(e)}`,
        );
      }
    }
    for (const slice of plan.delete) {
      try {
        await o.client.delete(resources.endpointSlices, ns, slice.metadata.name ?? '');
        o.tracker.expectDeletion(slice);
      } catch (e) {
        if (isNotFound(e)) continue;
        throw new Error(
          `failed to delete ${slice.metadata.name} EndpointSlice for Service ${ns}/${svc.metadata.name}: ${msg(e)}`,
        );
      }
    }
  }

  return {
    async reconcile(svc, pods, existing, triggerTime) {
      const types = addressTypes(svc);
      const errs: string[] = [];
      const byType = new Map<string, EndpointSlice[]>();
      const unsupported: EndpointSlice[] = [];
      for (const s of existing) {
        if (!types.includes(s.addressType)) unsupported.push(s);
        else byType.set(s.addressType, [...(byType.get(s.addressType) ?? []), s]);
      }
      for (const t of types)
        errs.push(...(await byAddressType(svc, pods, byType.get(t) ?? [], t, triggerTime)));
      for (const s of unsupported) {
        try {
          await o.client.delete(
            resources.endpointSlices,
            svc.metadata.namespace ?? '',
            s.metadata.name ?? '',
          );
          o.tracker.expectDeletion(s);
        } catch (e) {
          if (!isNotFound(e))
            errs.push(
              `error deleting ${s.metadata.name} EndpointSlice for Service ${svc.metadata.namespace}/${svc.metadata.name}: ${msg(e)}`,
            );
        }
      }
      if (errs.length === 1) throw new Error(errs[0]);
      if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
    },
  };
}

function setTriggerTime(slice: EndpointSlice, t: string | undefined): void {
  const annotations = { ...(slice.metadata.annotations ?? {}) };
  if (t) annotations[LAST_CHANGE_TRIGGER_TIME] = t;
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  slice.metadata.annotations = annotations;
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));
