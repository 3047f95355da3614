import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../replicaset/types.js';
import {
  identityMatches,
  inOrdinalRange,
  isMemberOf,
  newStatefulSetPod,
  parentAndOrdinal,
  storageMatches,
  updateIdentity,
} from './identity.js';
import { claimsFor, wantedClaimOwners } from './podcontrol.js';
import type { StatefulSet } from './types.js';

const set = (extra: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'shop', uid: 'set-uid' },
  spec: {
    replicas: 3,
    serviceName: 'nginx',
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' }, annotations: { a: 'b' } },
      spec: {
        containers: [{ name: 'c', image: 'nginx' }],
        volumes: [
          { name: 'www', emptyDir: {} },
          { name: 'cache', emptyDir: {} },
        ],
      },
    },
    volumeClaimTemplates: [{ metadata: { name: 'www', labels: { tier: 'data' } }, spec: {} }],
    ...extra,
  },
});

const named = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name } });

void test('a pod name is <set>-<ordinal>; anything else has no ordinal', () => {
  assert.deepEqual(parentAndOrdinal(named('web-2')), { parent: 'web', ordinal: 2 });
  assert.deepEqual(parentAndOrdinal(named('my-web-10')), { parent: 'my-web', ordinal: 10 });
  assert.equal(parentAndOrdinal(named('web')).ordinal, -1);
  assert.equal(parentAndOrdinal(named('web-x')).ordinal, -1);
  assert.equal(parentAndOrdinal(named('web-99999999999')).ordinal, -1);
  assert.equal(isMemberOf(set(), named('web-0')), true);
  assert.equal(isMemberOf(set(), named('webby-0')), false);
});

void test('the ordinal range starts at spec.ordinals.start', () => {
  const s = set({ ordinals: { start: 5 }, replicas: 2 });
  assert.deepEqual(
    ['web-4', 'web-5', 'web-6', 'web-7'].map((n) => inOrdinalRange(named(n), s)),
    [false, true, true, false],
  );
});

void test('a new pod: identity, hostname and subdomain, revision, claim volumes first', () => {
  const pod = newStatefulSetPod(set(), 1, 'web-abc');
  assert.equal(pod.metadata.name, 'web-1');
  assert.equal(pod.metadata.namespace, 'shop');
  assert.deepEqual(pod.metadata.labels, {
    app: 'nginx',
    'statefulset.kubernetes.io/pod-name': 'web-1',
    'apps.kubernetes.io/pod-index': '1',
    'controller-revision-hash': 'web-abc',
  });
  assert.deepEqual(pod.metadata.annotations, { a: 'b' });
  assert.equal(pod.spec?.['hostname'], 'web-1');
  assert.equal(pod.spec?.['subdomain'], 'nginx');
  // The claim template's volume replaces the template's own of that name.
  assert.deepEqual(pod.spec?.['volumes'], [
    { name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } },
    { name: 'cache', emptyDir: {} },
  ]);
  assert.equal(identityMatches(set(), pod), true);
  assert.equal(storageMatches(set(), pod), true);
  assert.equal(pod.metadata.ownerReferences?.[0]?.uid, 'set-uid');
});

void test('an adopted pod without the identity labels is fixed by updateIdentity', () => {
  const pod: Pod = { ...named('web-0'), metadata: { name: 'web-0', namespace: 'shop' } };
  assert.equal(identityMatches(set(), pod), false);
  updateIdentity(set(), pod);
  assert.equal(identityMatches(set(), pod), true);
  assert.equal(storageMatches(set(), pod), false);
});

void test('claims: named <template>-<set>-<ordinal>, labelled with the matchLabels', () => {
  const [claim] = claimsFor(set(), named('web-2'));
  assert.deepEqual(claim?.metadata, {
    name: 'www-web-2',
    namespace: 'shop',
    labels: { tier: 'data', app: 'nginx' },
  });
});

void test('claim owners follow the retention policy', () => {
  const pod: Pod = { ...named('web-1'), metadata: { name: 'web-1', uid: 'pod-uid' } };
  const gone: Pod = { ...named('web-7'), metadata: { name: 'web-7', uid: 'gone-uid' } };
  const owners = (whenDeleted: string, whenScaled: string, p: Pod): (string | undefined)[] =>
    wantedClaimOwners(
      set({ persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } }),
      p,
    ).map((r) => r.uid);
  assert.deepEqual(owners('Retain', 'Retain', pod), []);
  assert.deepEqual(owners('Delete', 'Retain', pod), ['set-uid']);
  assert.deepEqual(owners('Delete', 'Retain', gone), ['set-uid']);
  assert.deepEqual(owners('Retain', 'Delete', pod), []);
  assert.deepEqual(owners('Retain', 'Delete', gone), ['gone-uid']);
  assert.deepEqual(owners('Delete', 'Delete', pod), ['set-uid']);
  assert.deepEqual(owners('Delete', 'Delete', gone), ['gone-uid']);
});
