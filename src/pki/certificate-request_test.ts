import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createCertificateAuthority } from './ca.js';
import { parseCertificateRequest, signCertificateRequest } from './certificate-request.js';
import { userFromCertificate } from './identity.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-csr-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const openssl = (...args: string[]): string =>
  execFileSync('openssl', args, {
    cwd: dir,
    timeout: 20_000,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });

function opensslRequest(keyArgs: string[], subject: string, extra: string[] = []): string {
  openssl('genpkey', ...keyArgs, '-out', 'k.pem');
  openssl('req', '-new', '-key', 'k.pem', '-subj', subject, '-out', 'r.pem', ...extra);
  return readFileSync(join(dir, 'r.pem'), 'utf8');
}

describe('certificate signing requests', () => {
  it('reads an RSA request as openssl writes it (the docs flow: CN=jane, O=dev)', () => {
    const pem = opensslRequest(
      ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
      '/CN=jane/O=dev',
    );
    const req = parseCertificateRequest(pem);
    assert.equal(req.commonName, 'jane');
    assert.deepEqual(req.organizations, ['dev']);
    assert.equal(req.signatureValid, true);
  });

  it('reads EC requests with SANs', () => {
    const pem = opensslRequest(
      ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      '/O=system:nodes/CN=system:node:n1',
      ['-addext', 'subjectAltName=DNS:n1,IP:10.0.0.7'],
    );
    const req = parseCertificateRequest(pem);
    assert.equal(req.commonName, 'system:node:n1');
    assert.deepEqual(req.dnsNames, ['n1']);
    assert.deepEqual(req.ips, ['10.0.0.7']);
    assert.equal(req.signatureValid, true);
  });

  it('refuses what is not a CERTIFICATE REQUEST block, as kube words it', () => {
    for (const bad of [
      '',
      'hello',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    ])
      assert.throws(() => parseCertificateRequest(bad), {
        message: 'PEM block type must be CERTIFICATE REQUEST',
      });
    assert.throws(
      () =>
        parseCertificateRequest(
          '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n',
        ),
      /asn1: syntax error: data truncated/,
    );
  });

  it('reports a tampered signature', () => {
    const pem = opensslRequest(
      ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      '/CN=x',
    );
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    const i = der.indexOf(Buffer.from('x'), 10);
    der[i] = 'y'.charCodeAt(0);
    const body =
      der
        .toString('base64')
        .match(/.{1,64}/g)
        ?.join('\n') ?? '';
    const req = parseCertificateRequest(
      `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`,
    );
    assert.equal(req.signatureValid, false);
    assert.equal(req.signatureError, 'x509: ECDSA verification failure');
  });

  it('issues a client certificate openssl verifies against the CA', () => {
    const ca = createCertificateAuthority();
    const pem = opensslRequest(
      ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
      '/CN=jane/O=dev/O=ops',
    );
    const now = new Date();
    const certPem = signCertificateRequest(ca, parseCertificateRequest(pem), {
      usages: ['client auth', 'digital signature', 'key encipherment'],
      notBefore: new Date(now.getTime() - 300_000),
      notAfter: new Date(now.getTime() + 3600_000),
    });
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    writeFileSync(join(dir, 'jane.crt'), certPem);
    assert.match(openssl('verify', '-CAfile', 'ca.crt', 'jane.crt'), /jane.crt: OK/);
    const text = openssl('x509', '-in', 'jane.crt', '-noout', '-text');
    assert.match(text, /TLS Web Client Authentication/);
    assert.match(text, /Digital Signature, Key Encipherment/);
    const cert = new X509Certificate(certPem);
    assert.equal(cert.checkIssued(ca.certificate), true);
    assert.deepEqual(userFromCertificate(cert.raw), { name: 'jane', groups: ['dev', 'ops'] });
  });
});
