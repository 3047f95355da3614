// Invalid StatefulSets against a real server: each refusal is a 422 Invalid with
// kube-apiserver's message and causes, and nothing stored changes. Then a seeded fuzz loop
// of policies, strategies, selectors and templates, created and written over an existing
// StatefulSet: only 201/200, 422, or the decoder's 400, and a refused write changes nothing.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prng } from '../support/prng.js';
import { eventually } from '../support/eventually.js';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';

const NS = 'sts-abuse';
const STS = `/apis/apps/v1/namespaces/${NS}/statefulsets`;
// Sets are made with no replicas, so the controller leaves pods alone; revisions come and go
// with the controller and are not part of what a refusal must leave unchanged.
const LISTS = [STS, `/api/v1/namespaces/${NS}/pods`];

const FORBIDDEN_UPDATE =
  "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

let server: AbuseServer;

const statefulSet = (
  name: string,
  spec: Record<string, unknown> = {},
): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name },
  spec: {
    replicas: 0,
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: {
      metadata: { labels: { app: 'db' } },
      spec: { containers: [{ name: 'c', image: 'db:1' }] },
    },
    ...spec,
  },
});

const send = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
  server.sendJson(method, path, body);

/** Runs `attempt` and checks that nothing stored changed. */
const unchanged = (attempt: () => Promise<void>): Promise<void> => server.unchanged(LISTS, attempt);

async function refused(
  method: string,
  path: string,
  body: unknown,
  message: string,
): Promise<RawResponse> {
  let res!: RawResponse;
  await unchanged(async () => {
    res = await send(method, path, body);
    assertStatus(res, 422, 'Invalid');
    assert.equal(res.json.message, message);
  });
  return res;
}

/** Waits for the controller to have written the status of the set's current generation. */
const settled = (name: string): Promise<unknown> =>
  eventually(async () => {
    const cur = await send('GET', `${STS}/${name}`);
    return cur.json.status?.observedGeneration === cur.json.metadata.generation ? true : false;
  }, `${name} observed by the controller`);

const current = async (name: string): Promise<any> => {
  await settled(name);
  return (await send('GET', `${STS}/${name}`)).json;
};

before(async () => {
  server = startAbuseServer();
  const ns = await send('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  assert.equal(ns.status, 201, ns.text);
  const created = await send('POST', STS, statefulSet('target'));
  assert.equal(created.status, 201, created.text);
});
after(() => server?.stop());

describe('statefulsets', () => {
  it('refuses a template its selector does not select, with the cause', async () => {
    const res = await refused(
      'POST',
      STS,
      statefulSet('x', { selector: { matchLabels: { app: 'web' } } }),
      'StatefulSet.apps "x" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"db"}: `selector` does not match template `labels`',
    );
    assert.deepEqual(res.json.details, {
      name: 'x',
      group: 'apps',
      kind: 'StatefulSet',
      causes: [
        {
          reason: 'FieldValueInvalid',
          message:
            'Invalid value: map[string]string{"app":"db"}: `selector` does not match template `labels`',
          field: 'spec.template.metadata.labels',
        },
      ],
    });
  });

  it('refuses a missing or empty selector', async () => {
    await refused(
      'POST',
      STS,
      statefulSet('x', { selector: undefined }),
      'StatefulSet.apps "x" is invalid: spec.selector: Required value',
    );
    await refused(
      'POST',
      STS,
      statefulSet('x', { selector: {} }),
      'StatefulSet.apps "x" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset',
    );
  });

  it('refuses restart policies other than Always, and activeDeadlineSeconds', async () => {
    await refused(
      'POST',
      STS,
      statefulSet('x', {
        template: {
          metadata: { labels: { app: 'db' } },
          spec: {
            restartPolicy: 'OnFailure',
            activeDeadlineSeconds: 5,
            containers: [{ name: 'c', image: 'db:1' }],
          },
        },
      }),
      'StatefulSet.apps "x" is invalid: [spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always", spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported]',
    );
  });

  it('refuses unknown pod management policies and update strategies', async () => {
    await refused(
      'POST',
      STS,
      statefulSet('x', { podManagementPolicy: 'Burst' }),
      `StatefulSet.apps "x" is invalid: spec.podManagementPolicy: Invalid value: "Burst": must be 'OrderedReady' or 'Parallel'`,
    );
    await refused(
      'POST',
      STS,
      statefulSet('x', { updateStrategy: { type: 'Recreate' } }),
      `StatefulSet.apps "x" is invalid: spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:"Recreate", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'`,
    );
    await refused(
      'POST',
      STS,
      statefulSet('x', { updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 2 } } }),
      `StatefulSet.apps "x" is invalid: spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:2, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'`,
    );
    await refused(
      'POST',
      STS,
      statefulSet('x', {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } },
      }),
      'StatefulSet.apps "x" is invalid: spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
    );
  });

  it('refuses names and service names that are not DNS labels, and negative counts', async () => {
    const label =
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    await refused(
      'POST',
      STS,
      statefulSet('db.v2'),
      `StatefulSet.apps "db.v2" is invalid: metadata.name: Invalid value: "db.v2": ${label}`,
    );
    await refused(
      'POST',
      STS,
      statefulSet('x', { serviceName: 'DB' }),
      `StatefulSet.apps "x" is invalid: spec.serviceName: Invalid value: "DB": ${label}`,
    );
    await refused(
      'POST',
      STS,
      statefulSet('x', { replicas: -1, minReadySeconds: -1, ordinals: { start: -1 } }),
      'StatefulSet.apps "x" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0, spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0]',
    );
    await refused(
      'POST',
      STS,
      statefulSet('x', {
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep', whenScaled: 'Retain' },
      }),
      'StatefulSet.apps "x" is invalid: spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
    );
  });

  it('refuses changes to fields other than the updatable ones', async () => {
    for (const change of [
      { serviceName: 'other' },
      { podManagementPolicy: 'Parallel' },
      { revisionHistoryLimit: 3 },
      {
        volumeClaimTemplates: [
          { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } },
        ],
      },
    ]) {
      const body = await current('target');
      Object.assign(body.spec, change);
      await refused(
        'PUT',
        `${STS}/target`,
        body,
        `StatefulSet.apps "target" is invalid: ${FORBIDDEN_UPDATE}`,
      );
    }
    const body = await current('target');
    body.spec.selector = { matchLabels: { app: 'db', tier: 'x' } };
    body.spec.template.metadata.labels.tier = 'x';
    await refused(
      'PUT',
      `${STS}/target`,
      body,
      `StatefulSet.apps "target" is invalid: ${FORBIDDEN_UPDATE}`,
    );
  });

  it('refuses impossible status counters on the status subresource', async () => {
    const body = await current('target');
    body.status.readyReplicas = 2;
    body.status.currentReplicas = -1;
    await refused(
      'PUT',
      `${STS}/target/status`,
      body,
      'StatefulSet.apps "target" is invalid: [status.currentReplicas: Invalid value: -1: must be greater than or equal to 0, status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas]',
    );
  });

  it('refuses unknown fields when asked to be strict', () =>
    unchanged(async () => {
      const res = await send('POST', `${STS}?fieldValidation=Strict`, statefulSet('x', { foo: 1 }));
      assertStatus(res, 400, 'BadRequest');
      assert.equal(
        res.json.message,
        'StatefulSet in version "v1" cannot be handled as a StatefulSet: strict decoding error: unknown field "spec.foo"',
      );
    }));
});

describe('generated statefulsets (seeded)', () => {
  const random = prng(20261207);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const POLICIES = [undefined, 'OrderedReady', 'Parallel', 'Burst', '', 'parallel'];
  const TYPES = [undefined, 'RollingUpdate', 'OnDelete', 'Recreate', ''];
  const PARTITIONS = [undefined, 0, 1, 5, -1];
  const RESTARTS = [undefined, 'Always', 'OnFailure', 'Never'];
  const LABELS = [{ app: 'db' }, { app: 'web' }, {}, { app: 'db', extra: 'y' }];
  const RETENTION = [undefined, 'Retain', 'Delete', 'Keep'];
  const SERVICES = [undefined, 'db', 'DB', 'db.svc', ''];

  /** 422 for invalid values, with causes; 400 for values of the wrong JSON type. */
  const refusedAsKube = (res: RawResponse): void => {
    if (res.status === 400) {
      assertStatus(res, 400, 'BadRequest');
      assert.match(
        res.json.message,
        /^StatefulSet in version "v1" cannot be handled as a StatefulSet: /,
      );
      return;
    }
    assertStatus(res, 422, 'Invalid');
    assert.ok(res.json.details.causes.length > 0, res.text);
  };

  /** A spec with only the fields an update may change generated; the others as `target`'s. */
  const generated = (name: string, updatable = false): Record<string, unknown> => {
    const type = pick(TYPES);
    const partition = pick(PARTITIONS);
    const restart = pick(RESTARTS);
    const whenDeleted = pick(RETENTION);
    const fixed = updatable
      ? {}
      : {
          ...(random() < 0.5 ? { podManagementPolicy: pick(POLICIES) } : {}),
          ...(random() < 0.3 ? { serviceName: pick(SERVICES) } : {}),
        };
    return statefulSet(name, {
      replicas: pick([0, 0, 0, -1]),
      ...fixed,
      updateStrategy: {
        ...(type === undefined ? {} : { type }),
        ...(partition === undefined ? {} : { rollingUpdate: { partition } }),
      },
      ...(whenDeleted === undefined
        ? {}
        : { persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled: 'Retain' } }),
      ...(random() < 0.3 ? { minReadySeconds: pick([-1, 0, 5]) } : {}),
      template: {
        metadata: { labels: pick(LABELS) },
        spec: {
          ...(restart === undefined ? {} : { restartPolicy: restart }),
          containers: [{ name: 'c', image: 'db:1' }],
        },
      },
    });
  };

  it('creates or refuses 150 generated statefulsets, never anything else', async () => {
    const outcomes = new Set<number>();
    for (let i = 0; i < 150; i++) {
      const name = `gen-${i}`;
      const before = await server.snapshot(LISTS);
      const res = await send('POST', STS, generated(name));
      outcomes.add(res.status);
      if (res.status === 201) {
        assert.equal(res.json.metadata.generation, 1);
        assert.deepEqual(res.json.status, { replicas: 0, availableReplicas: 0 });
        const del = await send('DELETE', `${STS}/${name}`);
        assert.equal(del.status, 200, del.text);
        continue;
      }
      refusedAsKube(res);
      assert.deepEqual(await server.snapshot(LISTS), before, `request ${i}`);
    }
    assert.deepEqual([...outcomes].sort(), [201, 422]);
  });

  it('updates or refuses 100 generated specs over an existing statefulset', async () => {
    const outcomes = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const cur = await current('target');
      const body = generated('target', true);
      const spec = body['spec'] as Record<string, unknown>;
      spec['podManagementPolicy'] = cur.spec.podManagementPolicy;
      spec['revisionHistoryLimit'] = cur.spec.revisionHistoryLimit;
      (body['metadata'] as Record<string, unknown>)['resourceVersion'] =
        cur.metadata.resourceVersion;
      const before = await server.snapshot(LISTS);
      const res = await send('PUT', `${STS}/target`, body);
      outcomes.add(res.status);
      if (res.status === 200) {
        assert.ok(res.json.metadata.generation >= cur.metadata.generation);
        continue;
      }
      refusedAsKube(res);
      assert.deepEqual(await server.snapshot(LISTS), before, `request ${i}`);
    }
    assert.deepEqual([...outcomes].sort(), [200, 422]);
  });
});
