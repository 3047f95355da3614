import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/reducer.js';
import {
  controlledBy,
  memoryByOwner,
  memoryByPod,
  ownedBy,
  ownerChain,
  indexByUid,
  selects,
  selectorString,
} from './owners.js';

const obj = (kind: string, name: string, uid: string, owner?: [string, string]): KObject => ({
  kind,
  metadata: {
    name,
    namespace: 'ns',
    uid,
    ...(owner
      ? {
          ownerReferences: [
            { apiVersion: 'v1', kind: owner[0], name: owner[1], uid: owner[1], controller: true },
          ],
        }
      : {}),
  },
});
const metrics = (name: string, ...mem: string[]): KObject => ({
  kind: 'PodMetrics',
  metadata: { name, namespace: 'ns' },
  containers: mem.map((m, i) => ({ name: `c${i}`, usage: { cpu: '1m', memory: m } })),
});

describe('owner chains and memory sums', () => {
  const deploy = obj('Deployment', 'web', 'web');
  const rsOld = obj('ReplicaSet', 'web-1', 'web-1', ['Deployment', 'web']);
  const rsNew = obj('ReplicaSet', 'web-2', 'web-2', ['Deployment', 'web']);
  const cron = obj('CronJob', 'nightly', 'nightly');
  const job = obj('Job', 'nightly-1', 'nightly-1', ['CronJob', 'nightly']);
  const pods = [
    obj('Pod', 'web-1-a', 'p1', ['ReplicaSet', 'web-1']),
    obj('Pod', 'web-2-a', 'p2', ['ReplicaSet', 'web-2']),
    obj('Pod', 'web-2-b', 'p3', ['ReplicaSet', 'web-2']),
    obj('Pod', 'nightly-1-x', 'p4', ['Job', 'nightly-1']),
    obj('Pod', 'lonely', 'p5'),
  ];
  const between = [deploy, rsOld, rsNew, cron, job];

  it('climbs controller references through replica sets and jobs', () => {
    const byUid = indexByUid(between);
    assert.deepEqual(ownerChain(pods[0]!, byUid), ['web-1', 'web']);
    assert.deepEqual(ownerChain(pods[3]!, byUid), ['nightly-1', 'nightly']);
    assert.deepEqual(ownerChain(pods[4]!, byUid), []);
  });

  it('sums the memory of every pod under a workload, and leaves out owners without metrics', () => {
    const byPod = memoryByPod([
      metrics('web-1-a', '64Mi'),
      metrics('web-2-a', '32Mi', '32Mi'),
      metrics('web-2-b', '128Mi'),
      metrics('lonely', '1Gi'),
    ]);
    assert.equal(byPod.get('ns/web-2-a'), 64 * 2 ** 20);
    const sums = memoryByOwner(pods, byPod, between);
    assert.equal(sums.get('web'), 256 * 2 ** 20);
    assert.equal(sums.get('web-2'), 192 * 2 ** 20);
    assert.equal(sums.get('web-1'), 64 * 2 ** 20);
    assert.equal(sums.has('nightly'), false, 'no metrics for the job pod: unknown, not 0');
  });

  it('finds the pods a workload runs and the objects it owns directly', () => {
    assert.deepEqual(
      controlledBy('web', pods, between).map((p) => p.metadata.name),
      ['web-1-a', 'web-2-a', 'web-2-b'],
    );
    assert.deepEqual(
      ownedBy('web', between).map((o) => o.metadata.name),
      ['web-1', 'web-2'],
    );
  });

  it('matches label selectors and writes them as kubectl does', () => {
    const sel = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    assert.equal(selects(sel, { app: 'web', tier: 'a' }), true);
    assert.equal(selects(sel, { app: 'web', tier: 'c' }), false);
    assert.equal(selects(sel, { app: 'web', tier: 'a', legacy: '1' }), false);
    assert.equal(selects(undefined, { app: 'web' }), false);
    assert.equal(selectorString(sel), 'app=web,tier in (a,b),!legacy');
  });
});
