import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../api/errors.js';
import type { KubeObject, ManagedFieldsEntry } from '../../api/types.js';
import { serverSideApply, updateManagedFields } from './apply.js';

const T0 = new Date('2025-01-01T00:00:00.000Z');
const T1 = new Date('2025-01-01T00:01:00.500Z');
const APPS = 'apps/v1';

function deployment(spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: APPS,
    kind: 'Deployment',
    metadata: { name: 'hello', namespace: 'default', ...meta },
    spec,
  };
}

const nginx = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  replicas: 2,
  selector: { matchLabels: { app: 'hello' } },
  template: {
    metadata: { labels: { app: 'hello' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
  },
  ...extra,
});

const apply = (
  live: KubeObject | undefined,
  applied: KubeObject,
  manager = 'kubectl',
  force = false,
  now = T0,
): KubeObject => {
  const l = structuredClone(live);
  const a = structuredClone(applied);
  const out = serverSideApply(l, a, { manager, force, apiVersion: APPS, now }).object;
  assert.deepEqual(l, live, 'the live object is not modified');
  assert.deepEqual(a, applied, 'the applied configuration is not modified');
  return out;
};

const update = (
  old: KubeObject | undefined,
  updated: KubeObject,
  manager: string,
  now = T0,
  subresource?: string,
): KubeObject =>
  updateManagedFields(old, updated, {
    manager,
    operation: 'Update',
    apiVersion: APPS,
    now,
    ...(subresource ? { subresource } : {}),
  });

const entry = (obj: KubeObject, manager: string): ManagedFieldsEntry | undefined =>
  obj.metadata.managedFields?.find((e) => e.manager === manager);
const spec = (o: KubeObject): Record<string, unknown> => o.spec as Record<string, unknown>;
const containers = (o: KubeObject): { name: string }[] =>
  (spec(o).template as { spec: { containers: { name: string }[] } }).spec.containers;

function conflict(
  fn: () => unknown,
  message: string,
  causes: { message: string; field: string }[],
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 409);
    assert.equal(e.reason, 'Conflict');
    assert.equal(e.message, message);
    assert.deepEqual(
      e.details?.causes,
      causes.map((c) => ({ reason: 'FieldManagerConflict', ...c })),
    );
    return true;
  });
}

void describe('serverSideApply: create', () => {
  void it('creates the object and records the applied fields in FieldsV1', () => {
    const out = apply(undefined, deployment(nginx(), { labels: { app: 'hello' } }));
    assert.equal(spec(out).replicas, 2);
    assert.deepEqual(out.metadata.managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2025-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"nginx"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': {
                      'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  void it('records set items and keyed lists of metadata', () => {
    const out = apply(
      undefined,
      deployment(
        {},
        {
          finalizers: ['a/b'],
          ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1' }],
        },
      ),
    );
    assert.deepEqual(entry(out, 'kubectl')?.fieldsV1, {
      'f:metadata': {
        'f:finalizers': { 'v:"a/b"': {} },
        'f:ownerReferences': { 'k:{"uid":"u1"}': {} },
      },
      // An empty object in the configuration is owned as a leaf.
      'f:spec': {},
    });
  });
});

void describe('serverSideApply: update by the same manager', () => {
  void it('changes what it owns without conflicts and moves its time', () => {
    const live = apply(undefined, deployment(nginx()));
    const out = apply(live, deployment(nginx({ replicas: 5 })), 'kubectl', false, T1);
    assert.equal(spec(out).replicas, 5);
    assert.equal(entry(out, 'kubectl')?.time, '2025-01-01T00:01:00Z');
    assert.equal(out.metadata.managedFields?.length, 1);
  });

  void it('keeps the time when nothing changed', () => {
    const live = apply(undefined, deployment(nginx()));
    const out = apply(live, deployment(nginx()), 'kubectl', false, T1);
    assert.deepEqual(out, live);
  });

  void it('removes fields it applied before and no longer applies', () => {
    const live = apply(
      undefined,
      deployment(nginx({ minReadySeconds: 5 }), { labels: { app: 'hello', extra: 'x' } }),
    );
    const out = apply(live, deployment(nginx(), { labels: { app: 'hello' } }));
    assert.equal(spec(out).minReadySeconds, undefined);
    assert.deepEqual(out.metadata.labels, { app: 'hello' });
    assert.deepEqual(entry(out, 'kubectl')?.fieldsV1?.['f:metadata'], {
      'f:labels': { 'f:app': {} },
    });
  });

  void it('removes a container it no longer applies', () => {
    const two = nginx();
    (two.template as { spec: { containers: unknown[] } }).spec.containers.push({
      name: 'sidecar',
      image: 'busybox',
    });
    const live = apply(undefined, deployment(two));
    assert.deepEqual(
      containers(live).map((c) => c.name),
      ['nginx', 'sidecar'],
    );
    const out = apply(live, deployment(nginx()));
    assert.deepEqual(
      containers(out).map((c) => c.name),
      ['nginx'],
    );
  });

  void it('removes a whole map when nothing in it is owned any more', () => {
    const live = apply(undefined, deployment({ replicas: 1 }, { annotations: { a: 'b' } }));
    const out = apply(live, deployment({ replicas: 1 }));
    assert.equal(out.metadata.annotations, undefined);
    assert.equal(out.metadata.name, 'hello');
  });

  void it('keeps a field it dropped when another manager also owns it', () => {
    const a = apply(
      undefined,
      deployment({ replicas: 1 }, { labels: { shared: 'yes', mine: 'a' } }),
      'alice',
    );
    const both = apply(a, deployment({}, { labels: { shared: 'yes' } }), 'bob');
    const out = apply(both, deployment({ replicas: 1 }), 'alice');
    assert.deepEqual(out.metadata.labels, { shared: 'yes' });
  });

  void it('keeps fields another manager set, and fields nobody owns', () => {
    const created = apply(undefined, deployment(nginx()));
    const withStatus = { ...created, status: { replicas: 2 } };
    const out = apply(withStatus, deployment(nginx({ replicas: 3 })));
    assert.deepEqual(out.status, { replicas: 2 });
  });

  void it('a null in the configuration removes the field', () => {
    const live = apply(undefined, deployment(nginx({ paused: true })));
    const out = apply(live, deployment(nginx({ paused: null })));
    assert.equal('paused' in spec(out), false);
  });

  void it('merges keyed lists item by item in structured-merge-diff order', () => {
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c', image: 'old', tty: true }] },
    };
    const out = serverSideApply(
      live,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'd' }, { name: 'c', image: 'new' }] },
      },
      { manager: 'm', force: true, apiVersion: 'v1', now: T0 },
    ).object;
    assert.deepEqual((out.spec as { containers: unknown }).containers, [
      { name: 'a' },
      { name: 'b' },
      { name: 'd' },
      { name: 'c', image: 'new', tty: true },
    ]);
  });

  void it('merges sets as a union', () => {
    const live = apply(undefined, deployment({}, { finalizers: ['a'] }), 'alice');
    const out = apply(live, deployment({}, { finalizers: ['b'] }), 'bob');
    assert.deepEqual(out.metadata.finalizers, ['a', 'b']);
  });

  void it('atomic lists and maps are replaced whole (tolerations, selector)', () => {
    const live = apply(undefined, deployment({ selector: { matchLabels: { a: '1', b: '2' } } }));
    const out = apply(live, deployment({ selector: { matchLabels: { a: '1' } } }));
    assert.deepEqual(spec(out).selector, { matchLabels: { a: '1' } });
  });
});

void describe('serverSideApply: conflicts', () => {
  const created = (): KubeObject =>
    update(undefined, deployment(nginx({ replicas: 1 })), 'kubectl-client-side-apply');

  void it('refuses to change a field another manager owns', () => {
    conflict(
      () => apply(created(), deployment(nginx({ replicas: 3 }))),
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      [
        {
          message: 'conflict with "kubectl-client-side-apply" using apps/v1',
          field: '.spec.replicas',
        },
      ],
    );
  });

  void it('shares ownership when the value is the same', () => {
    const out = apply(created(), deployment(nginx({ replicas: 1 })));
    assert.ok(entry(out, 'kubectl')?.fieldsV1?.['f:spec']);
    assert.ok(entry(out, 'kubectl-client-side-apply')?.fieldsV1?.['f:spec']);
  });

  void it('lists every conflict, grouped by manager', () => {
    const live = created();
    const applied = nginx({ replicas: 3 });
    (applied.template as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image =
      'nginx:2';
    conflict(
      () => apply(live, deployment(applied)),
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n' +
        '- .spec.replicas\n' +
        '- .spec.template.spec.containers[name="nginx"].image',
      [
        {
          message: 'conflict with "kubectl-client-side-apply" using apps/v1',
          field: '.spec.replicas',
        },
        {
          message: 'conflict with "kubectl-client-side-apply" using apps/v1',
          field: '.spec.template.spec.containers[name="nginx"].image',
        },
      ],
    );
  });

  void it('names another applier without a version', () => {
    const live = apply(undefined, deployment({ replicas: 1 }), 'other');
    conflict(
      () => apply(live, deployment({ replicas: 2 }), 'mine'),
      'Apply failed with 1 conflict: conflict with "other": .spec.replicas',
      [{ message: 'conflict with "other"', field: '.spec.replicas' }],
    );
  });

  void it('names a subresource updater', () => {
    const live = apply(undefined, deployment({ replicas: 1 }));
    const scaled = update(
      live,
      { ...live, spec: { replicas: 4 } },
      'kube-controller-manager',
      T0,
      'scale',
    );
    conflict(
      () => apply(scaled, deployment({ replicas: 2 }), 'kubectl'),
      'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource "scale" using apps/v1: .spec.replicas',
      [
        {
          message: 'conflict with "kube-controller-manager" with subresource "scale" using apps/v1',
          field: '.spec.replicas',
        },
      ],
    );
  });

  void it('force takes ownership from the other manager', () => {
    const out = apply(created(), deployment(nginx({ replicas: 3 })), 'kubectl', true);
    assert.equal(spec(out).replicas, 3);
    const csa = entry(out, 'kubectl-client-side-apply')?.fieldsV1 as {
      'f:spec': Record<string, unknown>;
    };
    assert.equal('f:replicas' in csa['f:spec'], false);
    assert.ok('f:selector' in csa['f:spec']);
    const mine = entry(out, 'kubectl')?.fieldsV1 as { 'f:spec': Record<string, unknown> };
    assert.ok('f:replicas' in mine['f:spec']);
  });

  void it('fields of an object nobody tracked belong to before-first-apply', () => {
    const live = deployment({ replicas: 1 });
    conflict(
      () => apply(live, deployment({ replicas: 2 })),
      'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
      [{ message: 'conflict with "before-first-apply" using apps/v1', field: '.spec.replicas' }],
    );
    const out = apply(live, deployment({ replicas: 1, paused: true }));
    assert.deepEqual(
      out.metadata.managedFields?.map((e) => [e.manager, e.operation]),
      [
        ['kubectl', 'Apply'],
        ['before-first-apply', 'Update'],
      ],
    );
  });
});

void describe('serverSideApply: refused configurations', () => {
  const refused = (applied: KubeObject, message: string): void =>
    assert.throws(
      () =>
        serverSideApply(undefined, applied, {
          manager: 'm',
          force: false,
          apiVersion: APPS,
          now: T0,
        }),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === message,
    );

  void it('a configuration of another version', () => {
    refused(
      { ...deployment({}), apiVersion: 'apps/v1beta1' },
      'Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1',
    );
  });

  void it('a configuration with managedFields', () => {
    refused(deployment({}, { managedFields: [] }), 'metadata.managedFields must be nil');
  });

  void it('duplicate keys in a keyed list', () => {
    const s = nginx();
    (s.template as { spec: { containers: unknown[] } }).spec.containers.push({ name: 'nginx' });
    refused(
      deployment(s),
      'failed to create typed patch object (apps/v1, Kind=Deployment default/hello): .spec.template.spec.containers: duplicate entries for key [name="nginx"]',
    );
  });

  void it('an item without its key', () => {
    refused(
      deployment({ template: { spec: { containers: [{ image: 'x' }] } } }),
      'failed to create typed patch object (apps/v1, Kind=Deployment default/hello): .spec.template.spec.containers: element 0: associative list with keys has an element that omits all key fields ["name"] (and doesn\'t have default values for any key fields)',
    );
  });
});

void describe('serverSideApply: details', () => {
  void it("keeps kubectl's client-side-apply annotation in step", () => {
    const last = 'kubectl.kubernetes.io/last-applied-configuration';
    const live = update(
      undefined,
      deployment({ replicas: 1 }, { annotations: { [last]: '{"old":true}\n' } }),
      'kubectl-client-side-apply',
    );
    const out = apply(live, deployment({ replicas: 1 }, { labels: { a: 'b' } }), 'kubectl');
    assert.equal(
      out.metadata.annotations?.[last],
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"a":"b"},"name":"hello","namespace":"default"},"spec":{"replicas":1}}',
    );
  });

  void it('does not own reset fields such as status', () => {
    const out = serverSideApply(
      undefined,
      { ...deployment({ replicas: 1 }), status: { replicas: 9 } },
      {
        manager: 'kubectl',
        force: false,
        apiVersion: APPS,
        now: T0,
        resetFields: [['status']],
      },
    ).object;
    assert.deepEqual(entry(out, 'kubectl')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  });

  void it('ignores a null creationTimestamp in the configuration', () => {
    const live = {
      ...deployment({ replicas: 1 }, { creationTimestamp: '2024-01-01T00:00:00Z', uid: 'u' }),
    };
    const out = serverSideApply(live, deployment({ replicas: 1 }, { creationTimestamp: null }), {
      manager: 'kubectl',
      force: true,
      apiVersion: APPS,
      now: T0,
    }).object;
    assert.equal(out.metadata.creationTimestamp, '2024-01-01T00:00:00Z');
    assert.equal(out.metadata.uid, 'u');
  });
});

void describe('updateManagedFields', () => {
  void it('records what a create set, with maps it added marked as owned', () => {
    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', labels: { a: 'b' } },
      data: { k: 'v' },
    };
    const out = updateManagedFields(undefined, cm, {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'v1',
      now: T0,
    });
    assert.deepEqual(out.metadata.managedFields, [
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2025-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:data': { '.': {}, 'f:k': {} },
          'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
        },
      },
    ]);
    assert.equal(cm.metadata.managedFields, undefined, 'the input is not modified');
  });

  void it('moves ownership of changed fields to the writer', () => {
    const live = apply(undefined, deployment({ replicas: 1, paused: false }));
    const out = update(
      live,
      { ...live, spec: { replicas: 4, paused: false } },
      'kubectl-scale',
      T1,
    );
    assert.deepEqual(entry(out, 'kubectl')?.fieldsV1, { 'f:spec': { 'f:paused': {} } });
    assert.deepEqual(entry(out, 'kubectl-scale')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(entry(out, 'kubectl-scale')?.time, '2025-01-01T00:01:00Z');
  });

  void it('a write that changes nothing records nothing', () => {
    const live = apply(undefined, deployment({ replicas: 1 }));
    const out = update(live, structuredClone(live), 'other');
    assert.deepEqual(out.metadata.managedFields, live.metadata.managedFields);
  });

  void it('removed fields leave their owners', () => {
    const live = apply(undefined, deployment({ replicas: 1, paused: true }));
    const out = update(live, { ...live, spec: { replicas: 1 } }, 'editor');
    assert.deepEqual(entry(out, 'kubectl')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(entry(out, 'editor'), undefined);
  });

  void it('leaves an existing object without managedFields untracked', () => {
    const old = deployment({ replicas: 1 });
    const out = update(old, deployment({ replicas: 2 }), 'x');
    assert.equal(out.metadata.managedFields, undefined);
    assert.equal(spec(out).replicas, 2);
  });

  void it('an empty managedFields list in the request resets them', () => {
    const live = apply(undefined, deployment({ replicas: 1 }));
    const out = update(live, deployment({ replicas: 1 }, { managedFields: [] }), 'x');
    assert.equal(out.metadata.managedFields, undefined);
  });

  void it('keeps managedFields sent back unchanged by a replace', () => {
    const live = apply(undefined, deployment({ replicas: 1 }));
    const out = update(
      live,
      { ...structuredClone(live), spec: { replicas: 2 } },
      'kubectl-replace',
      T1,
    );
    assert.deepEqual(
      out.metadata.managedFields?.map((e) => [e.manager, e.operation]),
      [['kubectl-replace', 'Update']],
    );
  });

  void it('a status write is recorded with its subresource', () => {
    const live = apply(undefined, deployment({ replicas: 1 }));
    const out = update(
      live,
      { ...live, status: { replicas: 1 } },
      'kube-controller-manager',
      T1,
      'status',
    );
    const e = entry(out, 'kube-controller-manager');
    assert.equal(e?.subresource, 'status');
    assert.deepEqual(e?.fieldsV1, { 'f:status': { 'f:replicas': {} } });
  });
});

void describe('serverSideApply: the move from client-side apply', () => {
  const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
  /** What `kubectl apply` (client-side) leaves: its manager and the last-applied annotation. */
  const csaCreated = (): KubeObject => {
    const config = deployment(nginx({ replicas: 1 }));
    const withAnnotation = deployment(nginx({ replicas: 1 }), {
      annotations: { [LAST_APPLIED]: JSON.stringify(config) },
    });
    return update(undefined, withAnnotation, 'kubectl-client-side-apply');
  };

  void it('kubectl itself takes over the fields of the last-applied configuration', () => {
    const out = apply(csaCreated(), deployment(nginx({ replicas: 3 })), 'kubectl');
    assert.equal(spec(out).replicas, 3);
    assert.equal(entry(out, 'kubectl')?.operation, 'Apply');
  });

  void it('any other manager meets the conflict', () => {
    conflict(
      () => apply(csaCreated(), deployment(nginx({ replicas: 3 })), 'not-kubectl'),
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      [
        {
          message: 'conflict with "kubectl-client-side-apply" using apps/v1',
          field: '.spec.replicas',
        },
      ],
    );
  });

  void it('kubectl still conflicts on a field changed since the last client-side apply', () => {
    // Someone else scaled it after the last apply: the annotation no longer matches.
    const scaled = update(
      csaCreated(),
      { ...csaCreated(), spec: nginx({ replicas: 5 }) },
      'hpa',
      T1,
    );
    conflict(
      () => apply(scaled, deployment(nginx({ replicas: 3 })), 'kubectl'),
      'Apply failed with 1 conflict: conflict with "hpa" using apps/v1: .spec.replicas',
      [{ message: 'conflict with "hpa" using apps/v1', field: '.spec.replicas' }],
    );
  });
});

void describe('updateManagedFields: fields the endpoint resets', () => {
  void it('a main-resource update that omits the status takes nothing from the status writer', () => {
    const created = update(undefined, deployment(nginx()), 'kubectl-create');
    const withStatus = updateManagedFields(
      created,
      { ...created, status: { replicas: 2 } },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: APPS,
        now: T0,
        subresource: 'status',
        resetFields: [['spec'], ['metadata']],
      },
    );
    // A client that does not send status (it is reset on this endpoint anyway).
    const { status: _s, ...noStatus } = withStatus;
    const out = updateManagedFields(
      withStatus,
      { ...noStatus, metadata: { ...withStatus.metadata, labels: { a: 'b' } } } as KubeObject,
      {
        manager: 'kubectl-label',
        operation: 'Update',
        apiVersion: APPS,
        now: T1,
        resetFields: [['status']],
      },
    );
    assert.deepEqual(entry(out, 'kube-controller-manager')?.fieldsV1, {
      'f:status': { 'f:replicas': {} },
    });
    assert.ok(entry(out, 'kubectl-create'));
    assert.ok(entry(out, 'kubectl-label'));
  });
});
