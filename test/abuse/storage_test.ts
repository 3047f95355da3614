// Invalid PersistentVolumes, PersistentVolumeClaims and StorageClasses against a real server:
// each refusal is a 422 Invalid with kube-apiserver's message and causes, and nothing stored
// changes. Then seeded generated claims, volumes and classes (created as dry runs, so that
// the binder never acts on them) and generated writes over a stored claim: only 201/200,
// 422 or the decoder's 400, and a refused write leaves everything as it was.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prng } from '../support/prng.js';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';

const NS = 'storage-abuse';
const PVCS = `/api/v1/namespaces/${NS}/persistentvolumeclaims`;
const PVS = '/api/v1/persistentvolumes';
const SCS = '/apis/storage.k8s.io/v1/storageclasses';
const LISTS = [PVCS, PVS, SCS];
/** Classes no other object names: the stored claim and volume are never bound. */
const CLAIM_CLASS = 'claims-aside';
const VOLUME_CLASS = 'volumes-aside';

let server: AbuseServer;

const send = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
  server.sendJson(method, path, body);

const claim = (name: string, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const volume = (name: string, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    accessModes: ['ReadWriteOnce'],
    capacity: { storage: '1Gi' },
    hostPath: { path: `/tmp/${name}` },
    ...spec,
  },
});
const storageClass = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner: 'example.com/fast',
  ...extra,
});

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
  for (const [path, body] of [
    [PVCS, claim('target', { storageClassName: CLAIM_CLASS })],
    [PVS, volume('target', { storageClassName: VOLUME_CLASS })],
    [SCS, storageClass('fast', { parameters: { tier: 'gold' } })],
  ] as const) {
    const res = await send('POST', path, body);
    assert.equal(res.status, 201, res.text);
  }
  // The binder's first pass over the stored volume (Pending → Available) is over.
  for (let i = 0; ; i++) {
    const pv = await send('GET', `${PVS}/target`);
    if (pv.json.status?.phase === 'Available') break;
    assert.ok(i < 400, `volume target not Available: ${pv.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});
after(() => server?.stop());

describe('persistentvolumeclaims', () => {
  it('refuses a claim without a storage request, with its cause', async () => {
    await unchanged(async () => {
      const res = await send('POST', PVCS, claim('x', { resources: {} }));
      assertStatus(res, 422, 'Invalid');
      assert.equal(
        res.json.message,
        'PersistentVolumeClaim "x" is invalid: spec.resources[storage]: Required value',
      );
      assert.deepEqual(res.json.details, {
        name: 'x',
        kind: 'PersistentVolumeClaim',
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value',
            field: 'spec.resources[storage]',
          },
        ],
      });
    });
  });

  it('refuses a claim without access modes, or with an unknown one', async () => {
    await refused(
      'POST',
      PVCS,
      claim('x', { accessModes: [] }),
      'PersistentVolumeClaim "x" is invalid: spec.accessModes: Required value: at least 1 access mode is required',
    );
    await refused(
      'POST',
      PVCS,
      claim('x', { accessModes: ['ReadWriteAll'] }),
      'PersistentVolumeClaim "x" is invalid: spec.accessModes: Unsupported value: "ReadWriteAll": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    );
  });

  it('refuses a zero request and an invalid class name', () =>
    refused(
      'POST',
      PVCS,
      claim('x', { resources: { requests: { storage: '0' } }, storageClassName: 'No_Such' }),
      `PersistentVolumeClaim "x" is invalid: [spec.resources[storage]: Invalid value: "0": must be greater than zero, spec.storageClassName: Invalid value: "No_Such": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')]`,
    ));

  it("keeps a pending claim's spec as created", async () => {
    const cur = await send('GET', `${PVCS}/target`);
    const body = structuredClone(cur.json);
    body.spec.resources.requests.storage = '2Gi';
    await unchanged(async () => {
      const res = await send('PUT', `${PVCS}/target`, body);
      assertStatus(res, 422, 'Invalid');
      assert.match(
        res.json.message,
        /^PersistentVolumeClaim "target" is invalid: spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims\n/,
      );
    });
  });

  it('gives a claim that names no class the default class, and its protection finalizer', async () => {
    const res = await send('POST', `${PVCS}?dryRun=All`, claim('defaulted'));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.spec.storageClassName, 'local-path');
    assert.deepEqual(res.json.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    assert.deepEqual(res.json.status, { phase: 'Pending' });
    const none = await send('POST', `${PVCS}?dryRun=All`, claim('none', { storageClassName: '' }));
    assert.equal(none.json.spec.storageClassName, '');
  });
});

describe('persistentvolumes', () => {
  it('refuses a volume without a source, and one with two', async () => {
    await refused(
      'POST',
      PVS,
      { ...volume('x'), spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } },
      'PersistentVolume "x" is invalid: spec: Required value: must specify a volume type',
    );
    await refused(
      'POST',
      PVS,
      volume('x', { nfs: { server: 'nfs.example', path: '/export' } }),
      'PersistentVolume "x" is invalid: spec.nfs: Forbidden: may not specify more than 1 volume type',
    );
  });

  it('refuses a local volume without node affinity', () =>
    refused(
      'POST',
      PVS,
      {
        ...volume('x'),
        spec: {
          accessModes: ['ReadWriteOnce'],
          capacity: { storage: '1Gi' },
          local: { path: '/mnt' },
        },
      },
      'PersistentVolume "x" is invalid: spec.nodeAffinity: Required value: Local volume requires node affinity',
    ));

  it('refuses a volume of no capacity', () =>
    refused(
      'POST',
      PVS,
      volume('x', { capacity: { storage: '0' } }),
      'PersistentVolume "x" is invalid: spec.capacity[storage]: Invalid value: "0": must be greater than zero',
    ));

  it('keeps the volume source as created', async () => {
    const cur = await send('GET', `${PVS}/target`);
    const body = structuredClone(cur.json);
    body.spec.hostPath.path = '/tmp/elsewhere';
    await unchanged(async () => {
      const res = await send('PUT', `${PVS}/target`, body);
      assertStatus(res, 422, 'Invalid');
      assert.match(
        res.json.message,
        /^PersistentVolume "target" is invalid: spec\.persistentvolumesource: Forbidden: spec\.persistentvolumesource is immutable after creation\n/,
      );
    });
  });
});

describe('storageclasses', () => {
  it('refuses a class without provisioner, or with an unknown binding mode', async () => {
    await refused(
      'POST',
      SCS,
      { ...storageClass('x'), provisioner: '' },
      'StorageClass.storage.k8s.io "x" is invalid: provisioner: Required value',
    );
    await refused(
      'POST',
      SCS,
      storageClass('x', { volumeBindingMode: 'Eventually' }),
      'StorageClass.storage.k8s.io "x" is invalid: volumeBindingMode: Unsupported value: "Eventually": supported values: "Immediate", "WaitForFirstConsumer"',
    );
  });

  it('keeps parameters, provisioner and reclaim policy as created', async () => {
    const cur = await send('GET', `${SCS}/fast`);
    const body = {
      ...structuredClone(cur.json),
      parameters: { tier: 'silver' },
      reclaimPolicy: 'Retain',
    };
    await refused(
      'PUT',
      `${SCS}/fast`,
      body,
      'StorageClass.storage.k8s.io "fast" is invalid: [parameters: Forbidden: updates to parameters are forbidden., reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.]',
    );
  });
});

describe('generated storage objects (seeded)', () => {
  const random = prng(20261207);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const maybe = (o: Record<string, unknown>, key: string, xs: readonly unknown[]): void => {
    const v = pick(xs);
    if (v !== undefined) o[key] = v;
  };
  const MODES = [
    undefined,
    [],
    ['ReadWriteOnce'],
    ['ReadOnlyMany', 'ReadWriteMany'],
    ['ReadWriteOncePod'],
    ['ReadWriteOncePod', 'ReadWriteOnce'],
    ['rwo'],
    [''],
  ];
  const SIZES = ['1Gi', '0', '-1', '1.5Gi', '10m', '1e3', 'lots', '', 5, null];
  const CLASSES = [undefined, '', 'fast', 'Bad_Name', 'a.b-c', 'x'.repeat(300)];
  const VOLUME_MODES = [undefined, 'Filesystem', 'Block', 'block', ''];
  const SELECTORS = [
    undefined,
    {},
    { matchLabels: { tier: 'gold' } },
    { matchExpressions: [{ key: 'tier', operator: 'In' }] },
    { matchExpressions: [{ key: 'tier', operator: 'Near', values: ['x'] }] },
  ];
  const SOURCES = [
    {},
    { hostPath: { path: '/tmp/gen' } },
    { hostPath: { path: '/tmp/../etc' } },
    { hostPath: { path: '/tmp/gen', type: 'Folder' } },
    { nfs: { server: 'nfs', path: 'relative' } },
    { local: { path: '/mnt' } },
    { csi: { driver: 'x.example.com' } },
    { hostPath: { path: '/tmp/gen' }, nfs: { server: 'nfs', path: '/x' } },
  ];
  const POLICIES = [undefined, 'Retain', 'Delete', 'Recycle', 'Keep', ''];

  /** 422 for invalid values; 400 for values of the wrong JSON type (the decoder's refusal). */
  const refusedAsKube = (res: RawResponse, kind: string): void => {
    if (res.status === 400) {
      assertStatus(res, 400, 'BadRequest');
      assert.match(
        res.json.message,
        new RegExp(`^${kind} in version "v1" cannot be handled as a ${kind}: `),
      );
      return;
    }
    assertStatus(res, 422, 'Invalid');
    assert.ok(res.json.details.causes.length > 0, res.text);
  };

  const generatedClaim = (name: string): Record<string, unknown> => {
    const spec: Record<string, unknown> = {};
    maybe(spec, 'accessModes', MODES);
    spec['resources'] = { requests: random() < 0.9 ? { storage: pick(SIZES) } : {} };
    maybe(spec, 'storageClassName', CLASSES);
    maybe(spec, 'volumeMode', VOLUME_MODES);
    maybe(spec, 'selector', SELECTORS);
    return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec };
  };

  const generatedVolume = (name: string): Record<string, unknown> => {
    const spec: Record<string, unknown> = { ...pick(SOURCES) };
    maybe(spec, 'accessModes', MODES);
    if (random() < 0.9) spec['capacity'] = { storage: pick(SIZES) };
    maybe(spec, 'persistentVolumeReclaimPolicy', POLICIES);
    maybe(spec, 'storageClassName', CLASSES);
    maybe(spec, 'volumeMode', VOLUME_MODES);
    return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec };
  };

  it('creates (dry run) or refuses 120 generated claims and 120 generated volumes', async () => {
    for (let i = 0; i < 240; i++) {
      const isClaim = i % 2 === 0;
      const [path, kind, body] = isClaim
        ? [PVCS, 'PersistentVolumeClaim', generatedClaim(`gen-${i}`)]
        : [PVS, 'PersistentVolume', generatedVolume(`gen-${i}`)];
      const before = await server.snapshot(LISTS);
      const res = await send('POST', `${path}?dryRun=All`, body);
      if (res.status !== 201) refusedAsKube(res, kind);
      assert.deepEqual(await server.snapshot(LISTS), before, JSON.stringify(body));
    }
  });

  it('accepts or refuses 60 generated writes over a stored claim and class', async () => {
    for (let i = 0; i < 60; i++) {
      const before = await server.snapshot(LISTS);
      const onClaim = i % 2 === 0;
      const cur = await send('GET', onClaim ? `${PVCS}/target` : `${SCS}/fast`);
      const body = structuredClone(cur.json);
      if (onClaim) {
        const gen = generatedClaim('target')['spec'] as Record<string, unknown>;
        const key = pick(Object.keys(gen));
        body.spec[key] = gen[key];
      } else {
        maybe(
          body,
          pick(['parameters', 'reclaimPolicy', 'volumeBindingMode', 'allowVolumeExpansion']),
          [
            { tier: 'gold' },
            { tier: 'silver' },
            'Retain',
            'Delete',
            'Immediate',
            'WaitForFirstConsumer',
            true,
            false,
          ],
        );
      }
      const res = await send('PUT', onClaim ? `${PVCS}/target` : `${SCS}/fast`, body);
      if (res.status === 200) continue;
      refusedAsKube(res, onClaim ? 'PersistentVolumeClaim' : 'StorageClass');
      assert.deepEqual(await server.snapshot(LISTS), before, JSON.stringify(body));
    }
  });
});
