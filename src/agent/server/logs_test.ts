// GET /containerLogs/{namespace}/{pod}/{container} on the node server: the kubelet's option
// decoding and validation, its lookups and state checks, and the streamed body.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startNodeServer,
  type Caller,
  type NodeServerHarness,
} from '../../../test/support/node-server.js';
import type { LogRequest, StreamingBackend } from './streaming/types.js';

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

let h: NodeServerHarness;
let admin: Caller;
const NOW = new Date('2026-03-04T05:06:07Z');

before(async () => {
  h = await startNodeServer({ backend, clock: { now: () => NOW } });
  admin = { cert: h.apiserverClient };
  await h.createPod('web');
  await h.createPod('two', { containers: ['a', 'b'], initContainers: ['setup'] });
  await h.createPod('waiting', { state: { waiting: { reason: 'ContainerCreating' } } });
  await h.createPod('restarted', {
    lastState: { terminated: { exitCode: 1, containerID: 'containerd://abc' } },
  });
});
after(() => h.close());

const log = (path: string, method = 'GET') =>
  h.raw(method, `/containerLogs/default/${path}`, { caller: admin });

describe('/containerLogs', () => {
  it('streams the container log as text with the options the client asked for', async () => {
    behaviour = () => lines(['a', 'b', 'c']);
    requests.length = 0;
    const res = await log('web/app?follow=true&tailLines=2&timestamps=true&sinceSeconds=60');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.body, 'a\nb\nc\n');
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

  it('takes sinceTime, previous, limitBytes (cutting the body) and the old `tail`', async () => {
    behaviour = () => lines(['a', 'b', 'c']);
    requests.length = 0;
    const res = await log(
      'restarted/app?previous=true&sinceTime=2026-01-01T00:00:00Z&limitBytes=3&tail=1',
    );
    assert.equal(res.status, 200);
    assert.equal(res.body, 'a\nb');
    assert.equal(requests[0]?.previous, true);
    assert.deepEqual(requests[0]?.since, new Date('2026-01-01T00:00:00Z'));
    assert.equal(requests[0]?.limitBytes, 3);
    assert.equal(requests[0]?.tailLines, 1);
    await log('web/app?tail=all&tailLines=4');
    assert.equal(requests[1]?.tailLines, undefined);
  });

  it('keeps following while the backend goes on, and ends with it', async () => {
    behaviour = () => lines(['1', '2', '3'], 300);
    const started = Date.now();
    const res = await log('web/app?follow=true');
    assert.equal(res.body, '1\n2\n3\n');
    assert.ok(Date.now() - started >= 800);
  });

  it('refuses options the kubelet cannot decode (400) or accept (422), in its words', async () => {
    const cases: [string, number, string][] = [
      ['tailLines=-1', 422, '{"message": "Invalid request."}'],
      ['limitBytes=0', 422, '{"message": "Invalid request."}'],
      ['sinceSeconds=0', 422, '{"message": "Invalid request."}'],
      ['sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z', 422, '{"message": "Invalid request."}'],
      ['tailLines=x', 400, '{"message": "Unable to decode query."}'],
      ['limitBytes=99999999999999999999', 400, '{"message": "Unable to decode query."}'],
      ['sinceTime=yesterday', 400, '{"message": "Unable to decode query."}'],
    ];
    for (const [q, code, body] of cases) {
      const res = await log(`web/app?${q}`);
      assert.equal(res.status, code, q);
      assert.equal(res.body, body, q);
    }
  });

  it('looks the pod and the container up as the kubelet does', async () => {
    behaviour = () => lines(['a']);
    const missing = await log('nope/app');
    assert.equal(missing.status, 404);
    assert.equal(missing.body, 'pod "nope" does not exist');
    const wrong = await log('web/x');
    assert.equal(wrong.status, 404);
    assert.equal(wrong.body, 'container "x" not found in pod "web"');
    assert.equal((await log('two/b')).status, 200);
  });

  it("says why there is no log yet, in the kubelet's words", async () => {
    const waiting = await log('waiting/app');
    assert.equal(waiting.status, 400);
    assert.equal(
      waiting.body,
      'container "app" in pod "waiting" is waiting to start: ContainerCreating',
    );
    const previous = await log('web/app?previous=true');
    assert.equal(previous.status, 400);
    assert.equal(previous.body, 'previous terminated container "app" in pod "web" not found');
  });

  it("turns the backend's failure to start into a 400 with its message", async () => {
    behaviour = () => ({
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new Error('log file is gone')),
      }),
    });
    const res = await log('web/app');
    assert.equal(res.status, 400);
    assert.equal(res.body, 'log file is gone');
  });

  it('is only read with GET, on exactly three path segments', async () => {
    const post = await log('web/app', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.body, '405: Method Not Allowed');
    const short = await log('web');
    assert.equal(short.status, 404);
    assert.equal(short.body, '404: Page Not Found');
  });
});
