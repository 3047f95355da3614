// The Deployment and ReplicaSet controllers together, with this test as the node agent:
// pods are marked Running and Ready when they appear, and removed when deleted.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createInformer, isNotFound, resources } from '../../client/index.js';
import { replicaSetController } from '../replicaset/index.js';
import {
  deploymentObject,
  eventually,
  getDeployment,
  NS,
  replicaSetsOf,
  rolloutStatus,
  setImage,
  startHarness,
  type Harness,
} from '../../../test/support/controllers-deployment.js';
import type { Deployment, Pod } from './types.js';

interface PodView extends Pod {
  spec?: { containers?: { image?: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

function nodeAgent(h: Harness): void {
  const pods = createInformer<PodView>({
    client: h.client,
    resource: resources.pods,
    namespace: NS,
    signal: h.signal,
  });
  let chain = Promise.resolve();
  const handle = (p: PodView): void => {
    chain = chain
      .then(async () => {
        const name = p.metadata.name ?? '';
        if (p.metadata.deletionTimestamp) {
          await h.client.delete(resources.pods, NS, name, { gracePeriodSeconds: 0 });
          return;
        }
        if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
        await h.client.patch(
          resources.pods,
          NS,
          name,
          'merge',
          {
            status: {
              phase: 'Running',
              conditions: [
                {
                  type: 'Ready',
                  status: 'True',
                  lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
                },
              ],
            },
          },
          { subresource: 'status' },
        );
      })
      .catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      })
      .catch(() => undefined);
  };
  pods.on({ add: handle, update: (_o, p) => handle(p) });
}

const livePods = async (h: Harness): Promise<PodView[]> =>
  (await h.client.list<PodView>(resources.pods, NS)).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );

void describe('with the ReplicaSet controller', () => {
  void it('rolls out a new image onto real pods', async () => {
    const h = await startHarness([replicaSetController]);
    try {
      nodeAgent(h);
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('e2e'),
      );
      await eventually(async () => rolloutStatus(await getDeployment(h, 'e2e')).done, 'v1');
      assert.equal((await livePods(h)).length, 3);

      await setImage(h, 'e2e', 'nginx:2');
      const d = await eventually(async () => {
        const d = await getDeployment(h, 'e2e');
        return (
          d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' &&
          d.status?.observedGeneration === d.metadata.generation &&
          rolloutStatus(d).done &&
          d
        );
      }, 'the rollout to nginx:2');
      assert.equal(d.status?.availableReplicas, 3);
      const [, rs2] = await replicaSetsOf(h, created);
      const hash = rs2?.metadata.labels?.['pod-template-hash'];
      const pods = await eventually(async () => {
        const p = await livePods(h);
        return p.length === 3 && p;
      }, 'the old pods to go');
      for (const p of pods) {
        assert.equal(p.spec?.containers?.[0]?.image, 'nginx:2');
        assert.equal(p.metadata.labels?.['pod-template-hash'], hash);
      }
    } finally {
      await h.stop();
    }
  });
});
