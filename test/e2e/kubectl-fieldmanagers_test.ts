// Field managers as the real kubectl (1.27, 1.30, 1.33) leaves and meets them: label and
// taint on a node record their managers; the creator of a deployment keeps its fields after
// the controllers have written to it, so another manager's server-side apply conflicts; the
// move from client-side to server-side apply prunes nothing admission set; a server-side
// dry run of scale writes nothing; an update that omits admission-set fields keeps them.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  VERSIONS,
  fails,
  hasKubectl,
  ok,
  startCluster,
  until,
  type TestCluster,
} from './harness.js';

let c: TestCluster;
before(() => {
  c = startCluster();
});
after(() => c?.stop());

interface Entry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1: Record<string, any>;
}

async function managedFields(minor: number, what: string, ns?: string): Promise<Entry[]> {
  const args = ['get', what, '-o', 'json', '--show-managed-fields'];
  if (ns) args.push('-n', ns);
  const obj = JSON.parse(ok(await c.kubectl(minor, args)));
  return (obj.metadata.managedFields ?? []) as Entry[];
}

const byManager = (entries: Entry[], manager: string): Entry | undefined =>
  entries.find((e) => e.manager === manager);

for (const minor of VERSIONS) {
  describe(`kubectl 1.${minor}`, { skip: !hasKubectl(minor) && `no kubectl 1.${minor}` }, () => {
    const ns = `fm-${minor}`;
    before(async () => {
      ok(await c.kubectl(minor, ['create', 'namespace', ns]));
    });

    test('label and taint of a node created with a name only leave their managers', async () => {
      const node = `fm-node-${minor}`;
      const file = c.file(
        `node-${minor}.yaml`,
        `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${node}\n`,
      );
      ok(await c.kubectl(minor, ['create', '-f', file]));
      ok(await c.kubectl(minor, ['label', 'node', node, 'fm=yes']));
      ok(await c.kubectl(minor, ['taint', 'node', node, 'fm=yes:NoSchedule']));
      const entries = await managedFields(minor, `node/${node}`);
      const label = byManager(entries, 'kubectl-label');
      assert.ok(label, `no kubectl-label entry: ${JSON.stringify(entries)}`);
      assert.equal(label.operation, 'Update');
      assert.deepEqual(label.fieldsV1['f:metadata']?.['f:labels']?.['f:fm'], {});
      const taint = byManager(entries, 'kubectl-taint');
      assert.ok(taint, `no kubectl-taint entry: ${JSON.stringify(entries)}`);
      assert.ok(taint.fieldsV1['f:spec']?.['f:taints'], JSON.stringify(taint));
      assert.ok(byManager(entries, 'kubectl-create'), JSON.stringify(entries));
    });

    test("a deployment's creator keeps its fields after the controllers, and another manager's apply conflicts", async () => {
      ok(
        await c.kubectl(minor, [
          'create',
          'deployment',
          'web',
          '--image=nginx:1.25',
          '--replicas=2',
          '-n',
          ns,
        ]),
      );
      // The controllers have written to it: the revision annotation and the status.
      await until('the deployment controller to update the deployment', async () => {
        const d = JSON.parse(
          ok(await c.kubectl(minor, ['get', 'deployment', 'web', '-n', ns, '-o', 'json'])),
        );
        const revision = d.metadata.annotations?.['deployment.kubernetes.io/revision'];
        const entries = await managedFields(minor, 'deployment/web', ns);
        const status = entries.find(
          (e) => e.manager === 'kube-controller-manager' && e.subresource === 'status',
        );
        return revision && status && d.status?.replicas === 2 ? true : undefined;
      });
      const entries = await managedFields(minor, 'deployment/web', ns);
      const creator = byManager(entries, 'kubectl-create');
      assert.ok(creator, JSON.stringify(entries));
      assert.deepEqual(creator.fieldsV1['f:spec']?.['f:replicas'], {});

      const file = c.file(
        `web-${minor}.yaml`,
        `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: 5
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.26
`,
      );
      const err = fails(
        await c.kubectl(minor, ['apply', '--server-side', '--field-manager=other', '-f', file]),
      );
      assert.match(
        err,
        /Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps\/v1:/,
      );
      assert.match(err, /- \.spec\.replicas/);
      assert.match(err, /- \.spec\.template\.spec\.containers\[name="nginx"\]\.image/);
      // Forced, the apply takes the fields and the creator keeps the rest.
      ok(
        await c.kubectl(minor, [
          'apply',
          '--server-side',
          '--field-manager=other',
          '--force-conflicts',
          '-f',
          file,
        ]),
      );
      const after = await managedFields(minor, 'deployment/web', ns);
      assert.equal(byManager(after, 'other')?.operation, 'Apply');
      const kept = byManager(after, 'kubectl-create');
      assert.ok(kept, JSON.stringify(after));
      assert.equal(kept.fieldsV1['f:spec']?.['f:replicas'], undefined);
    });

    test('client-side to server-side apply: only kubectl takes over, and nothing admission set is pruned', async () => {
      const pod = (image: string): string =>
        c.file(
          `pod-${minor}-${image}.yaml`,
          `apiVersion: v1
kind: Pod
metadata:
  name: csa
  namespace: ${ns}
  labels:
    name: csa
spec:
  containers:
  - name: c
    image: nginx:${image}
`,
        );
      ok(await c.kubectl(minor, ['apply', '-f', pod('1.25')]));
      const err = fails(
        await c.kubectl(minor, [
          'apply',
          '--server-side',
          '--field-manager=not-kubectl',
          '-f',
          pod('1.26'),
        ]),
      );
      assert.match(err, /conflict with "kubectl-client-side-apply" using v1/);
      const r = await c.kubectl(minor, ['apply', '--server-side', '-f', pod('1.26')]);
      ok(r);
      assert.doesNotMatch(r.stderr, /failed to re-apply/);
      const live = JSON.parse(
        ok(await c.kubectl(minor, ['get', 'pod', 'csa', '-n', ns, '-o', 'json'])),
      );
      assert.equal(live.spec.containers[0].image, 'nginx:1.26');
      assert.equal(live.spec.preemptionPolicy, 'PreemptLowerPriority');
      assert.equal(live.spec.serviceAccountName, 'default');
      const entries = await managedFields(minor, 'pod/csa', ns);
      assert.equal(byManager(entries, 'kubectl')?.operation, 'Apply');
      assert.equal(byManager(entries, 'kubectl-client-side-apply'), undefined);
    });

    test('scale --dry-run=server answers the new count and writes nothing', async () => {
      const before = JSON.parse(
        ok(await c.kubectl(minor, ['get', 'deployment', 'web', '-n', ns, '-o', 'json'])),
      );
      const out = ok(
        await c.kubectl(minor, [
          'scale',
          'deployment/web',
          '--replicas=9',
          '--dry-run=server',
          '-n',
          ns,
        ]),
      );
      assert.match(out, /deployment\.apps\/web scaled \(server dry run\)/);
      for (const kind of ['replicaset', 'replicationcontroller']) {
        const name = `${kind}-${minor}`;
        const file = c.file(
          `${name}.yaml`,
          kind === 'replicaset'
            ? `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: 0
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: nginx}]}
`
            : `apiVersion: v1
kind: ReplicationController
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: 0
  selector: {app: ${name}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: nginx}]}
`,
        );
        ok(await c.kubectl(minor, ['create', '-f', file]));
        ok(
          await c.kubectl(minor, [
            'scale',
            kind,
            name,
            '--replicas=4',
            '--dry-run=server',
            '-n',
            ns,
          ]),
        );
        const got = JSON.parse(
          ok(await c.kubectl(minor, ['get', kind, name, '-n', ns, '-o', 'json'])),
        );
        assert.equal(got.spec.replicas, 0, `${kind} was scaled by a dry run`);
      }
      const after = JSON.parse(
        ok(await c.kubectl(minor, ['get', 'deployment', 'web', '-n', ns, '-o', 'json'])),
      );
      assert.equal(after.spec.replicas, before.spec.replicas);
    });

    test('replace of a pod without the fields admission and defaults set keeps them', async () => {
      ok(await c.kubectl(minor, ['run', 'bare', '--image=nginx:1.25', '-n', ns]));
      const live = JSON.parse(
        ok(await c.kubectl(minor, ['get', 'pod', 'bare', '-n', ns, '-o', 'json'])),
      );
      for (const f of ['preemptionPolicy', 'priority', 'enableServiceLinks', 'schedulerName'])
        delete live.spec[f];
      live.metadata.labels.replaced = 'yes';
      const file = c.file(`bare-${minor}.json`, JSON.stringify(live));
      ok(await c.kubectl(minor, ['replace', '-f', file]));
      const got = JSON.parse(
        ok(await c.kubectl(minor, ['get', 'pod', 'bare', '-n', ns, '-o', 'json'])),
      );
      assert.equal(got.metadata.labels.replaced, 'yes');
      assert.equal(got.spec.preemptionPolicy, 'PreemptLowerPriority');
      assert.equal(got.spec.priority, 0);
      assert.equal(got.spec.enableServiceLinks, true);
      assert.equal(got.spec.schedulerName, 'default-scheduler');
    });
  });
}
