// Test harness (used by the *_test.ts files only): a real API server in-process, the
// Deployment controller running against it, and a stand-in for the ReplicaSet controller
// that writes ReplicaSet status the way pods coming and going would.

import { setMaxListeners } from 'node:events';
import { startTestApi, type TestApi } from './inprocess.js';
import type { KubeObject } from '../../src/api/types.js';
import { createInformer, isConflict, isNotFound, resources } from '../../src/client/index.js';
import { createLogger } from '../../src/log/index.js';
import { startControllerManager } from '../../src/controllers/manager.js';
import type { Controller } from '../../src/controllers/types.js';
import { deploymentController } from '../../src/controllers/deployment/index.js';
import type {
  Deployment,
  DeploymentSpec,
  ReplicaSet,
} from '../../src/controllers/deployment/types.js';

export const NS = 'default';

export interface Harness extends TestApi {
  signal: AbortSignal;
  stop(): Promise<void>;
}

export async function startHarness(extra: Controller[] = []): Promise<Harness> {
  const api = await startTestApi();
  const ac = new AbortController();
  // Each idle wait of the work queue adds an abort listener to this signal.
  setMaxListeners(0, ac.signal);
  await startControllerManager({
    client: api.client,
    controllers: [deploymentController, ...extra],
    logger: createLogger({ level: 'error' }),
    signal: ac.signal,
  });
  return {
    ...api,
    signal: ac.signal,
    async stop() {
      ac.abort();
      await api.close();
    },
  };
}

export { eventually } from './eventually.js';

export function deploymentObject(name: string, spec: Partial<DeploymentSpec> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx:1' }] },
      },
      ...spec,
    },
  };
}

export async function getDeployment(h: Harness, name: string): Promise<Deployment> {
  return h.client.get<Deployment>(resources.deployments, NS, name);
}

/** The ReplicaSets a Deployment controls, oldest revision first. */
export async function replicaSetsOf(h: Harness, d: Deployment): Promise<ReplicaSet[]> {
  const list = await h.client.list<ReplicaSet>(resources.replicaSets, NS);
  return list.items
    .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid))
    .sort(
      (a, b) =>
        Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) -
        Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
    );
}

export async function setImage(h: Harness, name: string, image: string): Promise<void> {
  await h.client.patch(resources.deployments, NS, name, 'strategic', {
    spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
  });
}

export interface EventView {
  reason: string;
  message: string;
  type: string;
  source: string;
}

export async function eventsFor(
  h: Harness,
  name: string,
  kind = 'Deployment',
): Promise<EventView[]> {
  const list = await h.client.list(resources.events, NS);
  return list.items
    .filter((e) => {
      const io = e['involvedObject'] as { kind?: string; name?: string };
      return io.kind === kind && io.name === name;
    })
    .sort((a, b) => String(a['firstTimestamp']).localeCompare(String(b['firstTimestamp'])))
    .map((e) => ({
      reason: String(e['reason']),
      message: String(e['message']),
      type: String(e['type']),
      source: String((e['source'] as { component?: string }).component),
    }));
}

/** kubectl rollout status's verdict: done, or the message it would wait with. */
export function rolloutStatus(d: Deployment): { done: boolean; message: string } {
  const s = d.status ?? {};
  const name = d.metadata.name ?? '';
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0))
    return { done: false, message: 'Waiting for deployment spec update to be observed...' };
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return { done: false, message: `deployment "${name}" exceeded its progress deadline` };
  const want = d.spec?.replicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  if (updated < want)
    return {
      done: false,
      message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`,
    };
  if ((s.replicas ?? 0) > updated)
    return {
      done: false,
      message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...`,
    };
  if ((s.availableReplicas ?? 0) < updated)
    return {
      done: false,
      message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...`,
    };
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}

export interface FakeReplicaSetsOptions {
  /** Whether the pods of this ReplicaSet ever become ready (default: yes). */
  healthy?: (rs: ReplicaSet) => boolean;
  /** Called after every ReplicaSet change is seen (for invariant checks). */
  observe?: (all: ReplicaSet[]) => void;
}

/**
 * Stands in for the ReplicaSet controller: status.replicas follows spec.replicas at once
 * (pods created or removed), and in a later, separate write the new pods become ready and
 * available, so every rollout passes through states with unavailable new pods.
 */
export function fakeReplicaSets(h: Harness, o: FakeReplicaSetsOptions = {}): void {
  const informer = createInformer<ReplicaSet>({
    client: h.client,
    resource: resources.replicaSets,
    namespace: NS,
    signal: h.signal,
  });
  let chain = Promise.resolve();
  const handle = (rs: ReplicaSet): void => {
    o.observe?.(informer.list());
    chain = chain.then(() => step(rs)).catch(() => undefined);
  };
  const step = async (rs: ReplicaSet): Promise<void> => {
    const want = rs.spec?.replicas ?? 0;
    const s = rs.status ?? {};
    const have = s.replicas ?? 0;
    const healthy = o.healthy ? o.healthy(rs) : true;
    let next = { ...s };
    if (have !== want) {
      const ready = Math.min(s.readyReplicas ?? 0, want);
      const available = Math.min(s.availableReplicas ?? 0, want);
      next = { ...s, replicas: want, readyReplicas: ready, availableReplicas: available };
    } else if (healthy && (s.availableReplicas ?? 0) < want) {
      next = { ...s, readyReplicas: want, availableReplicas: want };
    }
    next.fullyLabeledReplicas = next.replicas ?? 0;
    next.observedGeneration = rs.metadata.generation ?? 0;
    if (JSON.stringify(next) === JSON.stringify(s)) return;
    try {
      await h.client.update(resources.replicaSets, { ...rs, status: next } as KubeObject, 'status');
    } catch (e) {
      // A newer version is on its way through the watch; it is handled then.
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  };
  informer.on({ add: handle, update: (_old, cur) => handle(cur) });
}
