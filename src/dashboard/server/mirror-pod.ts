// The dashboard as the API sees it: a static pod of its node, shown by a mirror pod, as a
// kubeadm node shows its control-plane processes. The process runs in `skiff up`, on the
// node's network; the mirror pod `kubernetes-dashboard-NODE` (annotation
// kubernetes.io/config.mirror, which the node agent leaves alone) carries its address, so the
// API server's service proxy, which only goes to an endpoint whose pod has that address,
// reaches it through the `kubernetes-dashboard` Service.

import { createHash } from 'node:crypto';
import type { KubeObject } from '../../api/types.js';
import { isNotFound, resources, upsert, type Client } from '../../client/index.js';
import { DASHBOARD_LABELS, DASHBOARD_NAMESPACE, DASHBOARD_SERVICE } from './service.js';

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
const CONTAINER = 'kubernetes-dashboard';
/** Not pulled: the node agent never runs a mirror pod. */
const IMAGE = 'skiff/dashboard:builtin';

export interface MirrorPodOptions {
  nodeName: string;
  nodeUid?: string | undefined;
  address: string;
  port: number;
}

export const mirrorPodName = (nodeName: string): string => `${DASHBOARD_SERVICE}-${nodeName}`;

export function mirrorPod(o: MirrorPodOptions): KubeObject {
  const spec = {
    nodeName: o.nodeName,
    hostNetwork: true,
    containers: [
      {
        name: CONTAINER,
        image: IMAGE,
        ports: [{ name: 'https', containerPort: o.port, hostPort: o.port, protocol: 'TCP' }],
      },
    ],
    // As the kubelet gives static pods: they stay through every NoExecute taint.
    tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
  };
  const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 32);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: mirrorPodName(o.nodeName),
      namespace: DASHBOARD_NAMESPACE,
      labels: { ...DASHBOARD_LABELS },
      annotations: {
        [MIRROR_ANNOTATION]: hash,
        'kubernetes.io/config.hash': hash,
        'kubernetes.io/config.source': 'skiff',
      },
      ...(o.nodeUid
        ? {
            ownerReferences: [
              {
                apiVersion: 'v1',
                kind: 'Node',
                name: o.nodeName,
                uid: o.nodeUid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec,
  };
}

/** The status of a running, ready dashboard, as the kubelet writes a static pod's. */
function runningStatus(o: MirrorPodOptions, startedAt: string): Record<string, unknown> {
  const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: startedAt });
  return {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers'),
      condition('Initialized'),
      condition('Ready'),
      condition('ContainersReady'),
      condition('PodScheduled'),
    ],
    hostIP: o.address,
    hostIPs: [{ ip: o.address }],
    podIP: o.address,
    podIPs: [{ ip: o.address }],
    startTime: startedAt,
    qosClass: 'BestEffort',
    containerStatuses: [
      {
        name: CONTAINER,
        image: IMAGE,
        imageID: '',
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt } },
      },
    ],
  };
}

/**
 * Makes the mirror pod (again, if someone deleted it or it names another port) with a
 * running status, and returns it for the endpoints' targetRef.
 */
export async function ensureMirrorPod(
  client: Client,
  o: MirrorPodOptions,
  startedAt: string,
): Promise<KubeObject> {
  const want = mirrorPod(o);
  const name = mirrorPodName(o.nodeName);
  let live: KubeObject | undefined;
  try {
    live = await client.get(resources.pods, DASHBOARD_NAMESPACE, name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const wantHash = want.metadata.annotations?.[MIRROR_ANNOTATION];
  if (
    live &&
    (live.metadata.annotations?.[MIRROR_ANNOTATION] !== wantHash || live.metadata.deletionTimestamp)
  ) {
    // Pods cannot change their spec: an outdated one is replaced, and one being deleted is
    // deleted at once and made again, as the kubelet does with mirror pods.
    await client
      .delete(resources.pods, DASHBOARD_NAMESPACE, name, { gracePeriodSeconds: 0 })
      .catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    live = undefined;
  }
  if (!live) {
    await upsert(
      client,
      resources.pods,
      DASHBOARD_NAMESPACE,
      name,
      () => want,
      () => undefined,
    );
    live = await client.get(resources.pods, DASHBOARD_NAMESPACE, name);
  }
  const status = runningStatus(o, startedAt);
  const phase = (live['status'] as { phase?: string } | undefined)?.phase;
  const ready = JSON.stringify((live['status'] as { podIPs?: unknown } | undefined)?.podIPs);
  if (phase !== 'Running' || ready !== JSON.stringify(status['podIPs'])) {
    live = await client.update(resources.pods, { ...live, status }, 'status');
  }
  return live;
}
