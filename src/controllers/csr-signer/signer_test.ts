import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { createCertificateAuthority } from '../../pki/index.js';
import { certificateSigningRequests, csrSigningController } from './index.js';
import { requestedDuration, validity } from './validity.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-signer-'));
function request(name: string, subject: string, extra: string[] = []): string {
  const run = (...args: string[]) =>
    execFileSync('openssl', args, {
      cwd: dir,
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  run('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`, ...extra);
  return readFileSync(join(dir, `${name}.csr`)).toString('base64');
}

const HOUR = 3600_000;

describe('validity', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const caEnd = new Date('2031-01-01T00:00:00Z');
  it('keeps the requested duration within ten minutes and the TTL', () => {
    assert.equal(requestedDuration(undefined, 8760 * HOUR), 8760 * HOUR);
    assert.equal(requestedDuration(60, 8760 * HOUR), 600_000);
    assert.equal(requestedDuration(86400, 8760 * HOUR), 24 * HOUR);
    assert.equal(requestedDuration(10 * 8760 * 3600, 8760 * HOUR), 8760 * HOUR);
  });
  it('backdates five minutes; long certificates lose them at the end; the CA caps it', () => {
    assert.deepEqual(validity(now, HOUR, caEnd), {
      notBefore: new Date('2029-12-31T23:55:00Z'),
      notAfter: new Date('2030-01-01T01:00:00Z'),
    });
    assert.deepEqual(validity(now, 24 * HOUR, caEnd), {
      notBefore: new Date('2029-12-31T23:55:00Z'),
      notAfter: new Date('2030-01-01T23:55:00Z'),
    });
    assert.equal(validity(now, 5 * 8760 * HOUR, caEnd).notAfter.getTime(), caEnd.getTime());
  });
});

describe('CSR signing controller', () => {
  let env: ControllerTestEnv;
  const ca = createCertificateAuthority();
  before(async () => {
    env = await startControllers([csrSigningController({ ca })]);
  });
  after(async () => {
    await env.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = (name: string, spec: Record<string, unknown>) =>
    env.client.create(certificateSigningRequests, '', {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...spec },
    });
  const approve = async (name: string) => {
    const csr = await env.client.get(certificateSigningRequests, '', name);
    csr['status'] = { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] };
    await env.client.update(certificateSigningRequests, csr, 'approval');
  };
  const statusOf = (name: string) =>
    env.client
      .get(certificateSigningRequests, '', name)
      .then(
        (c) =>
          (c['status'] ?? {}) as { certificate?: string; conditions?: Record<string, string>[] },
      );

  it('signs an approved client request for its duration, and only then', async () => {
    await create('jane', { request: request('jane', '/CN=jane/O=dev'), expirationSeconds: 3600 });
    await create('pending', { request: request('pending', '/CN=p') });
    await approve('jane');
    const cert = await eventually(async () => (await statusOf('jane')).certificate, 'issued');
    const x = new X509Certificate(Buffer.from(cert, 'base64'));
    assert.ok(x.checkIssued(ca.certificate));
    assert.equal(x.subject, 'CN=jane\nO=dev');
    const lifetime = Date.parse(x.validTo) - Date.parse(x.validFrom);
    assert.equal(lifetime, HOUR + 5 * 60_000);
    assert.equal((await statusOf('pending')).certificate, undefined);
  });

  it('fails what the signer does not accept and leaves other signers alone', async () => {
    await create('srv', { request: request('srv', '/CN=srv'), usages: ['server auth'] });
    await create('other', { request: request('other', '/CN=o'), signerName: 'example.com/x' });
    await create('node', {
      request: request('node', '/CN=bob/O=system:nodes'),
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: ['client auth', 'digital signature'],
    });
    await approve('srv');
    await approve('other');
    await approve('node');
    const failed = await eventually(
      async () => (await statusOf('srv')).conditions?.find((c) => c['type'] === 'Failed'),
      'failed',
    );
    assert.equal(failed['reason'], 'SignerValidationFailure');
    assert.equal(failed['message'], 'invalid usage for client certificate: server auth');
    const nodeFailed = await eventually(
      async () => (await statusOf('node')).conditions?.find((c) => c['type'] === 'Failed'),
      'kubelet client refused',
    );
    assert.equal(nodeFailed['message'], 'subject common name does not begin with system:node:');
    await create('serving', {
      request: request('serving', '/CN=system:node:n1/O=system:nodes', [
        '-addext',
        'subjectAltName=DNS:n1,IP:10.0.0.1',
      ]),
      signerName: 'kubernetes.io/kubelet-serving',
      usages: ['digital signature', 'server auth'],
    });
    await approve('serving');
    const serving = await eventually(
      async () => (await statusOf('serving')).certificate,
      'serving issued',
    );
    const x = new X509Certificate(Buffer.from(serving, 'base64'));
    assert.equal(x.subjectAltName, 'DNS:n1, IP Address:10.0.0.1');
    assert.equal((await statusOf('other')).certificate, undefined);
  });
});
