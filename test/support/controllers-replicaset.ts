// Helpers the integration tests share: objects to create, and the views a user would look at.

import type { KubeObject } from '../../src/api/types.js';
import { resources, type Client } from '../../src/client/index.js';
import type { Pod, ReplicaOwner } from '../../src/controllers/replicaset/types.js';
import { formatTime } from '../../src/api/time.js';

export const rsBody = (
  name: string,
  replicas: number,
  extra: { minReadySeconds?: number; image?: string; labels?: Record<string, string> } = {},
): ReplicaOwner => {
  const labels = extra.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      ...(extra.minReadySeconds ? { minReadySeconds: extra.minReadySeconds } : {}),
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, tier: 'web' }, annotations: { note: 'from-template' } },
        spec: { containers: [{ name: 'c', image: extra.image ?? 'nginx' }] },
      },
    },
  };
};

export async function createNamespace(client: Client, name: string): Promise<string> {
  await client.create(resources.namespaces, '', { metadata: { name } });
  return name;
}

/** Pods (not being deleted) whose controller is the named owner. */
export async function podsOf(client: Client, ns: string, owner: string): Promise<Pod[]> {
  const list = await client.list<Pod>(resources.pods, ns);
  return list.items.filter(
    (p) =>
      !p.metadata.deletionTimestamp &&
      p.metadata.ownerReferences?.some((r) => r.controller && r.name === owner),
  );
}

/** What the node agent would write: Running, and Ready since `since`. */
export async function markReady(client: Client, pod: Pod, since = new Date()): Promise<void> {
  await client.patch(
    resources.pods,
    pod.metadata.namespace ?? '',
    pod.metadata.name ?? '',
    'merge',
    {
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: formatTime(since) }],
      },
    },
    { subresource: 'status' },
  );
}

export async function bindToNode(client: Client, pod: Pod, node: string): Promise<void> {
  await client.createSubresource(
    resources.pods,
    pod.metadata.namespace ?? '',
    pod.metadata.name ?? '',
    'binding',
    {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: pod.metadata.name ?? '' },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    },
  );
}

export interface EventView {
  reason: string;
  message: string;
  type: string;
  count: number;
  component: string;
  kind: string;
}

export async function eventsFor(client: Client, ns: string, name: string): Promise<EventView[]> {
  const list = await client.list(resources.events, ns);
  return list.items
    .filter((e: KubeObject) => (e['involvedObject'] as { name?: string }).name === name)
    .map((e) => ({
      reason: String(e['reason']),
      message: String(e['message']),
      type: String(e['type']),
      count: Number(e['count'] ?? 1),
      component: String((e['source'] as { component?: string } | undefined)?.component ?? ''),
      kind: String((e['involvedObject'] as { kind?: string }).kind),
    }));
}
