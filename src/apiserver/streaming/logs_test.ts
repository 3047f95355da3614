import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';
import { createStreamingServer } from './index.js';
import type { LogRequest, StreamingBackend } from './types.js';

const requests: LogRequest[] = [];
let behaviour: (r: LogRequest) => AsyncIterable<Buffer> = () => lines(['a', 'b', 'c']);

async function* lines(ls: string[], delayMs = 0): AsyncGenerator<Buffer> {
  for (const l of ls) {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    yield Buffer.from(`${l}\n`);
  }
}

const backend: StreamingBackend = {
  exec: () => Promise.reject(new Error('unused')),
  attach: () => Promise.reject(new Error('unused')),
  portForward: () => Promise.reject(new Error('unused')),
  logs(r) {
    requests.push(r);
    return behaviour(r);
  },
};

let t: TestApiServer;
const NOW = new Date('2026-03-04T05:06:07Z');

async function pod(
  name: string,
  o: { containers?: string[]; init?: string[]; nodeName?: string; statuses?: object[] } = {},
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
  const statuses =
    o.statuses ??
    containers.map((c) => ({ name: c, state: { running: {} }, lastState: {}, ready: true }));
  const res = await t.patch(`/api/v1/namespaces/default/pods/${name}/status`, {
    status: { phase: 'Running', containerStatuses: statuses },
  });
  assert.equal(res.status, 200, res.text);
}

before(async () => {
  const streaming = createStreamingServer({
    backend,
    authorize: () => {},
    getPod: async (ns, name) => {
      const def = t.server.table.byGroupResource('', 'pods');
      return def ? t.server.registry.tryGet(def, ns, name) : undefined;
    },
    clock: { now: () => NOW },
  });
  t = await startTestServer({ subresources: streaming.subresources });
  await t.namespace('default');
  await pod('web');
  await pod('two', { containers: ['a', 'b'], init: ['setup'] });
  await pod('unscheduled', { nodeName: '' });
  await pod('waiting', {
    statuses: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} }],
  });
  await pod('restarted', {
    statuses: [
      {
        name: 'app',
        state: { running: {} },
        lastState: { terminated: { exitCode: 1, containerID: 'containerd://abc' } },
      },
    ],
  });
});
after(() => t.close());

const log = (path: string) => t.get(`/api/v1/namespaces/default/pods/${path}`);

describe('pods/log', () => {
  it('streams the container log as text/plain with the options the client asked for', async () => {
    behaviour = () => lines(['a', 'b', 'c']);
    requests.length = 0;
    const res = await log('web/log?follow=true&tailLines=2&timestamps=true&sinceSeconds=60');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.text, 'a\nb\nc\n');
    const r = requests[0];
    assert.ok(r);
    assert.deepEqual(
      { ...r, signal: undefined },
      {
        namespace: 'default',
        pod: 'web',
        uid: r.uid,
        container: 'app',
        previous: false,
        follow: true,
        timestamps: true,
        tailLines: 2,
        since: new Date('2026-03-04T05:05:07Z'),
        signal: undefined,
      },
    );
    assert.match(r.uid, /^[0-9a-f-]{36}$/);
  });

  it('takes sinceTime, previous and limitBytes (cutting the body at the limit)', async () => {
    requests.length = 0;
    const res = await log(
      'restarted/log?previous=true&sinceTime=2026-01-01T00:00:00Z&limitBytes=3&container=app',
    );
    assert.equal(res.status, 200);
    assert.equal(res.text, 'a\nb');
    assert.equal(requests[0]?.previous, true);
    assert.deepEqual(requests[0]?.since, new Date('2026-01-01T00:00:00Z'));
    assert.equal(requests[0]?.limitBytes, 3);
  });

  it('keeps following while the backend goes on, and ends with it', async () => {
    behaviour = () => lines(['1', '2', '3'], 300);
    const started = Date.now();
    const res = await log('web/log?follow=true');
    assert.equal(res.text, '1\n2\n3\n');
    assert.ok(Date.now() - started >= 800);
  });

  it('refuses invalid options as kube-apiserver does', async () => {
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
  });

  it('chooses the container as kube-apiserver does', async () => {
    behaviour = () => lines(['a']);
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
  });

  it('answers an unscheduled pod with an empty log', async () => {
    requests.length = 0;
    const res = await log('unscheduled/log');
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    assert.equal(requests.length, 0);
  });

  it("says why there is no log yet, in the kubelet's words", async () => {
    const waiting = await log('waiting/log');
    assert.equal(waiting.status, 400);
    assert.deepEqual(
      [waiting.json().reason, waiting.json().message],
      ['BadRequest', 'container "app" in pod "waiting" is waiting to start: ContainerCreating'],
    );
    const previous = await log('web/log?previous=true');
    assert.equal(
      previous.json().message,
      'previous terminated container "app" in pod "web" not found',
    );
  });

  it("turns the backend's failure to start into a 400 with its message", async () => {
    behaviour = () => ({
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new Error('log file is gone')),
      }),
    });
    const res = await log('web/log');
    assert.equal(res.status, 400);
    assert.equal(res.json().message, 'log file is gone');
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
    }
  });
});
