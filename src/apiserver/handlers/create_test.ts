import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

const cm = (name: string, extra: Record<string, unknown> = {}): object => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { a: '1' },
  ...extra,
});

describe('create', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace('default');
  });
  after(() => api.close());

  it('applies the kind defaults and fills the server-owned metadata', async () => {
    const res = await api.post('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'defaults',
        uid: 'client-uid',
        resourceVersion: '999999',
        creationTimestamp: '2001-01-01T00:00:00Z',
      },
      spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] },
    });
    assert.equal(res.status, 201);
    const pod = res.json<Obj>();
    const spec = pod['spec'] as Record<string, unknown>;
    assert.equal(spec['restartPolicy'], 'Always');
    assert.equal(spec['dnsPolicy'], 'ClusterFirst');
    assert.equal(spec['terminationGracePeriodSeconds'], 30);
    assert.equal(spec['schedulerName'], 'default-scheduler');
    const c = (spec['containers'] as Record<string, unknown>[])[0] ?? {};
    assert.equal(c['imagePullPolicy'], 'IfNotPresent');
    assert.equal(c['terminationMessagePath'], '/dev/termination-log');
    assert.equal((pod['status'] as Record<string, unknown>)['phase'], 'Pending');
    assert.notEqual(pod.metadata['uid'], 'client-uid');
    assert.notEqual(pod.metadata['creationTimestamp'], '2001-01-01T00:00:00Z');
    assert.match(String(pod.metadata['resourceVersion']), /^\d+$/);
    assert.notEqual(pod.metadata['resourceVersion'], '999999');
    assert.equal(pod.metadata['namespace'], 'default');
  });

  it('makes a name from generateName', async () => {
    const res = await api.post('/api/v1/namespaces/default/configmaps', {
      metadata: { generateName: 'gen-' },
    });
    assert.equal(res.status, 201);
    const obj = res.json<Obj>();
    assert.match(String(obj.metadata['name']), /^gen-[a-z0-9]{5}$/);
    assert.equal(obj.metadata['generateName'], 'gen-');
    const got = await api.get(`/api/v1/namespaces/default/configmaps/${obj.metadata['name']}`);
    assert.equal(got.status, 200);
  });

  it('refuses a second object of the same name with 409 AlreadyExists', async () => {
    assert.equal((await api.post('/api/v1/namespaces/default/configmaps', cm('dup'))).status, 201);
    const res = await api.post('/api/v1/namespaces/default/configmaps', cm('dup'));
    assert.equal(res.status, 409);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "dup" already exists',
      reason: 'AlreadyExists',
      details: { name: 'dup', kind: 'configmaps' },
      code: 409,
    });
    const apps = await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('d'));
    assert.equal(apps.status, 201);
    const again = await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('d'));
    assert.equal(again.json()['message'], 'deployments.apps "d" already exists');
    assert.deepEqual(again.json()['details'], { name: 'd', group: 'apps', kind: 'deployments' });
  });

  it('refuses an invalid object with 422 Invalid and one cause per field', async () => {
    const res = await api.post('/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'Bad_Name' },
      data: { 'bad key': 'x' },
    });
    assert.equal(res.status, 422);
    const s = res.json<{ message: string; reason: string; details: Record<string, unknown> }>();
    assert.equal(s.reason, 'Invalid');
    const rfc1123 =
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    assert.equal(
      s.message,
      `ConfigMap "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": ${rfc1123}, data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')]`,
    );
    assert.deepEqual(s.details, {
      name: 'Bad_Name',
      kind: 'ConfigMap',
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: "Bad_Name": ${rfc1123}`,
          field: 'metadata.name',
        },
        {
          reason: 'FieldValueInvalid',
          message:
            "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
          field: 'data[bad key]',
        },
      ],
    });
  });

  it('requires a name or generateName', async () => {
    const res = await api.post('/api/v1/namespaces/default/configmaps', { metadata: {} });
    assert.equal(res.status, 422);
    assert.equal(
      res.json()['message'],
      'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    );
  });

  it('refuses a body whose namespace differs from the URL with 400', async () => {
    const before = api.store.currentRevision();
    const res = await api.post('/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'elsewhere', namespace: 'kube-system' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json()['reason'], 'BadRequest');
    assert.equal(
      res.json()['message'],
      'the namespace of the provided object does not match the namespace sent on the request',
    );
    assert.equal(api.store.currentRevision(), before);
  });

  it('refuses to create in a namespace that does not exist with 404', async () => {
    const res = await api.post('/api/v1/namespaces/nope/configmaps', cm('x'));
    assert.equal(res.status, 404);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'namespaces "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'namespaces' },
      code: 404,
    });
  });

  it('refuses to create in a terminating namespace with 403', async () => {
    await api.post('/api/v1/namespaces', {
      metadata: { name: 'ending' },
    });
    const del = await api.delete('/api/v1/namespaces/ending');
    assert.equal(del.status, 200);
    const res = await api.post('/api/v1/namespaces/ending/configmaps', cm('late'));
    assert.equal(res.status, 403);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'configmaps "late" is forbidden: unable to create new content in namespace ending because it is being terminated',
      reason: 'Forbidden',
      details: {
        name: 'late',
        kind: 'configmaps',
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: 'namespace ending is being terminated',
            field: 'metadata.namespace',
          },
        ],
      },
      code: 403,
    });
  });

  it('writes nothing on dryRun=All but answers as a create would', async () => {
    const before = api.store.currentRevision();
    const res = await api.post('/api/v1/namespaces/default/configmaps?dryRun=All', cm('dry'));
    assert.equal(res.status, 201);
    const obj = res.json<Obj>();
    assert.equal(obj.metadata['name'], 'dry');
    assert.ok(obj.metadata['uid']);
    assert.ok(obj.metadata['creationTimestamp']);
    assert.equal(api.store.currentRevision(), before);
    assert.equal((await api.get('/api/v1/namespaces/default/configmaps/dry')).status, 404);
  });

  it('validates the dryRun parameter', async () => {
    const res = await api.post('/api/v1/namespaces/default/configmaps?dryRun=Maybe', cm('dry2'));
    assert.equal(res.status, 422);
    assert.equal(
      res.json()['message'],
      'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Maybe"}: supported values: "All"',
    );
  });

  it('refuses a body over 3 MiB with 413 and stores nothing', async () => {
    // The TLS front refuses it while reading; the handler refuses it too, for in-process clients.
    const before = api.store.currentRevision();
    const big = { metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024) } };
    const res = await api.post('/api/v1/namespaces/default/configmaps', big);
    assert.equal(res.status, 413);
    assert.equal(res.json()['reason'], 'RequestEntityTooLarge');
    assert.equal(res.json()['message'], 'Request entity too large: limit is 3145728');
    assert.equal(api.store.currentRevision(), before);
  });

  it('refuses malformed JSON and YAML with 400 and changes nothing', async () => {
    const before = api.store.currentRevision();
    const bad = await api.post('/api/v1/namespaces/default/configmaps', '{"metadata": {"name": ');
    assert.equal(bad.status, 400);
    assert.equal(bad.json()['reason'], 'BadRequest');
    assert.match(
      String(bad.json()['message']),
      /^the object provided is unrecognized \(must be of type ConfigMap\): /,
    );
    const yaml = await api.post('/api/v1/namespaces/default/configmaps', 'metadata: [name: x', {
      contentType: 'application/yaml',
    });
    assert.equal(yaml.status, 400);
    assert.equal(yaml.json()['reason'], 'BadRequest');
    const notObject = await api.post('/api/v1/namespaces/default/configmaps', '[1,2]');
    assert.equal(notObject.status, 400);
    const empty = await api.send('POST', '/api/v1/namespaces/default/configmaps', {
      body: Buffer.alloc(0),
    });
    assert.equal(empty.status, 400);
    assert.equal(api.store.currentRevision(), before);
  });

  it('creates namespaced objects only under a namespace (405 across namespaces)', async () => {
    const res = await api.post('/api/v1/configmaps', {
      metadata: { name: 'x', namespace: 'default' },
    });
    assert.equal(res.status, 405);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server does not allow this method on the requested resource',
      reason: 'MethodNotAllowed',
      details: {},
      code: 405,
    });
  });

  it('accepts YAML bodies', async () => {
    const res = await api.post(
      '/api/v1/namespaces/default/configmaps',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n',
      { contentType: 'application/yaml' },
    );
    assert.equal(res.status, 201);
    assert.deepEqual(res.json()['data'], { k: 'v' });
  });

  it('refuses a body of another apiVersion or kind with 400', async () => {
    const v = await api.post('/api/v1/namespaces/default/configmaps', {
      apiVersion: 'apps/v1',
      kind: 'ConfigMap',
      metadata: { name: 'v' },
    });
    assert.equal(v.status, 400);
    assert.equal(
      v.json()['message'],
      'the API version in the data (apps/v1) does not match the expected API version (v1)',
    );
  });

  describe('fieldValidation', () => {
    const body = cm('fv', { spec: { foo: 1 } });

    it('Strict refuses unknown fields with 400 strict decoding error', async () => {
      const before = api.store.currentRevision();
      const res = await api.post('/api/v1/namespaces/default/configmaps?fieldValidation=Strict', {
        ...cm('fv-strict'),
        spec: { foo: 1 },
      });
      assert.equal(res.status, 400);
      assert.equal(res.json()['reason'], 'BadRequest');
      assert.equal(
        res.json()['message'],
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"',
      );
      assert.equal(api.store.currentRevision(), before);
      const pod = await api.post('/api/v1/namespaces/default/pods?fieldValidation=Strict', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'strict' },
        spec: { foo: 'x', containers: [{ name: 'c', image: 'i', bar: 1 }] },
      });
      assert.equal(pod.status, 400);
      assert.equal(
        pod.json()['message'],
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", unknown field "spec.containers[0].bar"',
      );
    });

    it('Warn (the default) stores the object and warns', async () => {
      for (const q of ['?fieldValidation=Warn', '']) {
        const name = `fv-warn${q ? '-q' : ''}`;
        const res = await api.post(`/api/v1/namespaces/default/configmaps${q}`, {
          ...body,
          metadata: { name },
        });
        assert.equal(res.status, 201);
        assert.equal(res.headers['warning'], '299 - "unknown field \\"spec\\""');
        assert.equal(res.json()['spec'], undefined);
      }
    });

    it('Ignore stores the object silently', async () => {
      const res = await api.post('/api/v1/namespaces/default/configmaps?fieldValidation=Ignore', {
        ...body,
        metadata: { name: 'fv-ignore' },
      });
      assert.equal(res.status, 201);
      assert.equal(res.headers['warning'], undefined);
    });

    it('refuses other values', async () => {
      const res = await api.post('/api/v1/namespaces/default/configmaps?fieldValidation=Loud', {
        ...body,
        metadata: { name: 'fv-loud' },
      });
      assert.equal(res.status, 400);
      assert.equal(
        res.json()['message'],
        'fieldValidation must be one of "Ignore", "Warn", or "Strict", got "Loud"',
      );
    });
  });
});

function deployment(name: string): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
    },
  };
}

describe('fieldManager and the user agent', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace('default');
  });
  after(() => api.close());
  const CMS = '/api/v1/namespaces/default/configmaps';

  it('a fieldManager too long or unprintable is refused as invalid options of the verb', async () => {
    const long = await api.post(`${CMS}?fieldManager=${'m'.repeat(129)}`, cm('long'));
    assert.equal(long.status, 422, long.text);
    assert.equal(
      long.json<{ message: string }>().message,
      'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
    );
    await api.post(CMS, cm('target'));
    const bell = await api.patch(`${CMS}/target?fieldManager=ab%07c`, { data: { b: '2' } });
    assert.equal(bell.status, 422, bell.text);
    // (The value is quoted as Go's %q would in kube-apiserver's text: `"ab\ac"`.)
    assert.match(
      bell.json<{ message: string }>().message,
      /^PatchOptions\.meta\.k8s\.io "" is invalid: fieldManager: Invalid value: "ab.*c": invalid character U\+0007 \(at position 2\)$/,
    );
    const scale = await api.post(`${CMS}?fieldManager=${'x'.repeat(128)}`, cm('exact'));
    assert.equal(scale.status, 201, 'exactly 128 bytes is fine');
  });

  it('without fieldManager the manager is the user agent up to its first slash', async () => {
    const res = await api.post(CMS, cm('ua'), {
      headers: { 'user-agent': 'kubectl-label/v1.33.0 (linux/amd64) kubernetes/abc' },
    });
    assert.equal(res.status, 201, res.text);
    const mf = res.json<Obj>().metadata['managedFields'] as { manager: string }[];
    assert.equal(mf[0]?.manager, 'kubectl-label');
  });
});
