// End-to-end: storage as a user sees it with kubectl 1.27, 1.30 and 1.33 on a cluster with a
// node (its own network namespace, pods under runc with the busybox test image): the default
// StorageClass `local-path`, a claim provisioned and bound, data written by one pod and read
// by the next, a static volume bound by a claim of class "", reclaim Delete removing the
// volume and its directory, pvc-protection holding a used claim, and a pod whose claim is
// unbound waiting with kube-scheduler's words.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  AGE,
  E2E_NODE,
  VERSIONS,
  esc,
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  startNodeCluster,
  until,
  type TestCluster,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

let c: TestCluster;
before(async () => {
  if (skip) return;
  const images = await ensureTestImages({ images: [IMAGES.busybox] });
  c = startNodeCluster({ images: [images.archives[IMAGES.busybox]!] });
});
after(() => c?.stop());

const claimYaml = (name: string, size: string, extra: string[] = []): string =>
  [
    'apiVersion: v1',
    'kind: PersistentVolumeClaim',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  accessModes: [ReadWriteOnce]',
    '  resources:',
    '    requests:',
    `      storage: ${size}`,
    ...extra,
  ].join('\n');

const podYaml = (name: string, claim: string, script: string, restart = 'Never'): string =>
  [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  restartPolicy: ${restart}`,
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    '  - name: main',
    `    image: ${IMAGES.busybox}`,
    `    command: ["sh", "-c", ${JSON.stringify(script)}]`,
    '    volumeMounts:',
    '    - name: data',
    '      mountPath: /data',
    '  volumes:',
    '  - name: data',
    '    persistentVolumeClaim:',
    `      claimName: ${claim}`,
  ].join('\n');

/**
 * A kubectl table as its printer lays it out (columns three spaces apart, the last one
 * unpadded), with the rows' last cell, the age, matched loosely.
 */
function table(header: string[], ...rows: string[][]): RegExp {
  const widths = header.map((_, i) =>
    Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[], last: string): string =>
    cells
      .slice(0, -1)
      .map((cell, i) => esc(cell.padEnd((widths[i] ?? 0) + 3)))
      .join('') + last;
  return new RegExp(
    `^${[line(header, esc(header[header.length - 1] ?? '')), ...rows.map((r) => line(r, AGE))].join('\\n')}\\n$`,
  );
}

const kubectl = (args: string[], input?: string) =>
  c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
const jsonpath = async (args: string[], path: string): Promise<string> =>
  ok(await kubectl([...args, '-o', `jsonpath=${path}`]));
const phaseOf = (kind: string, name: string) => jsonpath(['get', kind, name], '{.status.phase}');
const gone = async (args: string[]): Promise<true | undefined> => {
  const r = await kubectl(['get', ...args]);
  return r.code !== 0 && r.stderr.includes('NotFound') ? true : undefined;
};

describe('storage', { skip }, () => {
  for (const v of VERSIONS)
    test(
      `kubectl 1.${v}: get sc shows local-path (default)`,
      { skip: !hasKubectl(v) },
      async () => {
        const out = ok(await c.kubectl(v, ['get', 'sc']));
        assert.match(
          out,
          table(
            [
              'NAME',
              'PROVISIONER',
              'RECLAIMPOLICY',
              'VOLUMEBINDINGMODE',
              'ALLOWVOLUMEEXPANSION',
              'AGE',
            ],
            ['local-path (default)', 'skiff.dev/local-path', 'Delete', 'Immediate', 'false', 'AGE'],
          ),
        );
        assert.equal(
          ok(await c.kubectl(v, ['get', 'storageclass', 'local-path', '-o', 'name'])),
          'storageclass.storage.k8s.io/local-path\n',
        );
      },
    );

  test('a claim gets a provisioned volume; a pod writes to it and the next reads it back', async () => {
    ok(await kubectl(['create', '-f', '-'], claimYaml('data', '64Mi')));
    await until('claim data Bound', async () =>
      (await phaseOf('pvc', 'data')) === 'Bound' ? true : undefined,
    );
    const volume = await jsonpath(['get', 'pvc', 'data'], '{.spec.volumeName}');
    const uid = await jsonpath(['get', 'pvc', 'data'], '{.metadata.uid}');
    assert.equal(volume, `pvc-${uid}`);
    for (const v of VERSIONS) {
      if (!hasKubectl(v)) continue;
      const pvc = ok(await c.kubectl(v, ['get', 'pvc', 'data']));
      assert.match(
        pvc,
        table(
          [
            'NAME',
            'STATUS',
            'VOLUME',
            'CAPACITY',
            'ACCESS MODES',
            'STORAGECLASS',
            'VOLUMEATTRIBUTESCLASS',
            'AGE',
          ],
          ['data', 'Bound', volume, '64Mi', 'RWO', 'local-path', '<unset>', 'AGE'],
        ),
        `kubectl 1.${v}`,
      );
      const wide = parseTable(ok(await c.kubectl(v, ['get', 'pvc', 'data', '-o', 'wide'])));
      assert.equal(wide[0]?.['VOLUMEMODE'], 'Filesystem');
      const pv = ok(await c.kubectl(v, ['get', 'pv', volume]));
      assert.match(
        pv,
        table(
          [
            'NAME',
            'CAPACITY',
            'ACCESS MODES',
            'RECLAIM POLICY',
            'STATUS',
            'CLAIM',
            'STORAGECLASS',
            'VOLUMEATTRIBUTESCLASS',
            'REASON',
            'AGE',
          ],
          [
            volume,
            '64Mi',
            'RWO',
            'Delete',
            'Bound',
            'default/data',
            'local-path',
            '<unset>',
            '',
            'AGE',
          ],
        ),
        `kubectl 1.${v}`,
      );
    }
    const describe = ok(await kubectl(['describe', 'pvc', 'data']));
    assert.match(describe, /^Status:\s+Bound$/m);
    assert.match(describe, /^StorageClass:\s+local-path$/m);
    assert.match(describe, /ProvisioningSucceeded\s+.*Successfully provisioned volume pvc-/);

    ok(await kubectl(['create', '-f', '-'], podYaml('writer', 'data', 'echo kept > /data/note')));
    await until('writer Succeeded', async () =>
      (await phaseOf('pod', 'writer')) === 'Succeeded' ? true : undefined,
    );
    ok(await kubectl(['delete', 'pod', 'writer']));
    ok(await kubectl(['create', '-f', '-'], podYaml('reader', 'data', 'cat /data/note')));
    await until('reader Succeeded', async () =>
      (await phaseOf('pod', 'reader')) === 'Succeeded' ? true : undefined,
    );
    assert.equal(ok(await kubectl(['logs', 'reader'])), 'kept\n');
    ok(await kubectl(['delete', 'pod', 'reader']));

    // Reclaim Delete: the claim goes, and with it the volume and its directory.
    const dir = await jsonpath(['get', 'pv', volume], '{.spec.hostPath.path}');
    assert.equal(dir, join(c.dataDir, 'storage', `${volume}_default_data`));
    assert.ok(existsSync(join(dir, 'note')));
    ok(await kubectl(['delete', 'pvc', 'data']));
    await until('provisioned volume deleted', () => gone(['pv', volume]));
    assert.ok(!existsSync(dir));
  });

  test('a class that waits for the first consumer provisions when a pod uses the claim', async () => {
    const classYaml = [
      'apiVersion: storage.k8s.io/v1',
      'kind: StorageClass',
      'metadata:',
      '  name: local-later',
      'provisioner: skiff.dev/local-path',
      'volumeBindingMode: WaitForFirstConsumer',
    ].join('\n');
    ok(await kubectl(['create', '-f', '-'], classYaml));
    ok(
      await kubectl(
        ['create', '-f', '-'],
        claimYaml('deferred', '8Mi', ['  storageClassName: local-later']),
      ),
    );
    await until('WaitForFirstConsumer event', async () =>
      /WaitForFirstConsumer\s+.*waiting for first consumer to be created before binding/.test(
        ok(await kubectl(['describe', 'pvc', 'deferred'])),
      )
        ? true
        : undefined,
    );
    assert.equal(await phaseOf('pvc', 'deferred'), 'Pending');
    ok(await kubectl(['create', '-f', '-'], podYaml('first', 'deferred', 'echo first > /data/f')));
    await until('first Succeeded', async () =>
      (await phaseOf('pod', 'first')) === 'Succeeded' ? true : undefined,
    );
    assert.equal(await phaseOf('pvc', 'deferred'), 'Bound');
    assert.equal(
      await jsonpath(
        ['get', 'pvc', 'deferred'],
        '{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}',
      ),
      E2E_NODE,
    );
    ok(await kubectl(['delete', 'pod', 'first']));
    ok(await kubectl(['delete', 'pvc', 'deferred']));
    ok(await kubectl(['delete', 'sc', 'local-later']));
  });

  test('a static volume binds a claim of class "" and is Released, kept, when the claim goes', async () => {
    const pvYaml = [
      'apiVersion: v1',
      'kind: PersistentVolume',
      'metadata:',
      '  name: static-1',
      'spec:',
      '  capacity:',
      '    storage: 1Gi',
      '  accessModes: [ReadWriteOnce, ReadOnlyMany]',
      '  hostPath:',
      `    path: ${join(c.dataDir, 'static-1')}`,
      '    type: DirectoryOrCreate',
    ].join('\n');
    ok(await kubectl(['create', '-f', '-'], pvYaml));
    await until('static-1 Available', async () =>
      (await phaseOf('pv', 'static-1')) === 'Available' ? true : undefined,
    );
    ok(
      await kubectl(
        ['create', '-f', '-'],
        claimYaml('manual', '500Mi', ['  storageClassName: ""']),
      ),
    );
    await until('claim manual Bound', async () =>
      (await phaseOf('pvc', 'manual')) === 'Bound' ? true : undefined,
    );
    assert.match(
      ok(await kubectl(['get', 'pvc', 'manual'])),
      table(
        [
          'NAME',
          'STATUS',
          'VOLUME',
          'CAPACITY',
          'ACCESS MODES',
          'STORAGECLASS',
          'VOLUMEATTRIBUTESCLASS',
          'AGE',
        ],
        ['manual', 'Bound', 'static-1', '1Gi', 'RWO,ROX', '', '<unset>', 'AGE'],
      ),
    );
    assert.equal(
      await jsonpath(
        ['get', 'pv', 'static-1'],
        '{.spec.persistentVolumeReclaimPolicy} {.spec.claimRef.name}',
      ),
      'Retain manual',
    );
    ok(await kubectl(['delete', 'pvc', 'manual']));
    await until('static-1 Released', async () =>
      (await phaseOf('pv', 'static-1')) === 'Released' ? true : undefined,
    );
    assert.match(
      ok(await kubectl(['get', 'pv', 'static-1'])),
      table(
        [
          'NAME',
          'CAPACITY',
          'ACCESS MODES',
          'RECLAIM POLICY',
          'STATUS',
          'CLAIM',
          'STORAGECLASS',
          'VOLUMEATTRIBUTESCLASS',
          'REASON',
          'AGE',
        ],
        [
          'static-1',
          '1Gi',
          'RWO,ROX',
          'Retain',
          'Released',
          'default/manual',
          '',
          '<unset>',
          '',
          'AGE',
        ],
      ),
    );
    ok(await kubectl(['delete', 'pv', 'static-1']));
    await until('static-1 deleted', () => gone(['pv', 'static-1']));
  });

  test('a claim a pod uses stays Terminating until the pod is gone', async () => {
    ok(await kubectl(['create', '-f', '-'], claimYaml('held', '16Mi')));
    ok(await kubectl(['create', '-f', '-'], podYaml('holder', 'held', 'sleep 3600', 'Always')));
    await until('holder Running', async () =>
      (await phaseOf('pod', 'holder')) === 'Running' ? true : undefined,
    );
    ok(await kubectl(['delete', 'pvc', 'held', '--wait=false']));
    const table = parseTable(ok(await kubectl(['get', 'pvc', 'held'])));
    assert.equal(table[0]?.['STATUS'], 'Terminating');
    assert.equal(
      await jsonpath(['get', 'pvc', 'held'], '{.metadata.finalizers}'),
      '["kubernetes.io/pvc-protection"]',
    );
    const describe = ok(await kubectl(['describe', 'pvc', 'held']));
    assert.match(describe, /^Used By:\s+holder$/m);
    ok(await kubectl(['delete', 'pod', 'holder']));
    await until('claim held gone', () => gone(['pvc', 'held']));
  });

  test('pods whose claim is not bound wait, as kube-scheduler and the kubelet say, then run', async () => {
    ok(
      await kubectl(
        ['create', '-f', '-'],
        claimYaml('nowhere', '100Gi', ['  storageClassName: ""']),
      ),
    );
    ok(await kubectl(['create', '-f', '-'], podYaml('waiter', 'nowhere', 'true')));
    const message = await until('FailedScheduling', async () => {
      const m = await jsonpath(
        ['get', 'pod', 'waiter'],
        '{.status.conditions[?(@.type=="PodScheduled")].message}',
      );
      return m || undefined;
    });
    assert.equal(
      message,
      '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
    );
    const events = ok(await kubectl(['describe', 'pvc', 'nowhere']));
    assert.match(
      events,
      /FailedBinding\s+.*no persistent volumes available for this claim and no storage class is set/,
    );
    // A pod put on the node by name skips the scheduler: the node waits for the claim.
    const direct = podYaml('direct', 'nowhere', 'true').replace(
      'spec:\n',
      `spec:\n  nodeName: ${E2E_NODE}\n`,
    );
    ok(await kubectl(['create', '-f', '-'], direct));
    const mount = await until('FailedMount', async () => {
      const m = await jsonpath(
        ['get', 'events', '--field-selector', 'involvedObject.name=direct,reason=FailedMount'],
        '{.items[0].message}',
      );
      return m || undefined;
    });
    assert.equal(
      mount,
      'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[data]: error processing PVC default/nowhere: PVC is not bound',
    );
    assert.equal(
      parseTable(ok(await kubectl(['get', 'pod', 'direct'])))[0]?.['STATUS'],
      'ContainerCreating',
    );

    // A volume that fits appears: the claim binds, and both pods run.
    const pvYaml = [
      'apiVersion: v1',
      'kind: PersistentVolume',
      'metadata:',
      '  name: late',
      'spec:',
      '  capacity:',
      '    storage: 100Gi',
      '  accessModes: [ReadWriteOnce]',
      '  hostPath:',
      `    path: ${join(c.dataDir, 'late')}`,
      '    type: DirectoryOrCreate',
    ].join('\n');
    ok(await kubectl(['create', '-f', '-'], pvYaml));
    for (const pod of ['direct', 'waiter'])
      await until(`${pod} Succeeded`, async () =>
        (await phaseOf('pod', pod)) === 'Succeeded' ? true : undefined,
      );
    const describePv = ok(await kubectl(['describe', 'pv', 'late']));
    assert.match(describePv, /^Status:\s+Bound$/m);
    assert.match(describePv, /^Claim:\s+default\/nowhere$/m);
    assert.match(describePv, /^\s+Type:\s+HostPath \(bare host directory volume\)$/m);
    ok(await kubectl(['delete', 'pod', 'waiter', 'direct']));
    ok(await kubectl(['delete', 'pvc', 'nowhere']));
    ok(await kubectl(['delete', 'pv', 'late']));
  });
});
