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
} from '../../../test/support/controllers-replicaset.js';
import type { Pod } from '../replicaset/types.js';
import { statefulSetController } from './index.js';
import { garbageCollector } from '../garbagecollector/index.js';
import type { Revision } from './history.js';
import { statefulSets as STS, type StatefulSet } from './types.js';

const PODS = resources.pods;
const REVS = resources.controllerRevisions;

const claimName = (c: boolean | string): string => (c === true ? 'www' : String(c));

const stsBody = (
  name: string,
  extra: {
    replicas?: number;
    image?: string;
    parallel?: boolean;
    strategy?: unknown;
    /** A claim template named so (`true`: `www`). */
    claims?: boolean | string;
    start?: number;
  } = {},
): StatefulSet => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name },
  spec: {
    serviceName: `${name}-svc`,
    replicas: extra.replicas ?? 3,
    ...(extra.parallel ? { podManagementPolicy: 'Parallel' } : {}),
    ...(extra.strategy ? { updateStrategy: extra.strategy as never } : {}),
    ...(extra.start !== undefined ? { ordinals: { start: extra.start } } : {}),
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          {
            name: 'c',
            image: extra.image ?? 'web:1',
            ...(extra.claims
              ? { volumeMounts: [{ name: claimName(extra.claims), mountPath: '/data' }] }
              : {}),
          },
        ],
      },
    },
    ...(extra.claims
      ? {
          volumeClaimTemplates: [
            {
              metadata: { name: claimName(extra.claims) },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
            },
          ],
        }
      : {}),
  },
});

const imageOf = (p: Pod): string =>
  (p.spec?.['containers'] as { image: string }[] | undefined)?.[0]?.image ?? '';

describe('statefulset controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([statefulSetController, garbageCollector]);
  });
  after(async () => env.stop());

  /** The set's pods (not being deleted), by name. */
  const podsOf = async (ns: string, app: string): Promise<Pod[]> =>
    (await env.client.list<Pod>(PODS, ns, { labelSelector: `app=${app}` })).items
      .filter((p) => !p.metadata.deletionTimestamp)
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const names = async (ns: string, app: string): Promise<string[]> =>
    (await podsOf(ns, app)).map((p) => p.metadata.name ?? '');
  const waitNames = (ns: string, app: string, want: string[]): Promise<string[]> =>
    eventually(
      async () => {
        const got = await names(ns, app);
        return JSON.stringify(got) === JSON.stringify(want) ? got : false;
      },
      `pods ${want.join(',')}`,
    );
  const pod = (ns: string, name: string): Promise<Pod> => env.client.get<Pod>(PODS, ns, name);
  const ready = async (ns: string, name: string): Promise<void> =>
    markReady(env.client, await pod(ns, name));
  const waitSet = (
    ns: string,
    name: string,
    ok: (s: StatefulSet) => boolean,
    what: string,
  ): Promise<StatefulSet> =>
    eventually(async () => {
      const s = await env.client.get<StatefulSet>(STS, ns, name);
      return ok(s) ? s : false;
    }, what);
  /** Stands in for the kubelet: marks every pod of the set Ready until `done` holds. */
  const readyAll = async (ns: string, app: string): Promise<void> => {
    for (const p of await podsOf(ns, app))
      if (p.status?.phase !== 'Running') await markReady(env.client, p);
  };

  it('OrderedReady: one pod at a time, each waiting for the one before to be Running and Ready', async () => {
    const ns = await createNamespace(env.client, 'sts-ordered');
    const set = await env.client.create<StatefulSet>(STS, ns, stsBody('web'));
    await waitNames(ns, 'web', ['web-0']);
    const p0 = await pod(ns, 'web-0');
    const rev = p0.metadata.labels?.['controller-revision-hash'] ?? '';
    assert.match(rev, /^web-[a-z0-9]+$/);
    assert.deepEqual(p0.metadata.labels, {
      app: 'web',
      'apps.kubernetes.io/pod-index': '0',
      'controller-revision-hash': rev,
      'statefulset.kubernetes.io/pod-name': 'web-0',
    });
    assert.equal(p0.spec?.['hostname'], 'web-0');
    assert.equal(p0.spec?.['subdomain'], 'web-svc');
    assert.deepEqual(p0.metadata.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        name: 'web',
        uid: set.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    // Created, not Ready: web-1 waits.
    await waitSet(ns, 'web', (s) => s.status?.replicas === 1, 'status replicas 1');
    assert.deepEqual(await names(ns, 'web'), ['web-0']);

    await ready(ns, 'web-0');
    await waitNames(ns, 'web', ['web-0', 'web-1']);
    await ready(ns, 'web-1');
    await waitNames(ns, 'web', ['web-0', 'web-1', 'web-2']);
    await ready(ns, 'web-2');
    const done = await waitSet(ns, 'web', (s) => s.status?.readyReplicas === 3, 'ready 3');
    assert.deepEqual(done.status, {
      observedGeneration: 1,
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
      currentRevision: rev,
      updateRevision: rev,
      collisionCount: 0,
    });
    const created = (await eventsFor(env.client, ns, 'web'))
      .filter((e) => e.reason === 'SuccessfulCreate')
      .map((e) => [e.type, e.message, e.component]);
    assert.deepEqual(created, [
      ['Normal', 'create Pod web-0 in StatefulSet web successful', 'statefulset-controller'],
      ['Normal', 'create Pod web-1 in StatefulSet web successful', 'statefulset-controller'],
      ['Normal', 'create Pod web-2 in StatefulSet web successful', 'statefulset-controller'],
    ]);
    // One revision, owned by the set, carrying the template's labels and the hash.
    const revs = (await env.client.list<Revision>(REVS, ns)).items;
    assert.deepEqual(
      revs.map((r) => [r.metadata.name, r.revision, r.metadata.labels]),
      [[rev, 1, { app: 'web', 'controller-revision-hash': rev.slice('web-'.length) }]],
    );

    // Scaling down goes from the highest ordinal, one at a time.
    await env.client.patch(STS, ns, 'web', 'merge', { spec: { replicas: 1 } });
    await waitNames(ns, 'web', ['web-0']);
    const deleted = (await eventsFor(env.client, ns, 'web'))
      .filter((e) => e.reason === 'SuccessfulDelete')
      .map((e) => e.message);
    assert.deepEqual(deleted, [
      'delete Pod web-2 in StatefulSet web successful',
      'delete Pod web-1 in StatefulSet web successful',
    ]);
    await waitSet(
      ns,
      'web',
      (s) => s.status?.replicas === 1 && s.status.readyReplicas === 1,
      'scaled to 1',
    );
  });

  it('rolling update: highest ordinal first, one at a time; a partition holds the ordinals below it', async () => {
    const ns = await createNamespace(env.client, 'sts-rolling');
    await env.client.create<StatefulSet>(STS, ns, stsBody('roll', { parallel: true }));
    await waitNames(ns, 'roll', ['roll-0', 'roll-1', 'roll-2']);
    await readyAll(ns, 'roll');
    const first = await waitSet(ns, 'roll', (s) => s.status?.readyReplicas === 3, 'ready 3');
    const oldRev = first.status?.currentRevision ?? '';

    await env.client.patch(STS, ns, 'roll', 'merge', {
      spec: {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
        template: { spec: { containers: [{ name: 'c', image: 'web:2' }] } },
      },
    });
    // roll-2 goes first; roll-1 waits for its replacement to be ready.
    const replaced: string[] = [];
    for (const name of ['roll-2', 'roll-1']) {
      const p = await eventually(async () => {
        const p = await pod(ns, name).catch(() => undefined);
        return p && imageOf(p) === 'web:2' && !p.metadata.deletionTimestamp ? p : false;
      }, `${name} at web:2`);
      replaced.push(name);
      const others = await podsOf(ns, 'roll');
      assert.deepEqual(
        others.map((o) => [o.metadata.name, imageOf(o)]),
        [
          ['roll-0', 'web:1'],
          ['roll-1', name === 'roll-2' ? 'web:1' : 'web:2'],
          ['roll-2', 'web:2'],
        ],
      );
      await markReady(env.client, p);
    }
    assert.deepEqual(replaced, ['roll-2', 'roll-1']);
    const partitioned = await waitSet(
      ns,
      'roll',
      (s) => s.status?.updatedReplicas === 2 && s.status.readyReplicas === 3,
      'two updated',
    );
    assert.equal(partitioned.status?.currentRevision, oldRev);
    assert.notEqual(partitioned.status?.updateRevision, oldRev);
    assert.equal(partitioned.status?.currentReplicas, 1);
    // The partition holds roll-0 at the old template, even when it is recreated.
    await env.client.delete(PODS, ns, 'roll-0');
    const again = await eventually(async () => {
      const p = await pod(ns, 'roll-0').catch(() => undefined);
      return p && !p.metadata.deletionTimestamp && p.metadata.uid ? p : false;
    }, 'roll-0 recreated');
    assert.equal(imageOf(again), 'web:1');
    assert.equal(again.metadata.labels?.['controller-revision-hash'], oldRev);
    await markReady(env.client, again);

    // Partition 0 finishes the rollout; the update revision becomes the current one.
    await env.client.patch(STS, ns, 'roll', 'merge', {
      spec: { updateStrategy: { rollingUpdate: { partition: 0 } } },
    });
    const p0 = await eventually(async () => {
      const p = await pod(ns, 'roll-0').catch(() => undefined);
      return p && imageOf(p) === 'web:2' ? p : false;
    }, 'roll-0 at web:2');
    await markReady(env.client, p0);
    const rolled = await waitSet(
      ns,
      'roll',
      (s) =>
        s.status?.currentRevision === s.status?.updateRevision && s.status?.updatedReplicas === 3,
      'rolled out',
    );
    assert.equal(rolled.status?.currentReplicas, 3);
    const revs = (await env.client.list<Revision>(REVS, ns)).items
      .map((r) => [r.metadata.name, r.revision])
      .sort((a, b) => Number(a[1]) - Number(b[1]));
    assert.deepEqual(revs, [
      [oldRev, 1],
      [rolled.status?.updateRevision, 2],
    ]);
  });

  it('Parallel creates every ordinal at once, from ordinals.start; OnDelete replaces only deleted pods', async () => {
    const ns = await createNamespace(env.client, 'sts-parallel');
    await env.client.create<StatefulSet>(
      STS,
      ns,
      stsBody('par', { parallel: true, start: 5, strategy: { type: 'OnDelete' } }),
    );
    await waitNames(ns, 'par', ['par-5', 'par-6', 'par-7']);
    await env.client.patch(STS, ns, 'par', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'c', image: 'web:2' }] } } },
    });
    const st = await waitSet(
      ns,
      'par',
      (s) => !!s.status?.updateRevision && s.status.updateRevision !== s.status.currentRevision,
      'a new update revision',
    );
    assert.equal(st.status?.updatedReplicas, undefined);
    assert.deepEqual((await podsOf(ns, 'par')).map(imageOf), ['web:1', 'web:1', 'web:1']);
    await env.client.delete(PODS, ns, 'par-6');
    await eventually(async () => {
      const p = await pod(ns, 'par-6').catch(() => undefined);
      return p && imageOf(p) === 'web:2' ? p : false;
    }, 'par-6 recreated at web:2');
    assert.deepEqual((await podsOf(ns, 'par')).map(imageOf), ['web:1', 'web:2', 'web:1']);
  });

  it('a failed pod is deleted and recreated under the same name', async () => {
    const ns = await createNamespace(env.client, 'sts-failed');
    await env.client.create<StatefulSet>(STS, ns, stsBody('db', { replicas: 1 }));
    await waitNames(ns, 'db', ['db-0']);
    const before = await pod(ns, 'db-0');
    await env.client.patch(
      PODS,
      ns,
      'db-0',
      'merge',
      { status: { phase: 'Failed' } },
      { subresource: 'status' },
    );
    await eventually(async () => {
      const p = await pod(ns, 'db-0').catch(() => undefined);
      return p && p.metadata.uid !== before.metadata.uid && p.status?.phase === 'Pending'
        ? p
        : false;
    }, 'db-0 recreated');
    const messages = (await eventsFor(env.client, ns, 'db')).map((e) => e.message);
    assert.ok(messages.includes('delete Pod db-0 in StatefulSet db successful'), String(messages));
  });

  it('adopts orphans named as its members, leaves others; releases pods whose labels stop matching', async () => {
    const ns = await createNamespace(env.client, 'sts-adopt');
    const orphan = (name: string): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'adopt' } },
      spec: { containers: [{ name: 'c', image: 'web:1' }] },
    });
    // Ready, as its identity is fixed only once the pods before it (none) and it are Ready.
    await markReady(env.client, await env.client.create<Pod>(PODS, ns, orphan('adopt-0')));
    await env.client.create(PODS, ns, orphan('stranger'));
    const set = await env.client.create<StatefulSet>(STS, ns, stsBody('adopt', { replicas: 1 }));
    const adopted = await eventually(async () => {
      const p = await pod(ns, 'adopt-0');
      return p.metadata.ownerReferences?.[0]?.uid === set.metadata.uid &&
        p.metadata.labels?.['statefulset.kubernetes.io/pod-name'] === 'adopt-0'
        ? p
        : false;
    }, 'adopt-0 adopted and its identity fixed');
    assert.equal(adopted.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
    assert.equal((await pod(ns, 'stranger')).metadata.ownerReferences, undefined);
    const updated = (await eventsFor(env.client, ns, 'adopt')).map((e) => e.message);
    assert.ok(updated.includes('update Pod adopt-0 in StatefulSet adopt successful'));

    // A pod it controls under a name that is not one of its members is released.
    await env.client.create(PODS, ns, {
      ...orphan('renamed'),
      metadata: {
        name: 'renamed',
        labels: { app: 'adopt' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            name: 'adopt',
            uid: set.metadata.uid ?? '',
            controller: true,
          },
        ],
      },
    });
    await eventually(async () => {
      const p = await pod(ns, 'renamed');
      return (p.metadata.ownerReferences ?? []).length === 0 ? p : false;
    }, 'renamed released');

    await env.client.patch(PODS, ns, 'adopt-0', 'merge', { metadata: { labels: { app: 'gone' } } });
    await eventually(async () => {
      const p = await pod(ns, 'adopt-0');
      return p.metadata.ownerReferences === undefined || p.metadata.ownerReferences.length === 0
        ? p
        : false;
    }, 'adopt-0 released');
  });

  it('volume claim templates: the claim of each pod is made before the pod, which mounts it', async () => {
    const ns = await createNamespace(env.client, 'sts-claims');
    await env.client.create<StatefulSet>(STS, ns, stsBody('data', { replicas: 2, claims: true }));
    const pod = await eventually(async () => {
      const pods = (await env.client.list<Pod>(PODS, ns)).items;
      return pods.find((p) => p.metadata.name === 'data-0');
    }, 'pod data-0');
    assert.deepEqual(
      (pod.spec?.['volumes'] as unknown[] | undefined)?.find(
        (v) => (v as { name: string }).name === 'www',
      ),
      { name: 'www', persistentVolumeClaim: { claimName: 'www-data-0' } },
    );
    const claim = await env.client.get(resources.persistentVolumeClaims, ns, 'www-data-0');
    assert.equal(claim.metadata.labels?.['app'], 'data');
    const messages = (await eventsFor(env.client, ns, 'data')).map((e) => e.message);
    const claimMade = messages.indexOf(
      // (kube's words: "for" only in the failure's)
      'create Claim www-data-0 Pod data-0 in StatefulSet data success',
    );
    const podMade = messages.indexOf('create Pod data-0 in StatefulSet data successful');
    assert.ok(claimMade >= 0 && podMade >= 0, `events: ${JSON.stringify(messages)}`);
  });

  it('volume claim templates: a claim that cannot be made stops its pod', async () => {
    const ns = await createNamespace(env.client, 'sts-bad-claim');
    // A template name that leaves no room for "-SET-ORDINAL" in a claim's 253 characters.
    const template = 'w'.repeat(250);
    await env.client.create<StatefulSet>(
      STS,
      ns,
      stsBody('data', { replicas: 1, claims: template }),
    );
    const events = await eventually(async () => {
      const e = (await eventsFor(env.client, ns, 'data')).filter((e) => e.type === 'Warning');
      return e.length >= 2 ? e : false;
    }, 'FailedCreate events');
    const claim = `${template}-data-0`;
    assert.deepEqual(
      events.slice(0, 2).map((e) => e.reason),
      ['FailedCreate', 'FailedCreate'],
    );
    assert.match(
      events[0]?.message ?? '',
      new RegExp(
        `^create Claim ${claim} for Pod data-0 in StatefulSet data failed error: PersistentVolumeClaim "${claim}" is invalid: metadata\\.name: Invalid value`,
      ),
    );
    assert.match(
      events[1]?.message ?? '',
      new RegExp(
        `^create Pod data-0 in StatefulSet data failed error: failed to create PVC ${claim}: `,
      ),
    );
    assert.deepEqual(await names(ns, 'data'), []);
  });

  it('deleting the set deletes its pods (garbage collection) and its revisions', async () => {
    const ns = await createNamespace(env.client, 'sts-delete');
    await env.client.create<StatefulSet>(STS, ns, stsBody('gone', { parallel: true }));
    await waitNames(ns, 'gone', ['gone-0', 'gone-1', 'gone-2']);
    await env.client.delete(STS, ns, 'gone');
    await waitNames(ns, 'gone', []);
    await eventually(
      async () => ((await env.client.list(REVS, ns)).items.length === 0 ? true : false),
      'revisions gone',
    );
  });
});
