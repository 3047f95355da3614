import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types.js';
import { setUpVolumes, VolumeError, writeAtomically } from './index.js';

const pod = (volumes: object[]): KubeObject => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u', labels: { app: 'web', tier: 'front' } },
  spec: { volumes },
});

const sources = {
  configMap: (_ns: string, name: string) =>
    name === 'cfg'
      ? { metadata: { name }, data: { 'app.conf': 'level=debug\n', other: 'x' } }
      : undefined,
  secret: (_ns: string, name: string) =>
    name === 'tls'
      ? { metadata: { name }, data: { 'tls.crt': Buffer.from('CERT').toString('base64') } }
      : undefined,
  serviceAccountToken: (aud: string | undefined, exp: number) => `token-for-${aud ?? 'api'}-${exp}`,
};

describe('volumes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-vol-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

  it('shares an emptyDir directory and projects configMap items with modes', () => {
    const v = setUpVolumes(
      pod([
        { name: 'shared', emptyDir: {} },
        {
          name: 'conf',
          configMap: {
            name: 'cfg',
            items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }],
          },
        },
      ]),
      join(dir, 'p1'),
      sources,
    );
    const shared = v.get('shared');
    assert.ok(shared && statSync(shared.hostPath).isDirectory());
    const conf = v.get('conf');
    assert.ok(conf);
    assert.equal(readFileSync(join(conf.hostPath, 'conf/app.conf'), 'utf8'), 'level=debug\n');
    assert.equal(statSync(join(conf.hostPath, 'conf/app.conf')).mode & 0o777, 0o600);
    assert.equal(readlinkSync(join(conf.hostPath, 'conf')), '..data/conf');
  });

  it('writes the service-account volume kube-api-access-* the way pods read it', () => {
    const v = setUpVolumes(
      pod([
        {
          name: 'kube-api-access-abcde',
          projected: {
            defaultMode: 0o644,
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
              { configMap: { name: 'cfg', items: [{ key: 'other', path: 'ca.crt' }] } },
              {
                downwardAPI: {
                  items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }],
                },
              },
            ],
          },
        },
        {
          name: 'info',
          downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
        },
      ]),
      join(dir, 'p2'),
      sources,
    );
    const sa = v.get('kube-api-access-abcde')?.hostPath ?? '';
    assert.equal(readFileSync(join(sa, 'token'), 'utf8'), 'token-for-api-3607');
    assert.equal(readFileSync(join(sa, 'namespace'), 'utf8'), 'default');
    assert.equal(readFileSync(join(sa, 'ca.crt'), 'utf8'), 'x');
    assert.equal(
      readFileSync(join(v.get('info')?.hostPath ?? '', 'labels'), 'utf8'),
      'app="web"\ntier="front"',
    );
  });

  it('refuses a missing secret unless optional', () => {
    assert.throws(
      () =>
        setUpVolumes(
          pod([{ name: 's', secret: { secretName: 'nope' } }]),
          join(dir, 'p3'),
          sources,
        ),
      (e: unknown) => e instanceof VolumeError && e.message === 'secret "nope" not found',
    );
    const v = setUpVolumes(
      pod([{ name: 's', secret: { secretName: 'nope', optional: true } }]),
      join(dir, 'p4'),
      sources,
    );
    assert.ok(v.has('s'));
  });

  it('swaps content atomically and reports whether anything changed', () => {
    const d = join(dir, 'atomic');
    assert.equal(writeAtomically(d, [{ path: 'a', data: Buffer.from('1'), mode: 0o644 }]), true);
    const first = readlinkSync(join(d, '..data'));
    assert.equal(writeAtomically(d, [{ path: 'a', data: Buffer.from('1'), mode: 0o644 }]), false);
    assert.equal(writeAtomically(d, [{ path: 'b', data: Buffer.from('2'), mode: 0o644 }]), true);
    assert.notEqual(readlinkSync(join(d, '..data')), first);
    assert.equal(readFileSync(join(d, 'b'), 'utf8'), '2');
    assert.throws(() => readFileSync(join(d, 'a')));
    writeFileSync(join(dir, 'marker'), '');
  });

  it('mounts the directory of the volume a claim is bound to, and refuses an unbound claim', () => {
    const claims = {
      ...sources,
      claimVolume: (ns: string, name: string) =>
        name === 'data'
          ? { path: join(dir, 'pv', 'pvc-1'), create: true }
          : `error processing PVC ${ns}/${name}: PVC is not bound`,
    };
    const v = setUpVolumes(
      pod([{ name: 'store', persistentVolumeClaim: { claimName: 'data', readOnly: true } }]),
      join(dir, 'p-claim'),
      claims,
    );
    assert.deepEqual(v.get('store'), {
      name: 'store',
      hostPath: join(dir, 'pv', 'pvc-1'),
      readOnly: true,
    });
    assert.ok(statSync(join(dir, 'pv', 'pvc-1')).isDirectory());
    assert.throws(
      () =>
        setUpVolumes(
          pod([{ name: 'store', persistentVolumeClaim: { claimName: 'other' } }]),
          join(dir, 'p-claim2'),
          claims,
        ),
      (e: unknown) =>
        e instanceof VolumeError &&
        e.message ===
          'Unable to attach or mount volumes: unmounted volumes=[store], unattached volumes=[], failed to process volumes=[store]: error processing PVC default/other: PVC is not bound',
    );
  });
});
