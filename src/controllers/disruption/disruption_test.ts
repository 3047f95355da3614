import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventually,
  startControllers,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import {
  createNamespace,
  eventsFor,
  markReady,
  rsBody,
} from '../../../test/support/controllers-replicaset.js';
import { formatTime } from '../../api/time.js';
import type { KubeObject } from '../../api/types.js';
import { resources } from '../../client/index.js';
import type { Pod } from '../replicaset/types.js';
import { disruptionController } from './index.js';
import { PDBS } from './controller.js';
import type { Budget } from './status.js';

describe('disruption controller', () => {
  let env: ControllerTestEnv;
  let ns: string;
  before(async () => {
    env = await startControllers([disruptionController]);
    ns = await createNamespace(env.client, 'pdbs');
  });
  after(async () => env.stop());

  async function pods(app: string, n: number, owner?: KubeObject, ready = n): Promise<Pod[]> {
    const out: Pod[] = [];
    for (let i = 0; i < n; i++) {
      const p = await env.client.create<Pod>(resources.pods, ns, {
        metadata: {
          name: `${app}-${i}`,
          labels: { app },
          ...(owner
            ? {
                ownerReferences: [
                  {
                    apiVersion: 'apps/v1',
                    kind: String(owner.kind ?? 'ReplicaSet'),
                    name: owner.metadata.name ?? '',
                    uid: owner.metadata.uid ?? '',
                    controller: true,
                  },
                ],
              }
            : {}),
        },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      });
      if (i < ready) await markReady(env.client, p);
      out.push(p);
    }
    return out;
  }

  const createBudget = (name: string, spec: Record<string, unknown>): Promise<Budget> =>
    env.client.create<Budget>(PDBS, ns, {
      metadata: { name },
      spec: { selector: { matchLabels: { app: name } }, ...spec },
    });

  const statusOf = async (name: string): Promise<NonNullable<Budget['status']>> =>
    (await env.client.get<Budget>(PDBS, ns, name)).status ?? {};

  it('counts pods against an integer minAvailable', async () => {
    await pods('web', 3, undefined, 2);
    await createBudget('web', { minAvailable: 1 });
    const s = await eventually(async () => {
      const st = await statusOf('web');
      return st.observedGeneration === 1 && st.expectedPods === 3 ? st : undefined;
    }, 'the budget status');
    assert.equal(s.currentHealthy, 2);
    assert.equal(s.desiredHealthy, 1);
    assert.equal(s.disruptionsAllowed, 1);
    assert.equal(s.conditions?.[0]?.type, 'DisruptionAllowed');
    assert.equal(s.conditions?.[0]?.status, 'True');
    assert.equal(s.conditions?.[0]?.reason, 'SufficientPods');
  });

  it('takes percentages and maxUnavailable from the controller’s scale', async () => {
    const rs = await env.client.create(resources.replicaSets, ns, rsBody('api', 4));
    await pods('api', 3, rs);
    await createBudget('api', { maxUnavailable: '50%' });
    // 4 expected (the ReplicaSet's replicas), 4 - 2 desired, 3 healthy.
    const s = await eventually(async () => {
      const st = await statusOf('api');
      return st.expectedPods === 4 ? st : undefined;
    }, 'the budget status');
    assert.equal(s.desiredHealthy, 2);
    assert.equal(s.currentHealthy, 3);
    assert.equal(s.disruptionsAllowed, 1);
    // Scaling the ReplicaSet changes what the budget expects.
    await env.client.patch(resources.replicaSets, ns, 'api', 'merge', { spec: { replicas: 2 } });
    const scaled = await eventually(async () => {
      const st = await statusOf('api');
      return st.expectedPods === 2 ? st : undefined;
    }, 'the budget after scaling');
    assert.equal(scaled.desiredHealthy, 1);
    assert.equal(scaled.disruptionsAllowed, 2);
  });

  it('a pod whose controller cannot be found fails the sync safe', async () => {
    await pods('lost', 1, {
      kind: 'ReplicaSet',
      metadata: { name: 'nowhere', uid: '00000000-0000-0000-0000-000000000000' },
    });
    await createBudget('lost', { minAvailable: '50%' });
    const s = await eventually(async () => {
      const st = await statusOf('lost');
      return st.conditions?.[0]?.reason === 'SyncFailed' ? st : undefined;
    }, 'the SyncFailed condition');
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(s.conditions?.[0]?.status, 'False');
    assert.equal(s.conditions?.[0]?.message, 'found no controllers for pod "lost-0"');
  });

  it('unmanaged pods under a percentage count for nothing, with a warning', async () => {
    await pods('bare', 2);
    await createBudget('bare', { minAvailable: '50%' });
    const s = await eventually(async () => {
      const st = await statusOf('bare');
      return st.observedGeneration === 1 ? st : undefined;
    }, 'the budget status');
    assert.equal(s.expectedPods, 0);
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(s.conditions?.[0]?.reason, 'InsufficientPods');
    const events = await eventually(async () => {
      const e = await eventsFor(env.client, ns, 'bare');
      return e.some((x) => x.reason === 'UnmanagedPods') ? e : undefined;
    }, 'the UnmanagedPods event');
    const ev = events.find((x) => x.reason === 'UnmanagedPods');
    assert.equal(ev?.type, 'Warning');
    assert.equal(ev?.component, 'controllermanager');
    assert.match(
      ev?.message ?? '',
      /^Pods selected by this PodDisruptionBudget \(selector: &LabelSelector\{MatchLabels:map\[string\]string\{app: bare,\},MatchExpressions:\[\]LabelSelectorRequirement\{\},\}\) were found to be unmanaged\./,
    );
  });

  it('drops noted disruptions of pods that are gone, and does not count those pending', async () => {
    await pods('ev', 2);
    const b = await createBudget('ev', { minAvailable: 1 });
    await eventually(async () => (await statusOf('ev')).disruptionsAllowed === 1, 'allowed 1');
    const fresh = await env.client.get<Budget>(PDBS, ns, 'ev');
    const now = formatTime(new Date());
    await env.client.update(
      PDBS,
      {
        ...fresh,
        status: { ...(fresh.status ?? {}), disruptedPods: { 'ev-0': now, 'ev-gone': now } },
      },
      'status',
    );
    const s = await eventually(async () => {
      const st = await statusOf('ev');
      return st.disruptedPods && !('ev-gone' in st.disruptedPods) ? st : undefined;
    }, 'the cleaned disruptedPods');
    assert.deepEqual(Object.keys(s.disruptedPods ?? {}), ['ev-0']);
    assert.equal(s.currentHealthy, 1);
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(b.metadata.generation, 1);
  });

  it('sets a DisruptionTarget condition left on an undeleted pod back to False', async () => {
    const [p] = await pods('left', 1);
    const since = formatTime(new Date(Date.now() - 3 * 60 * 1000));
    await env.client.patch(
      resources.pods,
      ns,
      p?.metadata.name ?? '',
      'strategic',
      {
        status: {
          conditions: [
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'EvictionByEvictionAPI',
              message: 'Eviction API: evicting',
              lastTransitionTime: since,
            },
          ],
        },
      },
      { subresource: 'status' },
    );
    const cond = await eventually(async () => {
      const cur = await env.client.get<Pod>(resources.pods, ns, 'left-0');
      const c = (cur.status?.conditions ?? []).find((x) => x.type === 'DisruptionTarget');
      return c?.status === 'False' ? c : undefined;
    }, 'the reset condition');
    assert.equal((cond as { reason?: string }).reason, 'EvictionByEvictionAPI');
    assert.notEqual(cond.lastTransitionTime, since);
    // The pod's other conditions stay.
    const cur = await env.client.get<Pod>(resources.pods, ns, 'left-0');
    assert.ok(cur.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
  });

  it('syncs every budget of a pod, and warns on the pod that there are several', async () => {
    await createBudget('dup', { minAvailable: 1 });
    await env.client.create<Budget>(PDBS, ns, {
      metadata: { name: 'dup-too' },
      spec: { selector: { matchLabels: { app: 'dup' } }, maxUnavailable: 0 },
    });
    await pods('dup', 1);
    await eventually(async () => {
      const [a, b] = [await statusOf('dup'), await statusOf('dup-too')];
      return a.expectedPods === 1 && b.currentHealthy === 1 ? true : undefined;
    }, 'both budgets synced');
    const events = await eventually(async () => {
      const e = await eventsFor(env.client, ns, 'dup-0');
      return e.some((x) => x.reason === 'MultiplePodDisruptionBudgets') ? e : undefined;
    }, 'the MultiplePodDisruptionBudgets event');
    assert.equal(
      events.find((x) => x.reason === 'MultiplePodDisruptionBudgets')?.message,
      'Pod "pdbs"/"dup-0" matches multiple PodDisruptionBudgets.  Chose "dup" arbitrarily.',
    );
  });
});
