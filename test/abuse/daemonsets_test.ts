// Invalid DaemonSets and ControllerRevisions against a real server: each refusal is a 422
// Invalid with kube-apiserver's message, and nothing stored changes. Then a seeded fuzz
// loop of update strategies, selectors and templates, created and written over an existing
// DaemonSet: only 201/200 or 422, and a refused write leaves everything as it was.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';

const NS = 'ds-abuse';
const APPS = `/apis/apps/v1/namespaces/${NS}`;
const DS = `${APPS}/daemonsets`;
const REVS = `${APPS}/controllerrevisions`;
const LISTS = [DS, REVS, `/api/v1/namespaces/${NS}/pods`];

let server: AbuseServer;

const daemonSet = (name: string, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: 'a' } },
    template: {
      metadata: { labels: { app: 'a' } },
      spec: { containers: [{ name: 'c', image: 'agent:1' }] },
    },
    ...spec,
  },
});

const send = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
  server.sendJson(method, path, body);

/** Runs `attempt` and checks that nothing stored changed. */
const unchanged = (attempt: () => Promise<void>): Promise<void> => server.unchanged(LISTS, attempt);

async function refused(method: string, path: string, body: unknown, message: string) {
  await unchanged(async () => {
    const res = await send(method, path, body);
    assertStatus(res, 422, 'Invalid');
    assert.equal(res.json.message, message);
  });
}

before(async () => {
  server = startAbuseServer();
  const ns = await send('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  assert.equal(ns.status, 201, ns.text);
  const ds = await send('POST', DS, daemonSet('target'));
  assert.equal(ds.status, 201, ds.text);
});
after(() => server?.stop());

describe('daemonsets', () => {
  it('refuses a template its selector does not select', () =>
    refused(
      'POST',
      DS,
      daemonSet('x', { selector: { matchLabels: { app: 'b' } } }),
      'DaemonSet.apps "x" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"a"}: `selector` does not match template `labels`',
    ));

  it('refuses a restart policy other than Always', () =>
    refused(
      'POST',
      DS,
      daemonSet('x', {
        template: {
          metadata: { labels: { app: 'a' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'agent:1' }] },
        },
      }),
      'DaemonSet.apps "x" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ));

  it('refuses maxSurge beside a non-zero maxUnavailable, and both zero', async () => {
    await refused(
      'POST',
      DS,
      daemonSet('x', {
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: 1, maxSurge: 1 },
        },
      }),
      'DaemonSet.apps "x" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
    );
    await refused(
      'POST',
      DS,
      daemonSet('x', {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } },
      }),
      'DaemonSet.apps "x" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
    );
  });

  it('refuses an empty selector', async () => {
    await unchanged(async () => {
      const res = await send('POST', DS, daemonSet('x', { selector: {} }));
      assertStatus(res, 422, 'Invalid');
      assert.match(
        res.json.message,
        /^DaemonSet\.apps "x" is invalid: spec\.selector: Invalid value: .*: empty selector is invalid for daemonset$/,
      );
    });
  });

  it('keeps the selector immutable', async () => {
    const cur = await send('GET', `${DS}/target`);
    const body = structuredClone(cur.json);
    body.spec.selector = { matchLabels: { app: 'a', tier: 'x' } };
    body.spec.template.metadata.labels.tier = 'x';
    await unchanged(async () => {
      const res = await send('PUT', `${DS}/target`, body);
      assertStatus(res, 422, 'Invalid');
      assert.match(
        res.json.message,
        /^DaemonSet\.apps "target" is invalid: spec\.selector: Invalid value: .*: field is immutable$/,
      );
    });
  });

  it('refuses negative status counters on the status subresource', async () => {
    const cur = await send('GET', `${DS}/target`);
    const body = structuredClone(cur.json);
    body.status.numberReady = -1;
    await refused(
      'PUT',
      `${DS}/target/status`,
      body,
      'DaemonSet.apps "target" is invalid: status.numberReady: Invalid value: -1: must be greater than or equal to 0',
    );
  });

  it('refuses unknown fields when asked to be strict', async () => {
    await unchanged(async () => {
      const res = await send('POST', `${DS}?fieldValidation=Strict`, daemonSet('x', { foo: 1 }));
      assertStatus(res, 400, 'BadRequest');
      assert.equal(
        res.json.message,
        'DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: unknown field "spec.foo"',
      );
    });
  });
});

describe('controllerrevisions', () => {
  const revision = (name: string, extra: Record<string, unknown>): Record<string, unknown> => ({
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name },
    ...extra,
  });

  it('refuses a revision without data or with a negative number', async () => {
    await refused(
      'POST',
      REVS,
      revision('r', { revision: 1 }),
      'ControllerRevision.apps "r" is invalid: data: Required value: data is mandatory',
    );
    await refused(
      'POST',
      REVS,
      revision('r', { data: {}, revision: -1 }),
      'ControllerRevision.apps "r" is invalid: revision: Invalid value: -1: must be greater than or equal to 0',
    );
  });

  it('keeps data immutable', async () => {
    const created = await send('POST', REVS, revision('kept', { data: { a: 1 }, revision: 1 }));
    assert.equal(created.status, 201, created.text);
    const body = { ...created.json, data: { a: 2 } };
    await unchanged(async () => {
      const res = await send('PUT', `${REVS}/kept`, body);
      assertStatus(res, 422, 'Invalid');
      assert.match(
        res.json.message,
        /^ControllerRevision\.apps "kept" is invalid: data: Invalid value: .*: field is immutable$/,
      );
    });
  });
});

describe('generated daemonsets (seeded)', () => {
  /** mulberry32: small, seeded, deterministic. */
  function rng(seed: number): () => number {
    let a = seed;
    return () => {
      a |= 0;
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const random = rng(20261207);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const AMOUNTS = [undefined, null, 0, 1, 2, -1, '0%', '50%', '100%', '101%', '1', 'x', 1.5, true];
  const TYPES = [undefined, 'RollingUpdate', 'OnDelete', 'Recreate', '', 'rollingupdate', 7];
  const POLICIES = [undefined, 'Always', 'OnFailure', 'Never', 'always'];
  const LABELS = [{ app: 'a' }, { app: 'b' }, {}, { app: 'a', extra: 'y' }];

  /** 422 for invalid values; 400 for values of the wrong JSON type (the decoder's refusal). */
  const refusedAsKube = (res: RawResponse): void => {
    if (res.status === 400) {
      assertStatus(res, 400, 'BadRequest');
      assert.match(
        res.json.message,
        /^DaemonSet in version "v1" cannot be handled as a DaemonSet: /,
      );
      return;
    }
    assertStatus(res, 422, 'Invalid');
    assert.ok(res.json.details.causes.length > 0, res.text);
  };

  const generated = (name: string): Record<string, unknown> => {
    const rollingUpdate: Record<string, unknown> = {};
    const mu = pick(AMOUNTS);
    const ms = pick(AMOUNTS);
    if (mu !== undefined) rollingUpdate['maxUnavailable'] = mu;
    if (ms !== undefined) rollingUpdate['maxSurge'] = ms;
    const type = pick(TYPES);
    const policy = pick(POLICIES);
    return daemonSet(name, {
      updateStrategy: {
        ...(type === undefined ? {} : { type }),
        ...(random() < 0.8 ? { rollingUpdate } : {}),
      },
      ...(random() < 0.3 ? { minReadySeconds: pick([-1, 0, 5]) } : {}),
      ...(random() < 0.3 ? { revisionHistoryLimit: pick([-1, 0, 3]) } : {}),
      template: {
        metadata: { labels: pick(LABELS) },
        spec: {
          ...(policy === undefined ? {} : { restartPolicy: policy }),
          containers: [{ name: 'c', image: 'agent:1' }],
        },
      },
    });
  };

  it('creates or refuses 150 generated daemonsets, never anything else', async () => {
    for (let i = 0; i < 150; i++) {
      const name = `gen-${i}`;
      const before = await server.snapshot(LISTS);
      const res = await send('POST', DS, generated(name));
      if (res.status === 201) {
        assert.equal(
          res.json.metadata.annotations['deprecated.daemonset.template.generation'],
          '1',
        );
        const del = await send('DELETE', `${DS}/${name}`);
        assert.equal(del.status, 200, del.text);
        continue;
      }
      refusedAsKube(res);
      assert.deepEqual(await server.snapshot(LISTS), before, `request ${i}`);
    }
  });

  it('updates or refuses 100 generated specs over an existing daemonset', async () => {
    for (let i = 0; i < 100; i++) {
      const cur = await send('GET', `${DS}/target`);
      const body = generated('target');
      (body['metadata'] as Record<string, unknown>)['resourceVersion'] =
        cur.json.metadata.resourceVersion;
      const before = await server.snapshot(LISTS);
      const res = await send('PUT', `${DS}/target`, body);
      if (res.status === 200) {
        assert.ok(res.json.metadata.generation >= cur.json.metadata.generation);
        continue;
      }
      refusedAsKube(res);
      assert.deepEqual(await server.snapshot(LISTS), before, `request ${i}`);
    }
  });
});
