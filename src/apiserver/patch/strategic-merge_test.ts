import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

const DEPLOYMENT = { group: 'apps', kind: 'Deployment' };
const POD = { group: '', kind: 'Pod' };

function deployment(containers: unknown[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hello', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'hello' } },
      template: { metadata: { labels: { app: 'hello' } }, spec: { containers, ...extra } },
    },
  };
}

const containersOf = (d: KubeObject): unknown =>
  (d.spec as { template: { spec: { containers: unknown } } }).template.spec.containers;
const podSpec = (d: KubeObject): Record<string, unknown> =>
  (d.spec as { template: { spec: Record<string, unknown> } }).template.spec;

/** Runs the patch and checks that neither input was modified. */
function smp(doc: unknown, patch: unknown, gvk: { group: string; kind: string }): KubeObject {
  const d = structuredClone(doc);
  const p = structuredClone(patch);
  const out = applyStrategicMergePatch(d as KubeObject, p, gvk);
  assert.deepEqual(d, doc, 'the document is not modified');
  assert.deepEqual(p, patch, 'the patch is not modified');
  return out;
}

function rejects(
  doc: unknown,
  patch: unknown,
  gvk: { group: string; kind: string },
  code: number,
  message: string | RegExp,
): void {
  assert.throws(
    () => applyStrategicMergePatch(doc as KubeObject, patch, gvk),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === code &&
      (typeof message === 'string' ? e.message === message : message.test(e.message)),
  );
}

void describe('strategic merge patch: what kubectl sends', () => {
  void it('apply -f with $setElementOrder/containers merges by name and orders the list', () => {
    const live = deployment([
      {
        name: 'hello',
        image: 'nginx:1.25',
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
      },
    ]);
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'hello' }, { name: 'sidecar' }],
            containers: [
              { env: [{ name: 'FOO', value: 'bar' }], image: 'nginx:1.26', name: 'hello' },
              { image: 'busybox', name: 'sidecar' },
            ],
          },
        },
      },
    };
    const out = smp(live, patch, DEPLOYMENT);
    assert.deepEqual(containersOf(out), [
      {
        name: 'hello',
        image: 'nginx:1.26',
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: [{ name: 'FOO', value: 'bar' }],
      },
      { image: 'busybox', name: 'sidecar' },
    ]);
    assert.deepEqual(out.metadata.annotations, {
      'kubectl.kubernetes.io/last-applied-configuration': '{}\n',
    });
    assert.equal((out.spec as { replicas: number }).replicas, 1);
  });

  void it('apply -f removing a container sends $patch: delete', () => {
    const live = deployment([
      { name: 'hello', image: 'nginx' },
      { name: 'sidecar', image: 'busybox' },
    ]);
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'hello' }],
            containers: [{ $patch: 'delete', name: 'sidecar' }],
          },
        },
      },
    };
    assert.deepEqual(containersOf(smp(live, patch, DEPLOYMENT)), [
      { name: 'hello', image: 'nginx' },
    ]);
  });

  void it('set image changes one container and keeps the rest', () => {
    const live = deployment([
      { name: 'hello', image: 'nginx:1', resources: {} },
      { name: 'sidecar', image: 'busybox' },
    ]);
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'hello' }, { name: 'sidecar' }],
            containers: [{ image: 'nginx:2', name: 'hello' }],
          },
        },
      },
    };
    assert.deepEqual(containersOf(smp(live, patch, DEPLOYMENT)), [
      { name: 'hello', image: 'nginx:2', resources: {} },
      { name: 'sidecar', image: 'busybox' },
    ]);
  });

  void it('rollout restart adds the restartedAt annotation to the pod template', () => {
    const live = deployment([{ name: 'hello', image: 'nginx' }]);
    (
      live.spec as { template: { metadata: Record<string, unknown> } }
    ).template.metadata.annotations = { keep: 'me' };
    const at = '2025-01-02T03:04:05Z';
    const out = smp(
      live,
      {
        spec: {
          template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } },
        },
      },
      DEPLOYMENT,
    );
    assert.deepEqual((out.spec as { template: { metadata: unknown } }).template.metadata, {
      labels: { app: 'hello' },
      annotations: { keep: 'me', 'kubectl.kubernetes.io/restartedAt': at },
    });
  });

  void it('label and annotate patches merge maps; null removes a key', () => {
    const live = { metadata: { name: 'p', labels: { a: '1', b: '2' } } };
    const out = smp(live, { metadata: { labels: { b: null, c: '3' } } }, POD);
    assert.deepEqual(out.metadata.labels, { a: '1', c: '3' });
  });

  void it('cordon sets spec.unschedulable on a node', () => {
    const live = { metadata: { name: 'n1' }, spec: { podCIDR: '10.0.0.0/24' } };
    const out = smp(live, { spec: { unschedulable: true } }, { group: '', kind: 'Node' });
    assert.deepEqual(out.spec, { podCIDR: '10.0.0.0/24', unschedulable: true });
  });

  void it('scale through the main resource replaces a scalar', () => {
    const out = smp(deployment([]), { spec: { replicas: 3 } }, DEPLOYMENT);
    assert.equal((out.spec as { replicas: number }).replicas, 3);
  });
});

void describe('strategic merge patch: merge keys of the built-in types', () => {
  const pod = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
    metadata: { name: 'p' },
    spec,
    ...(status ? { status } : {}),
  });

  const cases: {
    name: string;
    gvk: { group: string; kind: string };
    live: unknown;
    patch: unknown;
    want: (o: KubeObject) => void;
  }[] = [
    {
      name: 'env merges by name inside a container',
      gvk: POD,
      live: pod({
        containers: [
          {
            name: 'c',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
        ],
      }),
      patch: { spec: { containers: [{ name: 'c', env: [{ name: 'B', value: 'two' }] }] } },
      want: (o) =>
        assert.deepEqual((o.spec as { containers: unknown[] }).containers, [
          {
            name: 'c',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: 'two' },
            ],
          },
        ]),
    },
    {
      name: 'container ports merge by containerPort',
      gvk: POD,
      live: pod({ containers: [{ name: 'c', ports: [{ containerPort: 80, name: 'http' }] }] }),
      patch: {
        spec: {
          containers: [
            { name: 'c', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }] },
          ],
        },
      },
      want: (o) =>
        assert.deepEqual((o.spec as { containers: { ports: unknown }[] }).containers[0]?.ports, [
          { containerPort: 80, name: 'http', protocol: 'TCP' },
          { containerPort: 443 },
        ]),
    },
    {
      name: 'volumes merge by name, volumeMounts by mountPath',
      gvk: POD,
      live: pod({
        volumes: [{ name: 'a', emptyDir: {} }],
        containers: [{ name: 'c', volumeMounts: [{ name: 'a', mountPath: '/a' }] }],
      }),
      patch: {
        spec: {
          volumes: [{ name: 'b', configMap: { name: 'cm' } }],
          containers: [
            { name: 'c', volumeMounts: [{ name: 'b', mountPath: '/a', readOnly: true }] },
          ],
        },
      },
      want: (o) => {
        const spec = o.spec as { volumes: unknown[]; containers: { volumeMounts: unknown }[] };
        assert.deepEqual(spec.volumes, [
          { name: 'b', configMap: { name: 'cm' } },
          { name: 'a', emptyDir: {} },
        ]);
        assert.deepEqual(spec.containers[0]?.volumeMounts, [
          { name: 'b', mountPath: '/a', readOnly: true },
        ]);
      },
    },
    {
      name: 'initContainers and imagePullSecrets merge by name',
      gvk: POD,
      live: pod({
        initContainers: [{ name: 'i', image: 'a' }],
        imagePullSecrets: [{ name: 'r1' }],
      }),
      patch: {
        spec: { initContainers: [{ name: 'i', image: 'b' }], imagePullSecrets: [{ name: 'r2' }] },
      },
      want: (o) => {
        const spec = o.spec as Record<string, unknown>;
        assert.deepEqual(spec.initContainers, [{ name: 'i', image: 'b' }]);
        assert.deepEqual(spec.imagePullSecrets, [{ name: 'r2' }, { name: 'r1' }]);
      },
    },
    {
      name: 'tolerations are replaced whole',
      gvk: POD,
      live: pod({ tolerations: [{ key: 'a', operator: 'Exists' }] }),
      patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
      want: (o) =>
        assert.deepEqual((o.spec as Record<string, unknown>).tolerations, [
          { key: 'b', operator: 'Exists' },
        ]),
    },
    {
      name: 'hostAliases merge by ip',
      gvk: POD,
      live: pod({ hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }] }),
      patch: { spec: { hostAliases: [{ ip: '10.0.0.1', hostnames: ['b'] }] } },
      want: (o) =>
        assert.deepEqual((o.spec as Record<string, unknown>).hostAliases, [
          { ip: '10.0.0.1', hostnames: ['b'] },
        ]),
    },
    {
      name: 'pod conditions merge by type',
      gvk: POD,
      live: pod(
        {},
        {
          conditions: [
            { type: 'Ready', status: 'False' },
            { type: 'Initialized', status: 'True' },
          ],
        },
      ),
      patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      want: (o) =>
        assert.deepEqual((o.status as Record<string, unknown>).conditions, [
          { type: 'Ready', status: 'True' },
          { type: 'Initialized', status: 'True' },
        ]),
    },
    {
      name: 'finalizers merge as a set and keep their order',
      gvk: POD,
      live: { metadata: { name: 'p', finalizers: ['a', 'b'] } },
      patch: { metadata: { finalizers: ['b', 'c'] } },
      want: (o) => assert.deepEqual(o.metadata.finalizers, ['a', 'b', 'c']),
    },
    {
      name: 'ownerReferences merge by uid',
      gvk: { group: '', kind: 'ConfigMap' },
      live: {
        metadata: {
          name: 'c',
          ownerReferences: [{ uid: '1', name: 'x', kind: 'K', apiVersion: 'v1' }],
        },
      },
      patch: {
        metadata: {
          ownerReferences: [
            { uid: '1', controller: true },
            { uid: '2', name: 'y', kind: 'K', apiVersion: 'v1' },
          ],
        },
      },
      want: (o) =>
        assert.deepEqual(o.metadata.ownerReferences, [
          { uid: '1', name: 'x', kind: 'K', apiVersion: 'v1', controller: true },
          { uid: '2', name: 'y', kind: 'K', apiVersion: 'v1' },
        ]),
    },
    {
      name: 'service ports merge by port',
      gvk: { group: '', kind: 'Service' },
      live: {
        metadata: { name: 's' },
        spec: { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], selector: { app: 'a' } },
      },
      patch: { spec: { ports: [{ port: 80, targetPort: 9090 }], selector: { app: 'b' } } },
      want: (o) =>
        assert.deepEqual(o.spec, {
          ports: [{ port: 80, targetPort: 9090, protocol: 'TCP' }],
          selector: { app: 'b' },
        }),
    },
    {
      name: 'endpoints subsets are replaced whole',
      gvk: { group: '', kind: 'Endpoints' },
      live: {
        metadata: { name: 'e' },
        subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }],
      },
      patch: { subsets: [{ addresses: [{ ip: '10.0.0.2' }] }] },
      want: (o) => assert.deepEqual(o.subsets, [{ addresses: [{ ip: '10.0.0.2' }] }]),
    },
    {
      name: 'service account secrets merge by name, imagePullSecrets replace',
      gvk: { group: '', kind: 'ServiceAccount' },
      live: {
        metadata: { name: 'sa' },
        secrets: [{ name: 'a' }],
        imagePullSecrets: [{ name: 'x' }],
      },
      patch: { secrets: [{ name: 'b' }], imagePullSecrets: [{ name: 'y' }] },
      want: (o) => {
        assert.deepEqual(o.secrets, [{ name: 'b' }, { name: 'a' }]);
        assert.deepEqual(o.imagePullSecrets, [{ name: 'y' }]);
      },
    },
    {
      name: 'node addresses and conditions merge by type, podCIDRs as a set',
      gvk: { group: '', kind: 'Node' },
      live: {
        metadata: { name: 'n' },
        spec: { podCIDRs: ['10.0.0.0/24'] },
        status: {
          addresses: [{ type: 'InternalIP', address: '1.1.1.1' }],
          conditions: [{ type: 'Ready', status: 'False' }],
        },
      },
      patch: {
        spec: { podCIDRs: ['10.0.0.0/24', 'fd00::/64'] },
        status: {
          addresses: [{ type: 'Hostname', address: 'n' }],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      },
      want: (o) => {
        assert.deepEqual((o.spec as Record<string, unknown>).podCIDRs, [
          '10.0.0.0/24',
          'fd00::/64',
        ]);
        const status = o.status as Record<string, unknown>;
        assert.deepEqual(status.addresses, [
          { type: 'Hostname', address: 'n' },
          { type: 'InternalIP', address: '1.1.1.1' },
        ]);
        assert.deepEqual(status.conditions, [{ type: 'Ready', status: 'True' }]);
      },
    },
    {
      name: 'deployment status conditions merge by type',
      gvk: DEPLOYMENT,
      live: {
        metadata: { name: 'd' },
        status: {
          conditions: [
            { type: 'Available', status: 'False' },
            { type: 'Progressing', status: 'True' },
          ],
        },
      },
      patch: { status: { conditions: [{ type: 'Available', status: 'True' }] } },
      want: (o) =>
        assert.deepEqual((o.status as Record<string, unknown>).conditions, [
          { type: 'Available', status: 'True' },
          { type: 'Progressing', status: 'True' },
        ]),
    },
    {
      name: 'unknown kinds replace lists but still merge finalizers',
      gvk: { group: 'example.com', kind: 'Widget' },
      live: { metadata: { name: 'w', finalizers: ['a'] }, spec: { items: [{ name: 'x', v: 1 }] } },
      patch: { metadata: { finalizers: ['b'] }, spec: { items: [{ name: 'x', w: 2 }] } },
      want: (o) => {
        // A value the live list lacks goes first, as kube-apiserver orders it.
        assert.deepEqual(o.metadata.finalizers, ['b', 'a']);
        assert.deepEqual(o.spec, { items: [{ name: 'x', w: 2 }] });
      },
    },
    {
      name: 'a new item without $setElementOrder goes first, as kube-apiserver orders it',
      gvk: POD,
      live: pod({ containers: [{ name: 'a' }, { name: 'b' }] }),
      patch: { spec: { containers: [{ name: 'c' }] } },
      want: (o) =>
        assert.deepEqual((o.spec as { containers: unknown }).containers, [
          { name: 'c' },
          { name: 'a' },
          { name: 'b' },
        ]),
    },
    {
      name: 'patched items follow the patch order, server-only items keep their place',
      gvk: POD,
      live: pod({ containers: [{ name: '1' }, { name: '2', v: 'b' }, { name: '3' }] }),
      patch: {
        spec: {
          containers: [
            { name: '3', v: 'c' },
            { name: '1', v: 'a' },
          ],
        },
      },
      want: (o) =>
        assert.deepEqual((o.spec as { containers: unknown }).containers, [
          { name: '2', v: 'b' },
          { name: '3', v: 'c' },
          { name: '1', v: 'a' },
        ]),
    },
  ];
  for (const c of cases) void it(c.name, () => c.want(smp(c.live, c.patch, c.gvk)));
});

void describe('strategic merge patch: directives', () => {
  void it('$patch: replace on a list replaces it', () => {
    const live = deployment([
      { name: 'a', image: 'x' },
      { name: 'b', image: 'y' },
    ]);
    const out = smp(
      live,
      {
        spec: {
          template: { spec: { containers: [{ name: 'c', image: 'z' }, { $patch: 'replace' }] } },
        },
      },
      DEPLOYMENT,
    );
    assert.deepEqual(containersOf(out), [{ name: 'c', image: 'z' }]);
  });

  void it('$patch: replace on a map replaces it', () => {
    const live = deployment([]);
    const out = smp(
      live,
      { spec: { selector: { $patch: 'replace', matchLabels: { x: 'y' } } } },
      DEPLOYMENT,
    );
    assert.deepEqual((out.spec as { selector: unknown }).selector, { matchLabels: { x: 'y' } });
  });

  void it('$patch: replace at the root replaces the document', () => {
    const out = smp(
      { metadata: { name: 'a' }, data: { x: '1' } },
      { $patch: 'replace', metadata: { name: 'a' } },
      { group: '', kind: 'ConfigMap' },
    );
    assert.deepEqual(out, { metadata: { name: 'a' } });
  });

  void it('$patch: delete on a map empties it', () => {
    const out = smp(
      { metadata: { name: 'a', labels: { x: 'y' } } },
      { metadata: { labels: { $patch: 'delete' } } },
      POD,
    );
    assert.deepEqual(out.metadata.labels, {});
  });

  void it('$patch: delete on list items removes every item with that key', () => {
    const live = {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'a', dup: true }] },
    };
    const out = smp(live, { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }, POD);
    assert.deepEqual(out.spec, { containers: [{ name: 'b' }] });
  });

  void it('$patch: merge is the default, spelled out', () => {
    const out = smp(
      { metadata: { name: 'a', labels: { x: '1' } } },
      { metadata: { labels: { $patch: 'merge', y: '2' } } },
      POD,
    );
    assert.deepEqual(out.metadata.labels, { x: '1', y: '2' });
  });

  void it('an unknown $patch is refused', () => {
    rejects(
      { metadata: { labels: { x: 'y' } } },
      { metadata: { labels: { $patch: 'frob', a: 'b' } } },
      POD,
      400,
      'unknown patch type: frob in map: map[$patch:frob a:b]',
    );
  });

  void it('$deleteFromPrimitiveList removes values from a primitive list', () => {
    const out = smp(
      { metadata: { name: 'a', finalizers: ['x', 'y', 'z'] } },
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['y', 'nope'] } },
      POD,
    );
    assert.deepEqual(out.metadata.finalizers, ['x', 'z']);
  });

  void it('$deleteFromPrimitiveList on a missing list adds nothing', () => {
    const out = smp(
      { metadata: { name: 'a' } },
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['y'] } },
      POD,
    );
    assert.deepEqual(out.metadata, { name: 'a' });
  });

  void it('$setElementOrder on a primitive list orders it', () => {
    const out = smp(
      { metadata: { name: 'a', finalizers: ['x', 'y'] } },
      { metadata: { '$setElementOrder/finalizers': ['y', 'z', 'x'], finalizers: ['z'] } },
      POD,
    );
    assert.deepEqual(out.metadata.finalizers, ['y', 'z', 'x']);
  });

  void it('$setElementOrder keeps server-only items near their old neighbours', () => {
    const live = {
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: '1', o: 'a' },
          { name: '2' },
          { name: '7' },
          { name: '9' },
          { name: '3' },
          { name: '4' },
        ],
      },
    };
    const out = smp(
      live,
      {
        spec: {
          '$setElementOrder/containers': [
            { name: '2' },
            { name: '1' },
            { name: '4' },
            { name: '3' },
          ],
        },
      },
      POD,
    );
    assert.deepEqual(
      (out.spec as { containers: { name: string }[] }).containers.map((c) => c.name),
      ['2', '1', '7', '9', '4', '3'],
    );
  });

  void it('$setElementOrder that disagrees with the patch list is refused', () => {
    const live = {
      metadata: { name: 'p' },
      spec: { containers: [{ name: '1' }, { name: '3' }, { name: '2' }] },
    };
    rejects(
      live,
      {
        spec: {
          '$setElementOrder/containers': [{ name: '1' }, { name: '2' }, { name: '3' }],
          containers: [{ name: '3' }, { name: '1' }],
        },
      },
      POD,
      400,
      /doesn't match \$setElementOrder list/,
    );
  });

  void it('$retainKeys clears the other keys of a map (deployment strategy)', () => {
    const live = deployment([], {});
    (live.spec as Record<string, unknown>).strategy = {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1 },
    };
    const out = smp(
      live,
      { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
      DEPLOYMENT,
    );
    assert.deepEqual((out.spec as Record<string, unknown>).strategy, { type: 'Recreate' });
  });

  void it('$retainKeys inside a list item (volumes) switches the volume source', () => {
    const live = { metadata: { name: 'p' }, spec: { volumes: [{ name: 'v', emptyDir: {} }] } };
    const out = smp(
      live,
      {
        spec: {
          '$setElementOrder/volumes': [{ name: 'v' }],
          volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' }, name: 'v' }],
        },
      },
      POD,
    );
    assert.deepEqual(out.spec, { volumes: [{ name: 'v', configMap: { name: 'cm' } }] });
  });

  void it('$retainKeys must list every key the patch sets', () => {
    const live = deployment([]);
    (live.spec as Record<string, unknown>).strategy = { type: 'Recreate' };
    rejects(
      live,
      { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } },
      DEPLOYMENT,
      400,
      'invalid patch format of retainKeys',
    );
  });

  void it('a list item without its merge key is refused', () => {
    rejects(
      deployment([{ name: 'a' }]),
      { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
      DEPLOYMENT,
      400,
      'map: map[image:x] does not contain declared merge key: name',
    );
  });

  void it('a patch that is not an object is refused', () => {
    rejects(deployment([]), [1], DEPLOYMENT, 400, 'invalid JSON document');
  });

  void it('lists of lists are refused with 422', () => {
    rejects(
      { metadata: { finalizers: [['a']] } },
      { metadata: { finalizers: [['b']] } },
      POD,
      422,
      'lists of lists are not supported',
    );
  });

  void it('values taken from the patch lose their directives and nulls', () => {
    const out = smp(
      deployment([{ name: 'a' }]),
      {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'b', image: null, env: [{ name: 'X', $patch: 'delete' }, { name: 'Y' }] },
              ],
            },
          },
        },
      },
      DEPLOYMENT,
    );
    assert.deepEqual(containersOf(out), [{ name: 'b', env: [{ name: 'Y' }] }, { name: 'a' }]);
    const added = smp(
      { metadata: { name: 'x' } },
      { spec: { a: null, b: { c: null, '$setElementOrder/x': [] } } },
      POD,
    );
    assert.deepEqual(added.spec, { b: {} });
  });

  void it('a value of another JSON type replaces the original', () => {
    const out = smp(
      { metadata: { name: 'x' }, spec: { containers: 'oops' } },
      { spec: { containers: [{ name: 'a' }] } },
      POD,
    );
    assert.deepEqual(out.spec, { containers: [{ name: 'a' }] });
  });
});

void describe('strategic merge patch: results are independent of inputs', () => {
  void it('mutating the result leaves the patch alone', () => {
    const patch = {
      spec: { template: { spec: { containers: [{ name: 'n', env: [{ name: 'A' }] }] } } },
    };
    const out = applyStrategicMergePatch(deployment([]), patch, DEPLOYMENT);
    podSpec(out).containers = [];
    assert.equal(patch.spec.template.spec.containers.length, 1);
  });
});

void describe('large lists merge in linear time', () => {
  void it('50,000 keyed items, an element order, deletions and a primitive delete list', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', finalizers: Array.from({ length: 50_000 }, (_, i) => `g${i}`) },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    };
    const names = Array.from({ length: 50_000 }, (_, i) => ({ name: `c${i}` }));
    const cpuBefore = process.cpuUsage();
    const out = applyStrategicMergePatch(
      pod,
      { spec: { '$setElementOrder/containers': names, containers: names } },
      POD,
    ) as unknown as { spec: { containers: unknown[] } };
    assert.equal(out.spec.containers.length, 50_001);
    applyStrategicMergePatch(
      pod,
      { spec: { containers: names.map((n) => ({ ...n, $patch: 'delete' })) } },
      POD,
    );
    const kept = applyStrategicMergePatch(
      pod,
      {
        metadata: {
          '$deleteFromPrimitiveList/finalizers': Array.from({ length: 50_000 }, (_, i) => `g${i}`),
        },
      },
      POD,
    ) as KubeObject;
    assert.deepEqual(kept.metadata.finalizers, []);
    // Quadratic merging took minutes of CPU here. CPU time, not wall time, so a busy machine
    // does not change the verdict.
    const { user, system } = process.cpuUsage(cpuBefore);
    assert.ok((user + system) / 1000 < 10_000, `${(user + system) / 1000} ms of CPU`);
  });
});
