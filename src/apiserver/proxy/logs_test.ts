import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';
import { nodeAt, startFakeKubelet, type FakeKubelet } from '../../../test/support/fake-kubelet.js';
import { createCertificateAuthority, issueClientCertificate } from '../../pki/index.js';

let t: TestApiServer;
let kubelet: FakeKubelet;

async function pod(
  name: string,
  o: { containers?: string[]; init?: string[]; nodeName?: string } = {},
): Promise<void> {
  const containers = o.containers ?? ['app'];
  const created = await t.post('/api/v1/namespaces/default/pods', {
    metadata: { name },
    spec: {
      ...(o.nodeName === '' ? {} : { nodeName: o.nodeName ?? 'node-1' }),
      containers: containers.map((c) => ({ name: c, image: 'busybox' })),
      ...(o.init ? { initContainers: o.init.map((c) => ({ name: c, image: 'busybox' })) } : {}),
    },
  });
  assert.equal(created.status, 201, created.text);
}

/** The kubelet's answer to /containerLogs: status and body, written in pieces. */
let answer: { status: number; chunks: string[]; delayMs?: number } = {
  status: 200,
  chunks: ['a\n', 'b\n', 'c\n'],
};

before(async () => {
  const ca = createCertificateAuthority();
  const client = issueClientCertificate(ca, {
    commonName: 'kube-apiserver-kubelet-client',
    organizations: ['system:masters'],
  });
  kubelet = await startFakeKubelet(ca);
  kubelet.handler = (_req, res) => {
    const { status, chunks, delayMs = 0 } = answer;
    res.statusCode = status;
    res.setHeader('content-type', 'text/plain');
    let i = 0;
    const next = (): void => {
      if (i >= chunks.length) return void res.end();
      res.write(chunks[i++]);
      setTimeout(next, delayMs);
    };
    next();
  };
  t = await startTestServer({
    kubelet: { clientCertPem: client.certPem, clientKeyPem: client.keyPem, caPem: ca.certPem },
  });
  await t.namespace('default');
  const node = nodeAt('node-1', kubelet.port);
  assert.equal((await t.post('/api/v1/nodes', node)).status, 201);
  const st = await t.patch('/api/v1/nodes/node-1/status', { status: node.status });
  assert.equal(st.status, 200, st.text);
  await pod('web');
  await pod('two', { containers: ['a', 'b'], init: ['setup'] });
  await pod('unscheduled', { nodeName: '' });
  await pod('lost', { nodeName: 'gone-node' });
  // A node whose kubelet port has nothing listening.
  const dead = nodeAt('dead-node', 1);
  assert.equal((await t.post('/api/v1/nodes', dead)).status, 201);
  assert.equal(
    (await t.patch('/api/v1/nodes/dead-node/status', { status: dead.status })).status,
    200,
  );
  await pod('stranded', { nodeName: 'dead-node' });
});
after(async () => {
  await t.close();
  await kubelet.close();
});

const log = (path: string) => t.get(`/api/v1/namespaces/default/pods/${path}`);
const lastKubeletUrl = () => kubelet.requests.at(-1)?.url;

describe('pods/log', () => {
  it("asks the pod's kubelet with kube's query and streams its answer as text/plain", async () => {
    answer = { status: 200, chunks: ['a\n', 'b\n', 'c\n'] };
    const res = await log(
      'web/log?follow=true&tailLines=2&timestamps=true&sinceSeconds=60&limitBytes=100',
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.text, 'a\nb\nc\n');
    assert.equal(
      lastKubeletUrl(),
      '/containerLogs/default/web/app?follow=true&limitBytes=100&sinceSeconds=60&tailLines=2&timestamps=true',
    );
    const r = kubelet.requests.at(-1);
    assert.equal(r?.clientCN, 'kube-apiserver-kubelet-client');
    assert.deepEqual(r?.clientO, ['system:masters']);
    assert.equal(r?.headers.authorization, undefined);
  });

  it('passes sinceTime (RFC 3339, seconds) and previous', async () => {
    const res = await log(
      'web/log?previous=true&sinceTime=2026-01-01T00:00:00.5%2B01:00&container=app',
    );
    assert.equal(res.status, 200);
    assert.equal(
      lastKubeletUrl(),
      '/containerLogs/default/web/app?previous=true&sinceTime=2025-12-31T23%3A00%3A00Z',
    );
  });

  it('keeps following while the kubelet goes on, and ends with it', async () => {
    answer = { status: 200, chunks: ['1\n', '2\n', '3\n'], delayMs: 300 };
    const started = Date.now();
    const res = await log('web/log?follow=true');
    assert.equal(res.text, '1\n2\n3\n');
    assert.ok(Date.now() - started >= 600);
  });

  it('refuses invalid options as kube-apiserver does', async () => {
    const before = kubelet.requests.length;
    const cases: [string, number, string][] = [
      [
        'tailLines=-1',
        422,
        'PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
      ],
      [
        'limitBytes=0',
        422,
        'PodLogOptions "web" is invalid: limitBytes: Invalid value: 0: must be greater than 0',
      ],
      [
        'sinceSeconds=0',
        422,
        'PodLogOptions "web" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0',
      ],
      ['tailLines=x', 400, 'strconv.ParseInt: parsing "x": invalid syntax'],
    ];
    for (const [q, code, message] of cases) {
      const res = await log(`web/log?${q}`);
      assert.equal(res.status, code, q);
      assert.equal(res.json().message, message, q);
    }
    const both = await log('web/log?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z');
    assert.match(
      String(both.json().message),
      /at most one of `sinceTime` or `sinceSeconds` may be specified/,
    );
    assert.equal(kubelet.requests.length, before, 'the kubelet was never asked');
  });

  it('chooses the container as kube-apiserver does', async () => {
    answer = { status: 200, chunks: ['a\n'] };
    const missing = await log('nope/log');
    assert.equal(missing.status, 404);
    assert.equal(missing.json().message, 'pods "nope" not found');
    const ambiguous = await log('two/log');
    assert.equal(ambiguous.status, 400);
    assert.equal(
      ambiguous.json().message,
      'a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [setup]',
    );
    const wrong = await log('web/log?container=x');
    assert.equal(wrong.json().message, 'container x is not valid for pod web');
    assert.equal((await log('two/log?container=b')).status, 200);
    assert.equal(lastKubeletUrl(), '/containerLogs/default/two/b');
  });

  it('answers an unscheduled pod with an empty log', async () => {
    const before = kubelet.requests.length;
    const res = await log('unscheduled/log');
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    assert.equal(kubelet.requests.length, before);
  });

  it("turns the kubelet's errors into Statuses as kube's response checker does", async () => {
    answer = {
      status: 400,
      chunks: ['container "app" in pod "web" is waiting to start: ContainerCreating'],
    };
    const waiting = await log('web/log');
    assert.equal(waiting.status, 400);
    assert.deepEqual(
      [waiting.json().reason, waiting.json().message],
      ['BadRequest', 'container "app" in pod "web" is waiting to start: ContainerCreating'],
    );
    answer = { status: 500, chunks: ['log file is gone'] };
    const failed = await log('web/log');
    assert.equal(failed.status, 500);
    assert.equal(failed.json().message, 'Internal error occurred: log file is gone');
    answer = { status: 404, chunks: ['404 page not found'] };
    const unknown = await log('web/log');
    assert.equal(unknown.status, 404);
    assert.equal(
      unknown.json().message,
      'the server could not find the requested resource ( pods/log web)',
    );
  });

  it("says so when the pod's node is gone", async () => {
    const res = await log('lost/log');
    assert.equal(res.status, 404);
    assert.equal(res.json().message, 'nodes "gone-node" not found');
  });

  it('says what failed when the kubelet cannot be reached', async () => {
    const res = await log('stranded/log?follow=true');
    // The HTTP client's error as kube-apiserver's ErrorToAPIStatus words it: 500, no reason.
    assert.equal(res.status, 500);
    assert.equal(res.json().reason, undefined);
    assert.equal(
      res.json().message,
      'Get "https://127.0.0.1:1/containerLogs/default/stranded/app?follow=true": dial tcp 127.0.0.1:1: connect: connection refused',
    );
  });

  it('is only read with GET', async () => {
    const res = await t.post('/api/v1/namespaces/default/pods/web/log', {});
    assert.equal(res.status, 405);
  });

  it('answers exec, attach and portforward without an upgrade as kube does', async () => {
    for (const sub of ['exec', 'attach', 'portforward']) {
      const res = await t.post(`/api/v1/namespaces/default/pods/web/${sub}?command=ls`, '');
      assert.equal(res.status, 400);
      assert.equal(res.json().message, 'Upgrade request required');
      const unscheduled = await t.post(`/api/v1/namespaces/default/pods/unscheduled/${sub}`, '');
      assert.equal(unscheduled.json().message, 'pod unscheduled does not have a host assigned');
    }
  });
});
