import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workloadResources } from './index.js';

const byPlural = (plural: string) => {
  const def = workloadResources.find((d) => d.plural === plural);
  assert.ok(def, plural);
  return def;
};

void test('the workload kinds are described as kube-apiserver discovery lists them', () => {
  assert.deepEqual(
    workloadResources.map((d) => [
      `${d.group}/${d.version}`,
      d.kind,
      d.listKind,
      d.plural,
      d.singular,
      d.shortNames,
      d.categories,
      d.namespaced,
    ]),
    [
      ['/v1', 'Pod', 'PodList', 'pods', 'pod', ['po'], ['all'], true],
      [
        '/v1',
        'ReplicationController',
        'ReplicationControllerList',
        'replicationcontrollers',
        'replicationcontroller',
        ['rc'],
        ['all'],
        true,
      ],
      ['apps/v1', 'DaemonSet', 'DaemonSetList', 'daemonsets', 'daemonset', ['ds'], ['all'], true],
      [
        'apps/v1',
        'Deployment',
        'DeploymentList',
        'deployments',
        'deployment',
        ['deploy'],
        ['all'],
        true,
      ],
      [
        'apps/v1',
        'ReplicaSet',
        'ReplicaSetList',
        'replicasets',
        'replicaset',
        ['rs'],
        ['all'],
        true,
      ],
      [
        'apps/v1',
        'StatefulSet',
        'StatefulSetList',
        'statefulsets',
        'statefulset',
        ['sts'],
        ['all'],
        true,
      ],
      ['batch/v1', 'Job', 'JobList', 'jobs', 'job', undefined, ['all'], true],
      ['batch/v1', 'CronJob', 'CronJobList', 'cronjobs', 'cronjob', ['cj'], ['all'], true],
    ],
  );
  for (const d of workloadResources) {
    assert.deepEqual(d.verbs, [
      'create',
      'delete',
      'deletecollection',
      'get',
      'list',
      'patch',
      'update',
      'watch',
    ]);
    assert.equal(d.strategy.tracksGeneration, true);
  }
});

void test('subresources: pods stream and bind; the controllers scale through autoscaling/v1 Scale', () => {
  assert.deepEqual(
    byPlural('pods').subresources?.map((s) => s.name),
    [
      'attach',
      'binding',
      'ephemeralcontainers',
      'eviction',
      'exec',
      'log',
      'portforward',
      'proxy',
      'status',
    ],
  );
  assert.deepEqual(byPlural('pods').subresources?.find((s) => s.name === 'eviction')?.kind, {
    group: 'policy',
    version: 'v1',
    kind: 'Eviction',
  });
  for (const plural of ['deployments', 'replicasets', 'replicationcontrollers', 'statefulsets']) {
    const subs = byPlural(plural).subresources ?? [];
    assert.deepEqual(
      subs.map((s) => s.name),
      ['scale', 'status'],
    );
    assert.deepEqual(subs[0]?.kind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    assert.deepEqual(subs[0]?.verbs, ['get', 'patch', 'update']);
  }
});

void test('every workload kind has a status strategy; the replica controllers also a scale selector', () => {
  for (const d of workloadResources) {
    assert.ok(d.statusStrategy, d.plural);
    assert.equal(typeof d.statusStrategy.prepareForUpdate, 'function');
    assert.equal(typeof d.statusStrategy.validateUpdate, 'function');
    const scaled = !['pods', 'daemonsets', 'jobs', 'cronjobs'].includes(d.plural);
    assert.equal(typeof d.scaleStrategy?.selector, scaled ? 'function' : 'undefined');
  }
});
