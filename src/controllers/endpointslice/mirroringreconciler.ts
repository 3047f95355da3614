// Turns one Endpoints object into the EndpointSlices that mirror it: its canonical subsets
// become one slice each per address type, labels and annotations copied over.

import { isIP } from 'node:net';
import { isNotFound, resources, type Client } from '../../client/index.js';
import type { EventRecorder } from '../../client/index.js';
import {
  LAST_CHANGE_TRIGGER_TIME,
  repackSubsets,
  type EndpointAddress,
  type EndpointPort,
  type Endpoints,
} from '../endpoints/index.js';
import { EndpointSet, portMapKey, sameBeyondKey, sortPorts } from './endpointset.js';
import { namespaceTerminating } from './slices.js';
import type { SliceTracker } from './tracker.js';
import {
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  LAST_APPLIED,
  type EndpointSlice,
  type SliceEndpoint,
  type SlicePort,
} from './types.js';

export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';

export interface MirroringReconcilerOptions {
  client: Client;
  tracker: SliceTracker;
  recorder: EventRecorder;
  maxEndpointsPerSubset: number;
}

/** The address as Go's net.ParseIP would restringify it, and its slice address type. */
function parseAddress(ip: string): [string, 'IPv4' | 'IPv6'] | undefined {
  const v = isIP(ip);
  if (v === 4)
    return [
      ip
        .split('.')
        .map((o) => String(Number(o)))
        .join('.'),
      'IPv4',
    ];
  if (v !== 6) return undefined;
  // An IPv4-mapped IPv6 address is an IPv4 address to Go.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return [mapped[1], 'IPv4'];
  return [new URL(`http://[${ip}]/`).hostname.slice(1, -1), 'IPv6'];
}

function addressToEndpoint(
  a: EndpointAddress,
  ready: boolean,
): [SliceEndpoint, string] | undefined {
  const parsed = parseAddress(a.ip);
  if (!parsed) return undefined;
  const ep: SliceEndpoint = { addresses: [parsed[0]], conditions: { ready } };
  if (a.hostname) ep.hostname = a.hostname;
  if (a.targetRef) ep.targetRef = a.targetRef;
  if (a.nodeName !== undefined) ep.nodeName = a.nodeName;
  return [ep, parsed[1]];
}

const toSlicePorts = (ports: EndpointPort[] | undefined): SlicePort[] =>
  sortPorts(
    (ports ?? []).map((p) => ({
      name: p.name ?? '',
      protocol: p.protocol ?? '',
      port: p.port,
      ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}),
    })),
  );

const without = (m: Record<string, string> | undefined, ...keys: string[]) => {
  const out: Record<string, string> = { ...(m ?? {}) };
  for (const k of keys) delete out[k];
  return out;
};

const sameMap = (a: Record<string, string> = {}, b: Record<string, string> = {}): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
};

function newSlice(
  ep: Endpoints,
  ports: SlicePort[],
  addressType: string,
  name: string | undefined,
): EndpointSlice {
  const epName = ep.metadata.name ?? '';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      ...(name ? { name } : { generateName: `${epName}-`.length <= 253 ? `${epName}-` : epName }),
      namespace: ep.metadata.namespace ?? '',
      labels: {
        ...(ep.metadata.labels ?? {}),
        [LABEL_SERVICE_NAME]: epName,
        [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER_NAME,
      },
      annotations: without(ep.metadata.annotations, LAST_CHANGE_TRIGGER_TIME, LAST_APPLIED),
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Endpoints',
          name: epName,
          uid: ep.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

interface Group {
  addressType: string;
  ports: SlicePort[];
  set: EndpointSet;
}

export interface MirroringReconciler {
  reconcile(ep: Endpoints, existing: EndpointSlice[]): Promise<void>;
}

export function createMirroringReconciler(o: MirroringReconcilerOptions): MirroringReconciler {
  const max = o.maxEndpointsPerSubset;
  return {
    async reconcile(ep, existing) {
      const ns = ep.metadata.namespace ?? '';
      const name = ep.metadata.name ?? '';
      // Desired endpoints, keyed by address type and ports.
      const groups = new Map<string, Group>();
      let invalid = 0;
      let skipped = 0;
      for (const subset of repackSubsets(structuredClone(ep.subsets ?? []))) {
        const ports = toSlicePorts(subset.ports);
        const keys: Record<string, string> = {};
        for (const t of ['IPv4', 'IPv6']) {
          const key = `${t}-${portMapKey(ports)}`;
          keys[t] = key;
          if (!groups.has(key)) groups.set(key, { addressType: t, ports, set: new EndpointSet() });
        }
        const total = (subset.addresses?.length ?? 0) + (subset.notReadyAddresses?.length ?? 0);
        let added = 0;
        const add = (list: EndpointAddress[] | undefined, ready: boolean): void => {
          for (const a of list ?? []) {
            // One slice per subset: the rest of an oversized subset is not mirrored.
            if (added >= max) break;
            const e = addressToEndpoint(a, ready);
            if (!e) {
              invalid++;
              continue;
            }
            groups.get(keys[e[1]] ?? '')?.set.insert(e[0]);
            added++;
          }
        };
        add(subset.addresses, true);
        add(subset.notReadyAddresses, false);
        skipped += total - added;
      }
      if (invalid > 0)
        o.recorder.event(
          { ...ep, apiVersion: 'v1', kind: 'Endpoints' },
          'Warning',
          'InvalidIPAddress',
          `Skipped ${invalid} invalid IP addresses when mirroring to EndpointSlices`,
        );
      if (skipped > invalid)
        o.recorder.event(
          { ...ep, apiVersion: 'v1', kind: 'Endpoints' },
          'Warning',
          'TooManyAddressesToMirror',
          `A max of ${max} addresses can be mirrored to EndpointSlices per Endpoints subset. ${skipped} addresses were skipped`,
        );

      const existingByKey = new Map<string, EndpointSlice[]>();
      for (const s of existing) {
        const key = `${s.addressType}-${portMapKey(s.ports)}`;
        existingByKey.set(key, [...(existingByKey.get(key) ?? []), s]);
      }
      const create: EndpointSlice[] = [];
      const update: EndpointSlice[] = [];
      const del: EndpointSlice[] = [];
      for (const [key, g] of groups) {
        const have = existingByKey.get(key) ?? [];
        if (g.set.size === 0) {
          del.push(...have);
          continue;
        }
        const first = have[0];
        if (first) {
          del.push(...have.slice(1));
          if (unchanged(ep, first, g.set)) continue;
        }
        const slice = newSlice(ep, g.ports, g.addressType, first?.metadata.name);
        if (first) slice.metadata.resourceVersion = first.metadata.resourceVersion ?? '';
        const eps = slice.endpoints ?? [];
        for (let next = g.set.popAny(); next && eps.length < max; next = g.set.popAny())
          eps.push(next);
        slice.endpoints = eps;
        (first ? update : create).push(slice);
      }
      for (const [key, have] of existingByKey) if (!groups.has(key)) del.push(...have);

      // Recycle slices about to be deleted instead of creating new ones.
      for (const t of ['IPv4', 'IPv6']) {
        const creates = create.filter((s) => s.addressType === t);
        const deletes = del.filter((s) => s.addressType === t);
        for (let i = 0; i < creates.length && i < deletes.length; i++) {
          const c = creates[i]!;
          const d = deletes[i]!;
          create.splice(create.indexOf(c), 1);
          del.splice(del.indexOf(d), 1);
          delete c.metadata.generateName;
          c.metadata.name = d.metadata.name ?? '';
          c.metadata.resourceVersion = d.metadata.resourceVersion ?? '';
          update.push(c);
        }
      }

      if (!ep.metadata.deletionTimestamp) {
        for (const s of create) {
          try {
            o.tracker.update(await o.client.create<EndpointSlice>(resources.endpointSlices, ns, s));
          } catch (e) {
            if (namespaceTerminating(e)) return;
            throw new Error(
              `failed to create EndpointSlice for Endpoints ${ns}/${name}: ${msg(e)}`,
            );
          }
        }
      }
      for (const s of update) {
        try {
          o.tracker.update(await o.client.update<EndpointSlice>(resources.endpointSlices, s));
        } catch (e) {
          throw new Error(
            `failed to update ${s.metadata.name} EndpointSlice for Endpoints ${ns}/${name}: ${msg(e)}`,
          );
        }
      }
      for (const s of del) {
        try {
          await o.client.delete(resources.endpointSlices, ns, s.metadata.name ?? '');
          o.tracker.expectDeletion(s);
        } catch (e) {
          if (isNotFound(e)) continue;
          throw new Error(
            `failed to delete ${s.metadata.name} EndpointSlice for Endpoints ${ns}/${name}: ${msg(e)}`,
          );
        }
      }
    },
  };
}

/** The existing slice already mirrors the endpoints, labels and annotations wanted. */
function unchanged(ep: Endpoints, slice: EndpointSlice, desired: EndpointSet): boolean {
  let matches = 0;
  for (const e of slice.endpoints ?? []) {
    const want = desired.get(e);
    if (!want || !sameBeyondKey(want, e)) return false;
    matches++;
  }
  if (desired.size !== matches) return false;
  const labels = without(slice.metadata.labels, LABEL_MANAGED_BY, LABEL_SERVICE_NAME);
  const annotations = without(ep.metadata.annotations, LAST_CHANGE_TRIGGER_TIME, LAST_APPLIED);
  return sameMap(ep.metadata.labels, labels) && sameMap(annotations, slice.metadata.annotations);
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));
