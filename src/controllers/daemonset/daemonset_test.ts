import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import {
  createNamespace,
  eventsFor,
  markReady,
  podsOf,
} from '../../../test/support/controllers-replicaset.js';
import type { Pod } from '../replicaset/types.js';
import { daemonSetController } from './index.js';
import { garbageCollector } from '../garbagecollector/index.js';
import type { DaemonSet, DaemonSetStatus } from './types.js';
import type { Revision } from './history.js';

const DS = resources.daemonSets;
const NODES = resources.nodes;

const dsBody = (
  name: string,
  extra: { nodeSelector?: Record<string, string>; strategy?: unknown; image?: string } = {},
): DaemonSet => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    ...(extra.strategy ? { updateStrategy: extra.strategy as never } : {}),
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: 'agent', image: extra.image ?? 'agent:1' }],
        ...(extra.nodeSelector ? { nodeSelector: extra.nodeSelector } : {}),
      },
    },
  },
});

const imageOf = (p: Pod): string =>
  ((p.spec?.['containers'] as { image: string }[] | undefined)?.[0]?.image ?? '') as string;

const pinnedNode = (p: Pod): string | undefined => {
  const a = p.spec?.['affinity'] as {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: { matchFields: { values: string[] }[] }[];
      };
    };
  };
  return a.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
    ?.matchFields[0]?.values[0];
};

describe('daemonset controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([daemonSetController, garbageCollector]);
  });
  after(async () => env.stop());

  const addNode = async (
    name: string,
    labels: Record<string, string> = {},
    taints: { key: string; effect: string }[] = [],
  ): Promise<void> => {
    await env.client.create(NODES, '', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
      spec: taints.length ? { taints } : {},
    });
  };
  const podNodes = async (ns: string, name: string): Promise<string[]> =>
    (await podsOf(env.client, ns, name)).map((p) => pinnedNode(p) ?? '?').sort();
  const waitNodes = (ns: string, name: string, nodes: string[]): Promise<string[]> =>
    eventually(
      async () => {
        const got = await podNodes(ns, name);
        return JSON.stringify(got) === JSON.stringify(nodes) ? got : false;
      },
      `daemon pods of ${name} on ${nodes.join(',')}`,
    );
  const waitStatus = (
    ns: string,
    name: string,
    ok: (s: DaemonSetStatus, ds: DaemonSet) => boolean,
    what: string,
  ): Promise<DaemonSet> =>
    eventually(async () => {
      const ds = await env.client.get<DaemonSet>(DS, ns, name);
      return ok(ds.status ?? {}, ds) ? ds : false;
    }, what);

  it('runs one pod per node, pinned by node affinity, tolerating node problems, with status and events', async () => {
    const ns = await createNamespace(env.client, 'ds-basic');
    await addNode('basic-a');
    await addNode('basic-b');
    const ds = await env.client.create<DaemonSet>(DS, ns, dsBody('agent'));
    await waitNodes(ns, 'agent', ['basic-a', 'basic-b']);
    const pods = await podsOf(env.client, ns, 'agent');
    for (const p of pods) {
      assert.match(p.metadata.name ?? '', /^agent-[a-z0-9]{5}$/);
      assert.equal(p.metadata.labels?.['app'], 'agent');
      assert.equal(p.metadata.labels?.['pod-template-generation'], '1');
      assert.match(p.metadata.labels?.['controller-revision-hash'] ?? '', /^[a-z0-9]+$/);
      assert.deepEqual(p.metadata.ownerReferences, [
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          name: 'agent',
          uid: ds.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      assert.deepEqual(p.spec?.['tolerations'], [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
      ]);
    }
    const st = await waitStatus(
      ns,
      'agent',
      (s) => s.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2,
      'desired 2, current 2',
    );
    assert.deepEqual(st.status, {
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      desiredNumberScheduled: 2,
      numberReady: 0,
      observedGeneration: 1,
      updatedNumberScheduled: 2,
      numberUnavailable: 2,
    });
    for (const p of pods) await markReady(env.client, p);
    await waitStatus(
      ns,
      'agent',
      (s) => s.numberReady === 2 && s.numberAvailable === 2 && s.numberUnavailable === undefined,
      'ready and available 2',
    );
    const events = await eventsFor(env.client, ns, 'agent');
    const created = events.filter((e) => e.reason === 'SuccessfulCreate');
    assert.equal(created.length, 2);
    for (const e of created) {
      assert.match(e.message, /^Created pod: agent-[a-z0-9]{5}$/);
      assert.equal(e.component, 'daemonset-controller');
    }
    await env.client.delete(DS, ns, 'agent');
    await env.client.delete(NODES, '', 'basic-a');
    await env.client.delete(NODES, '', 'basic-b');
  });

  it('follows nodes: added, removed, relabelled and tainted', async () => {
    const ns = await createNamespace(env.client, 'ds-nodes');
    await addNode('fol-a', { role: 'edge' });
    await addNode('fol-b', { role: 'edge' });
    await addNode('fol-c', { role: 'core' });
    await env.client.create<DaemonSet>(DS, ns, dsBody('edge', { nodeSelector: { role: 'edge' } }));
    await waitNodes(ns, 'edge', ['fol-a', 'fol-b']);

    await addNode('fol-d', { role: 'edge' });
    await waitNodes(ns, 'edge', ['fol-a', 'fol-b', 'fol-d']);

    await env.client.delete(NODES, '', 'fol-d');
    await waitNodes(ns, 'edge', ['fol-a', 'fol-b']);

    await env.client.patch(NODES, '', 'fol-c', 'merge', { metadata: { labels: { role: 'edge' } } });
    await waitNodes(ns, 'edge', ['fol-a', 'fol-b', 'fol-c']);
    await env.client.patch(NODES, '', 'fol-a', 'merge', { metadata: { labels: { role: 'core' } } });
    await waitNodes(ns, 'edge', ['fol-b', 'fol-c']);

    // NoSchedule: the pod already there stays (misscheduled); NoExecute: it goes.
    await env.client.patch(NODES, '', 'fol-b', 'merge', {
      spec: { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] },
    });
    await waitStatus(
      ns,
      'edge',
      (s) => s.desiredNumberScheduled === 1 && s.numberMisscheduled === 1,
      'desired 1, misscheduled 1',
    );
    assert.deepEqual(await podNodes(ns, 'edge'), ['fol-b', 'fol-c']);
    await env.client.patch(NODES, '', 'fol-b', 'merge', {
      spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] },
    });
    await waitNodes(ns, 'edge', ['fol-c']);
    const st = await waitStatus(
      ns,
      'edge',
      (s) => s.numberMisscheduled === 0 && s.currentNumberScheduled === 1,
      'misscheduled 0, current 1',
    );
    assert.equal(st.status?.desiredNumberScheduled, 1);
    const deleted = (await eventsFor(env.client, ns, 'edge')).filter(
      (e) => e.reason === 'SuccessfulDelete',
    );
    assert.ok(deleted.length >= 3, JSON.stringify(deleted));
    assert.match(deleted[0]?.message ?? '', /^Deleted pod: edge-[a-z0-9]{5}$/);
    for (const n of ['fol-a', 'fol-b', 'fol-c']) await env.client.delete(NODES, '', n);
  });

  it('rolls a template change out one node at a time; OnDelete waits for deletions', async () => {
    const ns = await createNamespace(env.client, 'ds-roll');
    for (const n of ['roll-a', 'roll-b', 'roll-c']) await addNode(n, { pool: 'roll' });
    await env.client.create<DaemonSet>(DS, ns, dsBody('roll', { nodeSelector: { pool: 'roll' } }));
    await waitNodes(ns, 'roll', ['roll-a', 'roll-b', 'roll-c']);
    for (const p of await podsOf(env.client, ns, 'roll')) await markReady(env.client, p);
    await waitStatus(ns, 'roll', (s) => s.numberAvailable === 3, 'available 3');

    await env.client.patch(DS, ns, 'roll', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } },
    });
    // The first new pod appears while the other two old ones still run (maxUnavailable 1).
    const first = await eventually(async () => {
      const pods = await podsOf(env.client, ns, 'roll');
      const fresh = pods.filter((p) => imageOf(p) === 'agent:2');
      return fresh.length === 1 ? pods : false;
    }, 'one new pod');
    assert.equal(first.filter((p) => imageOf(p) === 'agent:1').length, 2);
    assert.equal(
      first.find((p) => imageOf(p) === 'agent:2')?.metadata.labels?.['pod-template-generation'],
      '2',
    );
    // The node agent's part: each new pod becomes ready, which lets the next old one go.
    await eventually(
      async () => {
        const pods = await podsOf(env.client, ns, 'roll');
        for (const p of pods)
          if (!p.status?.conditions?.some((c) => c.type === 'Ready'))
            await markReady(env.client, p);
        return pods.length === 3 && pods.every((p) => imageOf(p) === 'agent:2');
      },
      'every pod on agent:2',
      30_000,
    );
    const st = await waitStatus(
      ns,
      'roll',
      (s, ds) =>
        s.updatedNumberScheduled === 3 &&
        s.numberAvailable === 3 &&
        s.observedGeneration === ds.metadata.generation,
      'updated and available 3',
    );
    assert.equal(st.metadata.generation, 2);

    // OnDelete: a template change replaces nothing until a pod is deleted.
    await env.client.patch(DS, ns, 'roll', 'merge', {
      spec: {
        updateStrategy: { type: 'OnDelete', rollingUpdate: null },
        template: { spec: { containers: [{ name: 'agent', image: 'agent:3' }] } },
      },
    });
    await waitStatus(
      ns,
      'roll',
      (s, ds) => s.observedGeneration === ds.metadata.generation && !s.updatedNumberScheduled,
      'observed, nothing updated',
    );
    const before = await podsOf(env.client, ns, 'roll');
    assert.ok(before.every((p) => imageOf(p) === 'agent:2'));
    const victim = before.find((p) => pinnedNode(p) === 'roll-a');
    await env.client.delete(resources.pods, ns, victim?.metadata.name ?? '');
    await eventually(async () => {
      const pods = await podsOf(env.client, ns, 'roll');
      const onA = pods.filter((p) => pinnedNode(p) === 'roll-a');
      return onA.length === 1 && imageOf(onA[0] as Pod) === 'agent:3' && pods.length === 3;
    }, 'roll-a on agent:3');
    const pods = await podsOf(env.client, ns, 'roll');
    assert.equal(pods.filter((p) => imageOf(p) === 'agent:2').length, 2);

    // History: one ControllerRevision per template, numbered in order, named by the hash
    // label its pods carry, holding the patch that restores the template.
    const revs = await eventually(async () => {
      const list = await env.client.list<Revision>(resources.controllerRevisions, ns);
      return list.items.length === 3 ? list.items : false;
    }, 'three revisions');
    revs.sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
    assert.deepEqual(
      revs.map((r) => r.revision),
      [1, 2, 3],
    );
    const images = revs.map(
      (r) =>
        (r.data as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec
          .template.spec.containers[0]?.image,
    );
    assert.deepEqual(images, ['agent:1', 'agent:2', 'agent:3']);
    for (const r of revs) {
      const hash = r.metadata.labels?.['controller-revision-hash'];
      assert.equal(r.metadata.name, `roll-${hash}`);
      assert.equal(
        (r.data as { spec: { template: { $patch: string } } }).spec.template.$patch,
        'replace',
      );
      assert.equal(r.metadata.ownerReferences?.[0]?.name, 'roll');
    }
    const newest = revs[2]?.metadata.labels?.['controller-revision-hash'];
    const onA = pods.find((p) => pinnedNode(p) === 'roll-a');
    assert.equal(onA?.metadata.labels?.['controller-revision-hash'], newest);
  });

  it('with maxSurge, starts the new pod beside the old one and then removes the old', async () => {
    const ns = await createNamespace(env.client, 'ds-surge');
    for (const n of ['surge-a', 'surge-b']) await addNode(n, { pool: 'surge' });
    await env.client.create<DaemonSet>(
      DS,
      ns,
      dsBody('surge', {
        nodeSelector: { pool: 'surge' },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      }),
    );
    await waitNodes(ns, 'surge', ['surge-a', 'surge-b']);
    for (const p of await podsOf(env.client, ns, 'surge')) await markReady(env.client, p);
    await waitStatus(ns, 'surge', (s) => s.numberAvailable === 2, 'available 2');
    await env.client.patch(DS, ns, 'surge', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } },
    });
    // One node gets a second pod; both old pods still run.
    const surged = await eventually(async () => {
      const pods = await podsOf(env.client, ns, 'surge');
      return pods.length === 3 ? pods : false;
    }, 'a surge pod');
    assert.equal(surged.filter((p) => imageOf(p) === 'agent:1').length, 2);
    const fresh = surged.find((p) => imageOf(p) === 'agent:2') as Pod;
    assert.equal(surged.filter((p) => pinnedNode(p) === pinnedNode(fresh)).length, 2);
    // Once it is available, the old pod beside it goes, then the other node surges.
    await eventually(
      async () => {
        const pods = await podsOf(env.client, ns, 'surge');
        for (const p of pods)
          if (!p.status?.conditions?.some((c) => c.type === 'Ready'))
            await markReady(env.client, p);
        return pods.length === 2 && pods.every((p) => imageOf(p) === 'agent:2');
      },
      'both nodes on agent:2',
      20_000,
    );
    assert.deepEqual(await podNodes(ns, 'surge'), ['surge-a', 'surge-b']);
    for (const n of ['surge-a', 'surge-b']) await env.client.delete(NODES, '', n);
  });

  it('keeps revisionHistoryLimit old revisions, and those pods still run', async () => {
    const ns = await createNamespace(env.client, 'ds-history');
    await addNode('hist-a', { pool: 'hist' });
    const body = dsBody('hist', { nodeSelector: { pool: 'hist' }, strategy: { type: 'OnDelete' } });
    (body.spec as Record<string, unknown>)['revisionHistoryLimit'] = 0;
    await env.client.create<DaemonSet>(DS, ns, body);
    await waitNodes(ns, 'hist', ['hist-a']);
    for (const image of ['agent:2', 'agent:3'])
      await env.client.patch(DS, ns, 'hist', 'merge', {
        spec: { template: { spec: { containers: [{ name: 'agent', image }] } } },
      });
    // The pod still runs revision 1, which stays; revision 2 goes.
    const revs = await eventually(async () => {
      const list = await env.client.list<Revision>(resources.controllerRevisions, ns);
      const nums = list.items.map((r) => r.revision).sort();
      return JSON.stringify(nums) === '[1,3]' ? list.items : false;
    }, 'revisions 1 and 3');
    assert.equal(revs.length, 2);
    await env.client.delete(NODES, '', 'hist-a');
  });

  it('deleting the DaemonSet removes its pods and revisions (garbage collector)', async () => {
    const ns = await createNamespace(env.client, 'ds-gc');
    await addNode('gc-a', { pool: 'gc' });
    await env.client.create<DaemonSet>(DS, ns, dsBody('gc', { nodeSelector: { pool: 'gc' } }));
    await waitNodes(ns, 'gc', ['gc-a']);
    await eventually(async () => {
      const list = await env.client.list(resources.controllerRevisions, ns);
      return list.items.length === 1;
    }, 'one revision');
    await env.client.delete(DS, ns, 'gc');
    await eventually(async () => {
      const [p, r] = await Promise.all([
        env.client.list(resources.pods, ns),
        env.client.list(resources.controllerRevisions, ns),
      ]);
      return p.items.length === 0 && r.items.length === 0;
    }, 'pods and revisions gone');
    await env.client.delete(NODES, '', 'gc-a');
  });
});
