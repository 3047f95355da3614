// The finders of a pod's controller and its scale (the disruption controller's finders()):
// ReplicationController, Deployment (through its ReplicaSet), ReplicaSet, StatefulSet from the
// informers' caches; any other kind through its `scale` subresource, found by discovery.

import type { KubeObject, OwnerReference } from '../../api/types.js';
import { isNotFound, type Client, type Informer } from '../../client/index.js';
import { controllerOf, type ControllerScale, type ScaleFinder } from './status.js';

interface Scalable extends KubeObject {
  spec?: { replicas?: number };
}

const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';

/** verifyGroupKind. */
const isKind = (ref: OwnerReference, kind: string, groups: string[]): boolean =>
  ref.kind === kind && groups.includes(groupOf(ref.apiVersion));

const APPS = ['apps', 'extensions'];

function cached(
  informer: Informer<Scalable>,
  ref: OwnerReference,
  namespace: string,
): Scalable | undefined {
  const o = informer.get(namespace, ref.name);
  return o && o.metadata.uid === ref.uid ? o : undefined;
}

const scaleOf = (o: Scalable): ControllerScale => ({
  uid: o.metadata.uid ?? '',
  scale: o.spec?.replicas ?? 1,
});

export interface FinderSources {
  client: Client;
  replicationControllers: Informer<Scalable>;
  replicaSets: Informer<Scalable>;
  deployments: Informer<Scalable>;
  statefulSets: Informer<Scalable>;
}

interface DiscoveryList {
  resources?: { name?: string; kind?: string }[];
}

/** getScaleController: the controller's `scale` subresource, the resource found by discovery. */
function scaleSubresource(client: Client): ScaleFinder {
  return async (ref, namespace) => {
    const group = groupOf(ref.apiVersion);
    const version = ref.apiVersion.split('/').pop() ?? '';
    const base = group ? `/apis/${ref.apiVersion}` : `/api/${version}`;
    let list: DiscoveryList;
    try {
      list = (await client.raw('GET', base)) as DiscoveryList;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      list = {};
    }
    const resources = list.resources ?? [];
    const main = resources.find((r) => r.kind === ref.kind && !(r.name ?? '').includes('/'));
    if (!main?.name)
      throw new Error(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
    const resource = group ? `${main.name}.${group}` : main.name;
    if (!resources.some((r) => r.name === `${main.name}/scale`))
      throw new Error(`${resource} does not implement the scale subresource`);
    let scale: KubeObject & { spec?: { replicas?: number } };
    try {
      scale = (await client.raw(
        'GET',
        `${base}/namespaces/${namespace}/${main.name}/${ref.name}/scale`,
      )) as typeof scale;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    if (scale.metadata.uid !== ref.uid) return undefined;
    return { uid: scale.metadata.uid ?? '', scale: scale.spec?.replicas ?? 0 };
  };
}

export function finders(s: FinderSources): ScaleFinder[] {
  const replicationController: ScaleFinder = (ref, ns) => {
    if (!isKind(ref, 'ReplicationController', [''])) return Promise.resolve(undefined);
    const rc = cached(s.replicationControllers, ref, ns);
    return Promise.resolve(rc && scaleOf(rc));
  };
  const deployment: ScaleFinder = (ref, ns) => {
    if (!isKind(ref, 'ReplicaSet', APPS)) return Promise.resolve(undefined);
    const rs = cached(s.replicaSets, ref, ns);
    const owner = rs && controllerOf(rs);
    if (!owner || !isKind(owner, 'Deployment', APPS)) return Promise.resolve(undefined);
    const d = cached(s.deployments, owner, ns);
    return Promise.resolve(d && scaleOf(d));
  };
  const replicaSet: ScaleFinder = (ref, ns) => {
    if (!isKind(ref, 'ReplicaSet', APPS)) return Promise.resolve(undefined);
    const rs = cached(s.replicaSets, ref, ns);
    // A ReplicaSet a Deployment controls is counted as the Deployment.
    if (!rs || controllerOf(rs)?.kind === 'Deployment') return Promise.resolve(undefined);
    return Promise.resolve(scaleOf(rs));
  };
  const statefulSet: ScaleFinder = (ref, ns) => {
    if (!isKind(ref, 'StatefulSet', ['apps'])) return Promise.resolve(undefined);
    const set = cached(s.statefulSets, ref, ns);
    return Promise.resolve(set && scaleOf(set));
  };
  return [replicationController, deployment, replicaSet, statefulSet, scaleSubresource(s.client)];
}
