import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resources } from '../../client/index.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { createNamespace, eventsFor } from '../../../test/support/controllers-replicaset.js';
import {
  persistentVolumeBinder,
  pvcProtectionController,
  pvProtectionController,
} from './index.js';
import { persistentVolumeClaims as PVC, persistentVolumes as PV } from './types.js';
import type { Claim, Volume } from './types.js';

const staticVolume = (name: string, size: string, extra: Partial<Volume['spec']> = {}): Volume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    accessModes: ['ReadWriteOnce'],
    capacity: { storage: size },
    hostPath: { path: `/tmp/${name}` },
    storageClassName: '',
    ...extra,
  },
});

const claimBody = (name: string, size: string, spec: Partial<Claim['spec']> = {}): Claim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: size } },
    ...spec,
  },
});

describe('persistentvolume controllers', () => {
  let env: ControllerTestEnv;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-local-path-'));
    env = await startControllers([
      persistentVolumeBinder({ localPath: { nodeName: 'node-1', directory: dir } }),
      pvcProtectionController,
      pvProtectionController,
    ]);
  });
  after(async () => {
    await env.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const claimIn = (ns: string, name: string) => env.client.get<Claim>(PVC, ns, name);
  const volumeNamed = (name: string) => env.client.get<Volume>(PV, '', name);

  it('binds a claim of class "" to the smallest static volume that fits, both ways', async () => {
    const ns = await createNamespace(env.client, 'static');
    await env.client.create(PV, '', staticVolume('big', '5Gi'));
    await env.client.create(PV, '', staticVolume('small', '1Gi'));
    await env.client.create(PV, '', staticVolume('tiny', '100Mi'));
    await eventually(
      async () => (await volumeNamed('small')).status?.phase === 'Available',
      'volumes Available',
    );
    await env.client.create(PVC, ns, claimBody('data', '500Mi', { storageClassName: '' }));
    const claim = await eventually(async () => {
      const c = await claimIn(ns, 'data');
      return c.status?.phase === 'Bound' ? c : undefined;
    }, 'claim Bound');
    assert.equal(claim.spec?.volumeName, 'small');
    assert.deepEqual(claim.status?.capacity, { storage: '1Gi' });
    assert.deepEqual(claim.status?.accessModes, ['ReadWriteOnce']);
    assert.equal(claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(claim.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    const pv = await eventually(async () => {
      const v = await volumeNamed('small');
      return v.status?.phase === 'Bound' ? v : undefined;
    }, 'volume Bound');
    assert.equal(pv.spec?.claimRef?.name, 'data');
    assert.equal(pv.spec?.claimRef?.namespace, ns);
    assert.equal(pv.spec?.claimRef?.uid, claim.metadata.uid);
    assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.equal((await volumeNamed('big')).status?.phase, 'Available');

    // Retain: the claim goes, the volume stays Released with its claimRef.
    await env.client.delete(PVC, ns, 'data');
    await eventually(
      async () => (await volumeNamed('small')).status?.phase === 'Released',
      'volume Released',
    );
    assert.equal((await volumeNamed('small')).spec?.claimRef?.name, 'data');
  });

  it('binds a claim pre-bound to a volume by volumeName, and says why one that does not fit waits', async () => {
    const ns = await createNamespace(env.client, 'prebound');
    await env.client.create(PV, '', staticVolume('chosen', '2Gi'));
    await env.client.create(
      PVC,
      ns,
      claimBody('mine', '1Gi', { storageClassName: '', volumeName: 'chosen' }),
    );
    await eventually(
      async () => (await claimIn(ns, 'mine')).status?.phase === 'Bound',
      'pre-bound claim Bound',
    );
    const pv = await volumeNamed('chosen');
    assert.equal(pv.spec?.claimRef?.name, 'mine');
    // Bound by the user's volumeName: the claim carries no bound-by-controller annotation.
    const c = await claimIn(ns, 'mine');
    assert.equal(c.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);

    await env.client.create(PV, '', staticVolume('narrow', '1Gi'));
    await env.client.create(
      PVC,
      ns,
      claimBody('wide', '3Gi', { storageClassName: '', volumeName: 'narrow' }),
    );
    const events = await eventually(async () => {
      const e = await eventsFor(env.client, ns, 'wide');
      return e.some((x) => x.reason === 'VolumeMismatch') ? e : undefined;
    }, 'VolumeMismatch event');
    assert.ok(
      events.some(
        (e) => e.message === 'Cannot bind to requested volume "narrow": requested PV is too small',
      ),
    );
    assert.equal((await claimIn(ns, 'wide')).status?.phase, 'Pending');
  });

  it('says a claim without class and without volume waits', async () => {
    const ns = await createNamespace(env.client, 'waiting');
    await env.client.create(PVC, ns, claimBody('lonely', '50Gi', { storageClassName: '' }));
    await eventually(async () => {
      const e = await eventsFor(env.client, ns, 'lonely');
      return e.some(
        (x) =>
          x.reason === 'FailedBinding' &&
          x.message ===
            'no persistent volumes available for this claim and no storage class is set',
      );
    }, 'FailedBinding event');
    assert.equal((await claimIn(ns, 'lonely')).status?.phase, 'Pending');
  });

  it('provisions a local-path volume for a claim of the default class, and deletes it with the claim', async () => {
    const ns = await createNamespace(env.client, 'dynamic');
    await env.client.create(PVC, ns, claimBody('dyn', '1Gi'));
    const claim = await eventually(async () => {
      const c = await claimIn(ns, 'dyn');
      return c.status?.phase === 'Bound' ? c : undefined;
    }, 'provisioned claim Bound');
    assert.equal(claim.spec?.storageClassName, 'local-path');
    assert.equal(claim.spec?.volumeName, `pvc-${claim.metadata.uid ?? ''}`);
    assert.equal(
      claim.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'],
      'skiff.dev/local-path',
    );
    const pv = await volumeNamed(claim.spec?.volumeName ?? '');
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(pv.spec?.storageClassName, 'local-path');
    assert.equal(
      pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'],
      'skiff.dev/local-path',
    );
    assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection']);
    const path = pv.spec?.hostPath?.path ?? '';
    assert.equal(path, join(dir, `${pv.metadata.name ?? ''}_${ns}_dyn`));
    // Writable by any container user, whatever the umask.
    assert.equal(statSync(path).mode & 0o777, 0o777);
    const events = await eventsFor(env.client, ns, 'dyn');
    assert.ok(
      events.some(
        (e) =>
          e.reason === 'ProvisioningSucceeded' &&
          e.message ===
            `Successfully provisioned volume ${pv.metadata.name ?? ''} using skiff.dev/local-path`,
      ),
      JSON.stringify(events),
    );

    await env.client.delete(PVC, ns, 'dyn');
    await eventually(async () => {
      try {
        await volumeNamed(pv.metadata.name ?? '');
        return false;
      } catch {
        return true;
      }
    }, 'provisioned volume deleted');
    assert.ok(!existsSync(path));
  });

  it('keeps a claim a scheduled pod uses until the pod is gone', async () => {
    const ns = await createNamespace(env.client, 'protect');
    await env.client.create(PV, '', staticVolume('held', '1Gi'));
    await env.client.create(
      PVC,
      ns,
      claimBody('used', '1Gi', { storageClassName: '', volumeName: 'held' }),
    );
    await env.client.create(resources.pods, ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'user' },
      spec: {
        nodeName: 'node-1',
        containers: [{ name: 'c', image: 'busybox' }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'used' } }],
      },
    });
    await eventually(async () => (await claimIn(ns, 'used')).status?.phase === 'Bound', 'bound');
    await env.client.delete(PVC, ns, 'used');
    const terminating = await claimIn(ns, 'used');
    assert.ok(terminating.metadata.deletionTimestamp);
    assert.deepEqual(terminating.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    await env.client.delete(resources.pods, ns, 'user', { gracePeriodSeconds: 0 });
    await eventually(async () => {
      try {
        await claimIn(ns, 'used');
        return false;
      } catch {
        return true;
      }
    }, 'claim gone once its pod is');
    // Its volume, Retain, is Released and no longer protected from deletion.
    await eventually(
      async () => (await volumeNamed('held')).status?.phase === 'Released',
      'Released',
    );
    await env.client.delete(PV, '', 'held');
    await eventually(async () => {
      try {
        await volumeNamed('held');
        return false;
      } catch {
        return true;
      }
    }, 'released volume deleted');
  });

  it('gives a claim made while no class was default the default class once there is one', async () => {
    const ns = await createNamespace(env.client, 'retro');
    const classes = {
      group: 'storage.k8s.io',
      version: 'v1',
      plural: 'storageclasses',
      namespaced: false,
    };
    const setDefault = async (value: string): Promise<void> => {
      const sc = await env.client.get(classes, '', 'local-path');
      sc.metadata.annotations = { 'storageclass.kubernetes.io/is-default-class': value };
      await env.client.update(classes, sc);
    };
    await setDefault('false');
    try {
      // Bigger than any free volume of class "" (which a claim of no class would bind).
      await env.client.create(PVC, ns, claimBody('early', '20Gi'));
      assert.equal((await claimIn(ns, 'early')).spec?.storageClassName, undefined);
      await setDefault('true');
      const c = await eventually(async () => {
        const got = await claimIn(ns, 'early');
        return got.status?.phase === 'Bound' ? got : undefined;
      }, 'claim given the default class and bound');
      assert.equal(c.spec?.storageClassName, 'local-path');
    } finally {
      await setDefault('true');
    }
  });

  it('gives a new claim the newest default class (DefaultStorageClass admission)', async () => {
    const ns = await createNamespace(env.client, 'admission');
    const classes = {
      group: 'storage.k8s.io',
      version: 'v1',
      plural: 'storageclasses',
      namespaced: false,
    };
    // Creation times have whole seconds, and a tie goes to the first name ('local-path'): the
    // newer class is made once the clock has left the built-in class's second.
    const builtin = await env.client.get(classes, '', 'local-path');
    const builtinSecond = Date.parse(builtin.metadata.creationTimestamp ?? '');
    await eventually(
      async () => (Date.now() >= builtinSecond + 1000 ? true : undefined),
      'a second later than the built-in class',
    );
    await env.client.create(classes, '', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: 'newer',
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'example.com/none',
    });
    try {
      const c = await env.client.create<Claim>(PVC, ns, claimBody('picked', '1Gi'));
      assert.equal(c.spec?.storageClassName, 'newer');
      const named = await env.client.create<Claim>(
        PVC,
        ns,
        claimBody('named', '1Gi', { storageClassName: '' }),
      );
      assert.equal(named.spec?.storageClassName, '');
      // A class of another provisioner: the claim waits for it, in kube's words.
      await eventually(async () => {
        const e = await eventsFor(env.client, ns, 'picked');
        return e.some(
          (x) =>
            x.reason === 'ExternalProvisioning' &&
            x.message ===
              "Waiting for a volume to be created either by the external provisioner 'example.com/none' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
        );
      }, 'ExternalProvisioning event');
    } finally {
      await env.client.delete(classes, '', 'newer');
    }
  });

  it('waits for the first consumer: provisions only once a node is selected, and only its own', async () => {
    const ns = await createNamespace(env.client, 'wffc');
    const classes = {
      group: 'storage.k8s.io',
      version: 'v1',
      plural: 'storageclasses',
      namespaced: false,
    };
    await env.client.create(classes, '', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'later' },
      provisioner: 'skiff.dev/local-path',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    try {
      await env.client.create(PVC, ns, claimBody('late', '1Gi', { storageClassName: 'later' }));
      await eventually(async () => {
        const e = await eventsFor(env.client, ns, 'late');
        return e.some(
          (x) =>
            x.reason === 'WaitForFirstConsumer' &&
            x.message === 'waiting for first consumer to be created before binding',
        );
      }, 'WaitForFirstConsumer event');
      assert.equal((await claimIn(ns, 'late')).status?.phase, 'Pending');
      const select = async (name: string, node: string): Promise<void> => {
        await env.client.patch(PVC, ns, name, 'merge', {
          metadata: { annotations: { 'volume.kubernetes.io/selected-node': node } },
        });
      };
      await select('late', 'elsewhere');
      await eventually(async () => {
        const e = await eventsFor(env.client, ns, 'late');
        return e.some(
          (x) =>
            x.reason === 'ProvisioningFailed' &&
            x.message ===
              'failed to provision volume with StorageClass "later": local-path volumes are made on node "node-1" only, not on "elsewhere"',
        );
      }, 'ProvisioningFailed event');
      await select('late', 'node-1');
      const c = await eventually(async () => {
        const got = await claimIn(ns, 'late');
        return got.status?.phase === 'Bound' ? got : undefined;
      }, 'claim provisioned on the selected node');
      assert.equal(c.spec?.volumeName, `pvc-${c.metadata.uid ?? ''}`);
    } finally {
      await env.client.delete(classes, '', 'later');
    }
  });
});
