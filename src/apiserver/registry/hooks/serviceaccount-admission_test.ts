import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../../../../test/support/inprocess.js';
import { StatusError, resources } from '../../../client/index.js';

it('mounts the kube-api-access volume in every container unless automount is off', async () => {
  const api = await startTestApi();
  try {
    const pod = await api.client.create(resources.pods, 'default', {
      metadata: { name: 'p' },
      spec: {
        initContainers: [{ name: 'i', image: 'busybox' }],
        containers: [{ name: 'c', image: 'busybox' }],
      },
    });
    const spec = pod['spec'] as {
      volumes: { name: string; projected?: { sources: object[] } }[];
      containers: { volumeMounts: { name: string; mountPath: string; readOnly: boolean }[] }[];
      initContainers: { volumeMounts: { mountPath: string }[] }[];
      serviceAccountName: string;
    };
    const vol = spec.volumes.find((v) => v.name.startsWith('kube-api-access-'));
    assert.ok(vol?.projected);
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(spec.containers[0]?.volumeMounts, [
      {
        name: vol.name,
        readOnly: true,
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      },
    ]);
    assert.equal(
      spec.initContainers[0]?.volumeMounts[0]?.mountPath,
      '/var/run/secrets/kubernetes.io/serviceaccount',
    );
    assert.equal(spec.serviceAccountName, 'default');

    const off = await api.client.create(resources.pods, 'default', {
      metadata: { name: 'q' },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox' }] },
    });
    assert.equal((off['spec'] as { volumes?: unknown[] }).volumes, undefined);

    await assert.rejects(
      api.client.create(resources.pods, 'default', {
        metadata: { name: 'r' },
        spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] },
      }),
      (e: unknown) =>
        e instanceof StatusError &&
        e.code === 403 &&
        e.message ===
          'pods "r" is forbidden: error looking up service account default/robot: serviceaccount "robot" not found',
    );
  } finally {
    await api.close();
  }
});
