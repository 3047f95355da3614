import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

const NS = '/api/v1/namespaces/updates';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/updates/deployments';

function deployment(name: string, replicas = 1): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
    },
  };
}

describe('update', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace('updates');
  });
  after(() => api.close());

  const createCm = async (name: string): Promise<Obj> => {
    const res = await api.post(`${NS}/configmaps`, { metadata: { name }, data: { a: '1' } });
    assert.equal(res.status, 201, res.text);
    return res.json<Obj>();
  };

  it('refuses a stale resourceVersion with 409 Conflict', async () => {
    const cm = await createCm('occ');
    const first = await api.put(`${NS}/configmaps/occ`, { ...cm, data: { a: '2' } });
    assert.equal(first.status, 200);
    assert.notEqual(first.json<Obj>().metadata['resourceVersion'], cm.metadata['resourceVersion']);
    const stale = await api.put(`${NS}/configmaps/occ`, { ...cm, data: { a: '3' } });
    assert.equal(stale.status, 409);
    assert.deepEqual(stale.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'occ', kind: 'configmaps' },
      code: 409,
    });
    const now = (await api.get(`${NS}/configmaps/occ`)).json<Obj>();
    assert.deepEqual(now['data'], { a: '2' });
  });

  it('updates unconditionally without a resourceVersion', async () => {
    await createCm('uncond');
    const res = await api.put(`${NS}/configmaps/uncond`, {
      metadata: { name: 'uncond' },
      data: { b: '2' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json()['data'], { b: '2' });
  });

  it('refuses a uid that is not the stored one with 409', async () => {
    const cm = await createCm('uid');
    const res = await api.put(`${NS}/configmaps/uid`, {
      ...cm,
      metadata: { ...cm.metadata, uid: 'someone-else' },
    });
    assert.equal(res.status, 409);
    assert.equal(
      res.json()['message'],
      `Operation cannot be fulfilled on configmaps "uid": Precondition failed: UID in precondition: someone-else, UID in object meta: ${String(cm.metadata['uid'])}`,
    );
  });

  it('answers 404 for an object that does not exist (no create on update)', async () => {
    const res = await api.put(`${NS}/configmaps/ghost`, { metadata: { name: 'ghost' } });
    assert.equal(res.status, 404);
    assert.equal(res.json()['message'], 'configmaps "ghost" not found');
  });

  it('refuses a body named differently from the URL with 400', async () => {
    await createCm('named');
    const res = await api.put(`${NS}/configmaps/named`, { metadata: { name: 'other' } });
    assert.equal(res.status, 400);
    assert.equal(
      res.json()['message'],
      'the name of the object (other) does not match the name on the URL (named)',
    );
  });

  it('writes nothing for an update that changes nothing', async () => {
    const cm = await createCm('noop');
    const rev = api.store.currentRevision();
    const w = await api.watch(
      `${NS}/configmaps?resourceVersion=${String(cm.metadata['resourceVersion'])}`,
    );
    const res = await api.put(`${NS}/configmaps/noop`, cm);
    assert.equal(res.status, 200);
    assert.equal(res.json<Obj>().metadata['resourceVersion'], cm.metadata['resourceVersion']);
    assert.equal(api.store.currentRevision(), rev);
    assert.deepEqual(await w.drain(), []);
    w.close();
  });

  it('keeps the status on a main-resource update and the spec on a status update', async () => {
    const created = (await api.post(DEPLOYMENTS, deployment('split'))).json<Obj>();
    const withStatus = await api.put(`${DEPLOYMENTS}/split/status`, {
      ...created,
      spec: { ...(created['spec'] as object), replicas: 9 },
      status: { replicas: 1, observedGeneration: 1 },
    });
    assert.equal(withStatus.status, 200, withStatus.text);
    const afterStatus = withStatus.json<Obj>();
    assert.equal((afterStatus['spec'] as { replicas: number }).replicas, 1);
    assert.deepEqual(afterStatus['status'], { replicas: 1, observedGeneration: 1 });
    const main = await api.put(`${DEPLOYMENTS}/split`, {
      ...afterStatus,
      spec: { ...(afterStatus['spec'] as object), replicas: 2 },
      status: { replicas: 7 },
    });
    assert.equal(main.status, 200, main.text);
    const afterMain = main.json<Obj>();
    assert.equal((afterMain['spec'] as { replicas: number }).replicas, 2);
    assert.deepEqual(afterMain['status'], { replicas: 1, observedGeneration: 1 });
  });

  it('bumps generation on spec changes only', async () => {
    const d = (await api.post(DEPLOYMENTS, deployment('gen'))).json<Obj>();
    assert.equal(d.metadata['generation'], 1);
    const labelled = (
      await api.put(`${DEPLOYMENTS}/gen`, {
        ...d,
        metadata: { ...d.metadata, labels: { x: 'y' } },
      })
    ).json<Obj>();
    assert.equal(labelled.metadata['generation'], 1);
    const scaled = (
      await api.put(`${DEPLOYMENTS}/gen`, {
        ...labelled,
        spec: { ...(labelled['spec'] as object), replicas: 3 },
      })
    ).json<Obj>();
    assert.equal(scaled.metadata['generation'], 2);
    const status = (
      await api.put(`${DEPLOYMENTS}/gen/status`, { ...scaled, status: { replicas: 3 } })
    ).json<Obj>();
    assert.equal(status.metadata['generation'], 2);
    // The client cannot set generation itself.
    const forged = (
      await api.put(`${DEPLOYMENTS}/gen`, {
        ...status,
        metadata: { ...status.metadata, generation: 40 },
      })
    ).json<Obj>();
    assert.equal(forged.metadata['generation'], 2);
  });

  it('refuses changes to immutable fields with 422', async () => {
    const d = (await api.post(DEPLOYMENTS, deployment('imm'))).json<Obj>();
    const spec = d['spec'] as Record<string, unknown>;
    const res = await api.put(`${DEPLOYMENTS}/imm`, {
      ...d,
      spec: {
        ...spec,
        selector: { matchLabels: { app: 'other' } },
        template: {
          metadata: { labels: { app: 'other' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    });
    assert.equal(res.status, 422);
    assert.match(
      String(res.json()['message']),
      /^Deployment\.apps "imm" is invalid: spec\.selector: Invalid value: .*: field is immutable$/,
    );

    const cm = (
      await api.post(`${NS}/configmaps`, {
        metadata: { name: 'frozen' },
        data: { a: '1' },
        immutable: true,
      })
    ).json<Obj>();
    const frozen = await api.put(`${NS}/configmaps/frozen`, { ...cm, data: { a: '2' } });
    assert.equal(frozen.status, 422);
    assert.equal(
      frozen.json()['message'],
      'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    );

    const pod = (
      await api.post(`${NS}/pods`, {
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'c', image: 'a' }] },
      })
    ).json<Obj>();
    const ps = pod['spec'] as { containers: Record<string, unknown>[] };
    const image = await api.put(`${NS}/pods/p`, {
      ...pod,
      spec: { ...ps, containers: [{ ...ps.containers[0], image: 'b' }] },
    });
    assert.equal(image.status, 200, image.text);
    const podNow = image.json<Obj>();
    const other = await api.put(`${NS}/pods/p`, {
      ...podNow,
      spec: { ...(podNow['spec'] as object), restartPolicy: 'Never' },
    });
    assert.equal(other.status, 422);
    assert.match(
      String(other.json()['message']),
      /^Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than/,
    );
  });

  it('has no status subresource where the kind has none', async () => {
    await createCm('nostatus');
    const res = await api.put(`${NS}/configmaps/nostatus/status`, {
      metadata: { name: 'nostatus' },
    });
    assert.equal(res.status, 404);
  });

  it('writes nothing on dryRun=All', async () => {
    const cm = await createCm('dry-update');
    const rev = api.store.currentRevision();
    const res = await api.put(`${NS}/configmaps/dry-update?dryRun=All`, {
      ...cm,
      data: { a: 'changed' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json()['data'], { a: 'changed' });
    assert.equal(api.store.currentRevision(), rev);
    const now = (await api.get(`${NS}/configmaps/dry-update`)).json<Obj>();
    assert.deepEqual(now['data'], { a: '1' });
  });
});

describe('field managers across updates', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace('owners');
  });
  after(() => api.close());
  const PODS = '/api/v1/namespaces/owners/pods';
  type Entry = { manager: string; subresource?: string; fieldsV1: Record<string, any> };
  const entries = (o: Obj): Entry[] => (o.metadata['managedFields'] ?? []) as Entry[];
  const ua = (agent: string) => ({ headers: { 'user-agent': agent } });

  it('the creator owns what it sent and the defaults, not what admission added', async () => {
    const res = await api.post(
      PODS,
      { metadata: { name: 'owned' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ua('kubectl-run/v1.33.0 (linux/amd64) kubernetes/abc'),
    );
    assert.equal(res.status, 201, res.text);
    const [creator] = entries(res.json<Obj>());
    assert.equal(creator?.manager, 'kubectl-run');
    const spec = creator?.fieldsV1['f:spec'] ?? {};
    assert.deepEqual(spec['f:schedulerName'], {}, 'a default is owned');
    for (const admitted of [
      'f:preemptionPolicy',
      'f:priority',
      'f:tolerations',
      'f:serviceAccountName',
    ])
      assert.equal(spec[admitted], undefined, `${admitted} was set by admission`);
  });

  it('an update by another manager keeps the creator and status entries and adds its own', async () => {
    const created = (
      await api.post(
        PODS,
        { metadata: { name: 'kept' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
        ua('kubectl-create/v1.33.0'),
      )
    ).json<Obj>();
    const status = await api.patch(
      `${PODS}/kept/status`,
      { status: { message: 'hi' } },
      ua('kubelet/v1.33.0'),
    );
    assert.equal(status.status, 200, status.text);
    // A controller that strips managedFields from what it read and sends the object back.
    const live = status.json<Obj>();
    const { managedFields: _mf, ...meta } = live.metadata;
    const put = await api.put(
      `${PODS}/kept`,
      { ...live, metadata: { ...meta, labels: { by: 'controller' } } },
      ua('kube-controller-manager/v1.33.0 (linux/amd64) kubernetes/abc/replicaset-controller'),
    );
    assert.equal(put.status, 200, put.text);
    const names = entries(put.json<Obj>()).map(
      (e) => `${e.manager}${e.subresource ? `/${e.subresource}` : ''}`,
    );
    assert.deepEqual(names.sort(), ['kube-controller-manager', 'kubectl-create', 'kubelet/status']);
    assert.ok(entries(created).length === 1);
  });

  it('a node created with a name only is tracked, so label and taint leave entries', async () => {
    const res = await api.post(
      '/api/v1/nodes',
      { metadata: { name: 'bare' } },
      ua('kubectl-create/v1.33.0'),
    );
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json<Obj>()['spec'], {});
    const label = await api.patch(
      '/api/v1/nodes/bare',
      { metadata: { labels: { a: 'b' } } },
      {
        contentType: 'application/strategic-merge-patch+json',
        ...ua('kubectl-label/v1.33.0'),
      },
    );
    assert.equal(label.status, 200, label.text);
    const names = entries(label.json<Obj>()).map((e) => e.manager);
    assert.deepEqual(names, ['kubectl-create', 'kubectl-label']);
  });
});

describe('dry runs of subresources', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace('drysub');
  });
  after(() => api.close());

  it('scale (PUT and PATCH) and binding answer as a real write and store nothing', async () => {
    const d = deployment('web', 1);
    assert.equal((await api.post('/apis/apps/v1/namespaces/drysub/deployments', d)).status, 201);
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    assert.equal((await api.post('/api/v1/namespaces/drysub/pods', pod)).status, 201);
    const rev = api.store.currentRevision();
    const scale = '/apis/apps/v1/namespaces/drysub/deployments/web/scale?dryRun=All';
    const put = await api.put(scale, {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'drysub' },
      spec: { replicas: 4 },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json<{ spec: { replicas: number } }>().spec.replicas, 4);
    const patch = await api.patch(scale, { spec: { replicas: 5 } });
    assert.equal(patch.status, 200, patch.text);
    assert.equal(patch.json<{ spec: { replicas: number } }>().spec.replicas, 5);
    const bind = await api.post('/api/v1/namespaces/drysub/pods/p/binding?dryRun=All', {
      metadata: { name: 'p' },
      target: { kind: 'Node', name: 'n1' },
    });
    assert.equal(bind.status, 201, bind.text);
    assert.equal(api.store.currentRevision(), rev, 'nothing was written');
  });

  it('a DeleteOptions body with a dryRun other than All is refused (422)', async () => {
    await api.post('/api/v1/namespaces/drysub/configmaps', { metadata: { name: 'cm' } });
    const res = await api.send('DELETE', '/api/v1/namespaces/drysub/configmaps/cm', {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['Nope'] },
    });
    assert.equal(res.status, 422, res.text);
    assert.equal(
      res.json<{ message: string }>().message,
      'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Nope"}: supported values: "All"',
    );
    assert.equal((await api.get('/api/v1/namespaces/drysub/configmaps/cm')).status, 200);
  });
});
