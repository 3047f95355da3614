import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PKI_FILES, ensureClusterPki, issueClientCertificate } from './index.js';

const DAY = 24 * 60 * 60 * 1000;
const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function freshDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'skiff-pki-'));
  roots.push(root);
  return join(root, 'pki');
}

const openssl = (...args: string[]): string =>
  execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(Object.values(PKI_FILES).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

describe('ensureClusterPki', () => {
  it('creates all files at first start, keys owner-only', () => {
    const dir = freshDir();
    const pki = ensureClusterPki({ dir, ips: ['192.0.2.10'], dnsNames: ['node-a'] });
    assert.deepEqual(pki.changes, [
      'ca.crt: created',
      'apiserver.crt: created',
      'admin.crt: created',
      'apiserver-kubelet-client.crt: created',
      'sa.key: created',
      'sa.pub: written',
    ]);
    for (const key of [
      'ca.key',
      'apiserver.key',
      'admin.key',
      'apiserver-kubelet-client.key',
      'sa.key',
    ]) {
      assert.equal(statSync(join(dir, key)).mode & 0o777, 0o600, key);
      assert.match(readFileSync(join(dir, key), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    }
    for (const cert of ['ca.crt', 'apiserver.crt', 'admin.crt', 'apiserver-kubelet-client.crt']) {
      assert.match(readFileSync(join(dir, cert), 'utf8'), /^-----BEGIN CERTIFICATE-----\n/);
    }
    assert.match(readFileSync(join(dir, 'sa.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('produces certificates openssl verifies against the CA, with the wanted fields', () => {
    const dir = freshDir();
    ensureClusterPki({ dir, ips: ['192.0.2.10', '2001:db8::1'], dnsNames: ['node-a'] });
    const ca = join(dir, 'ca.crt');
    assert.equal(
      openssl('verify', '-CAfile', ca, join(dir, 'apiserver.crt'), join(dir, 'admin.crt')),
      `${join(dir, 'apiserver.crt')}: OK\n${join(dir, 'admin.crt')}: OK\n`,
    );
    // Purpose checks: serving cert good for a TLS server, admin cert for a TLS client.
    openssl('verify', '-purpose', 'sslserver', '-CAfile', ca, join(dir, 'apiserver.crt'));
    openssl('verify', '-purpose', 'sslclient', '-CAfile', ca, join(dir, 'admin.crt'));
    // The API server's identity towards kubelets: a client certificate in system:masters.
    const kubeletClient = join(dir, 'apiserver-kubelet-client.crt');
    openssl('verify', '-purpose', 'sslclient', '-CAfile', ca, kubeletClient);
    assert.match(
      openssl('x509', '-noout', '-subject', '-nameopt', 'RFC2253', '-in', kubeletClient),
      /subject=CN=kube-apiserver-kubelet-client,O=system:masters/,
    );
    assert.throws(() =>
      openssl('verify', '-purpose', 'sslserver', '-CAfile', ca, join(dir, 'admin.crt')),
    );

    const caText = openssl('x509', '-in', ca, '-noout', '-text');
    assert.match(caText, /Subject: CN = skiff-ca/);
    assert.match(caText, /Basic Constraints: critical\n\s+CA:TRUE/);
    assert.match(caText, /Key Usage: critical\n\s+Digital Signature, Certificate Sign, CRL Sign/);
    assert.match(caText, /ASN1 OID: prime256v1/);
    const caCert = new X509Certificate(readFileSync(ca));
    const caYears = (Date.parse(caCert.validTo) - Date.parse(caCert.validFrom)) / (365 * DAY);
    assert.ok(caYears > 9.9 && caYears < 10.1, `CA valid for ${caYears} years`);

    const server = openssl('x509', '-in', join(dir, 'apiserver.crt'), '-noout', '-text');
    assert.match(server, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(server, /TLS Web Server Authentication/);
    const sans = /Subject Alternative Name: \n\s+(.*)\n/.exec(server)?.[1]?.split(', ') ?? [];
    assert.deepEqual(
      new Set(sans),
      new Set([
        'DNS:localhost',
        'DNS:node-a',
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
        'DNS:kubernetes.default.svc.cluster.local',
        'IP Address:127.0.0.1',
        'IP Address:192.0.2.10',
        'IP Address:2001:DB8:0:0:0:0:0:1',
        'IP Address:10.96.0.1',
      ]),
    );

    const admin = openssl(
      'x509',
      '-in',
      join(dir, 'admin.crt'),
      '-noout',
      '-subject',
      '-ext',
      'extendedKeyUsage',
    );
    assert.match(admin, /subject=O = system:masters, CN = skiff-admin/);
    assert.match(admin, /TLS Web Client Authentication/);
  });

  it('puts a custom first service IP in the SANs', () => {
    const dir = freshDir();
    ensureClusterPki({ dir, serviceIp: '10.43.0.1' });
    const text = openssl(
      'x509',
      '-in',
      join(dir, 'apiserver.crt'),
      '-noout',
      '-ext',
      'subjectAltName',
    );
    assert.match(text, /IP Address:10\.43\.0\.1/);
    assert.doesNotMatch(text, /10\.96\.0\.1/);
  });

  it('loads existing files unchanged on later starts', () => {
    const dir = freshDir();
    const first = ensureClusterPki({ dir, ips: ['192.0.2.10'] });
    const before = snapshot(dir);
    const second = ensureClusterPki({ dir, ips: ['192.0.2.10'] });
    assert.deepEqual(second.changes, []);
    assert.deepEqual(snapshot(dir), before);
    assert.equal(second.ca.certPem, first.ca.certPem);
    assert.equal(second.apiserver.certPem, first.apiserver.certPem);
    assert.equal(second.serviceAccount.publicKeyPem, first.serviceAccount.publicKeyPem);
  });

  it('re-issues only the serving certificate when the wanted names change', () => {
    const dir = freshDir();
    ensureClusterPki({ dir, ips: ['192.0.2.10'] });
    const before = snapshot(dir);
    const next = ensureClusterPki({ dir, ips: ['192.0.2.11'] });
    assert.deepEqual(next.changes, ['apiserver.crt: re-issued (names changed)']);
    const after = snapshot(dir);
    assert.notEqual(after['apiserver.crt'], before['apiserver.crt']);
    assert.notEqual(after['apiserver.key'], before['apiserver.key']);
    for (const f of ['ca.crt', 'ca.key', 'admin.crt', 'admin.key', 'sa.key', 'sa.pub']) {
      assert.equal(after[f], before[f], f);
    }
    const text = openssl(
      'x509',
      '-in',
      join(dir, 'apiserver.crt'),
      '-noout',
      '-ext',
      'subjectAltName',
    );
    assert.match(text, /192\.0\.2\.11/);
    assert.doesNotMatch(text, /192\.0\.2\.10/);
    // The same set in another order or spelling is not a change.
    const same = ensureClusterPki({
      dir,
      ips: ['192.0.2.11', '127.0.0.1'],
      dnsNames: ['LOCALHOST'],
    });
    assert.deepEqual(same.changes, []);
  });

  it('renews leaf certificates within 30 days of expiry, not before', () => {
    const dir = freshDir();
    const start = new Date('2030-01-01T00:00:00Z');
    ensureClusterPki({ dir, now: start });
    assert.deepEqual(
      ensureClusterPki({ dir, now: new Date(start.getTime() + 330 * DAY) }).changes,
      [],
    );
    const late = new Date(start.getTime() + 340 * DAY);
    assert.deepEqual(ensureClusterPki({ dir, now: late }).changes, [
      'apiserver.crt: re-issued (expires within 30 days)',
      'admin.crt: re-issued (expires within 30 days)',
      'apiserver-kubelet-client.crt: re-issued (expires within 30 days)',
    ]);
    const cert = new X509Certificate(readFileSync(join(dir, 'apiserver.crt')));
    assert.ok(Date.parse(cert.validTo) > late.getTime() + 360 * DAY);
  });

  it('re-issues leaves signed by another CA, and a mismatched key pair', () => {
    const dir = freshDir();
    const first = ensureClusterPki({ dir });
    const other = ensureClusterPki({ dir: freshDir() });
    writeFileSync(join(dir, 'admin.crt'), other.admin.certPem);
    writeFileSync(join(dir, 'admin.key'), other.admin.keyPem);
    writeFileSync(join(dir, 'apiserver.key'), first.admin.keyPem);
    const next = ensureClusterPki({ dir });
    assert.deepEqual(next.changes, [
      'apiserver.crt: re-issued (key mismatch)',
      'admin.crt: re-issued (not signed by the current CA)',
    ]);
    openssl(
      'verify',
      '-CAfile',
      join(dir, 'ca.crt'),
      join(dir, 'admin.crt'),
      join(dir, 'apiserver.crt'),
    );
  });

  it('refuses to replace a CA that is half there', () => {
    const dir = freshDir();
    ensureClusterPki({ dir });
    unlinkSync(join(dir, 'ca.key'));
    assert.throws(() => ensureClusterPki({ dir }), /ca\.key is missing but .*ca\.crt exists/);
    writeFileSync(join(dir, 'ca.key'), 'garbage');
    assert.throws(() => ensureClusterPki({ dir }), /cannot load the cluster CA/);
  });

  it('rewrites a missing public service-account key from the private one', () => {
    const dir = freshDir();
    const first = ensureClusterPki({ dir });
    unlinkSync(join(dir, 'sa.pub'));
    const next = ensureClusterPki({ dir });
    assert.deepEqual(next.changes, ['sa.pub: written']);
    assert.equal(readFileSync(join(dir, 'sa.pub'), 'utf8'), first.serviceAccount.publicKeyPem);
  });

  it('issues node client certificates with several groups', () => {
    const pki = ensureClusterPki({ dir: freshDir() });
    const pair = issueClientCertificate(pki.ca, {
      commonName: 'system:node:node-a',
      organizations: ['system:nodes', 'skiff:agents'],
      days: 30,
    });
    const path = join(pki.dir, 'node.crt');
    writeFileSync(path, pair.certPem);
    openssl('verify', '-CAfile', join(pki.dir, 'ca.crt'), path);
    assert.match(
      openssl('x509', '-in', path, '-noout', '-subject'),
      /subject=O = system:nodes, O = skiff:agents, CN = system:node:node-a/,
    );
    const cert = new X509Certificate(pair.certPem);
    const days = (Date.parse(cert.validTo) - Date.now()) / DAY;
    assert.ok(days > 29.9 && days < 30.1);
  });
});
