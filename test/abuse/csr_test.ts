// CertificateSigningRequests against a real server: requests that do not parse, are not
// signed by their key, name a usage that does not exist, a malformed or legacy signer, a
// too short duration, conflicting conditions — each refused with kube-apiserver's exact
// Status and nothing stored; a requester that cannot be forged; a seeded fuzz of request
// bodies where every answer is either a created object or a Status with nothing stored.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng } from '../support/prng.js';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const JSON_HEADERS = { 'content-type': 'application/json' };
const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
/** The admin acting as another member of system:masters. */
const AS_MALLORY = {
  'impersonate-user': 'mallory',
  'impersonate-uid': 'm-1',
  'impersonate-group': 'system:masters',
};
/** A user nothing is granted to. */
const EVE_TOKEN = 'csr-abuse-eve-token';

const dir = mkdtempSync(join(tmpdir(), 'skiff-csr-abuse-'));
function opensslRequest(name: string, subject: string, keyArgs: string[]): Buffer {
  const run = (...args: string[]) =>
    execFileSync('openssl', args, {
      cwd: dir,
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  run('genpkey', ...keyArgs, '-out', `${name}.key`);
  run('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
  return readFileSync(join(dir, `${name}.csr`));
}

const goBytes = (b: Buffer): string =>
  `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`;

describe('certificate signing requests', () => {
  let s: AbuseServer;
  let rsa: Buffer;
  let ec: Buffer;
  let masters: Buffer;

  const csr = (name: string, spec: Record<string, unknown>, extra: object = {}) => ({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: rsa.toString('base64'),
      signerName: CLIENT_SIGNER,
      usages: ['client auth'],
      ...spec,
    },
    ...extra,
  });
  const post = (body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> =>
    s.send({
      method: 'POST',
      path: CSRS,
      headers: { ...JSON_HEADERS, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const put = (name: string, sub: string, body: unknown, headers: Record<string, string> = {}) =>
    s.send({
      method: 'PUT',
      path: `${CSRS}/${name}${sub ? `/${sub}` : ''}`,
      headers: { ...JSON_HEADERS, ...headers },
      body: JSON.stringify(body),
    });
  /** Sends a refused write and asserts its exact Status and that nothing changed. */
  const refused = async (
    send: () => Promise<RawResponse>,
    code: number,
    reason: string,
    message: string | RegExp,
  ): Promise<RawResponse> => {
    const before = await s.snapshot([CSRS]);
    const res = await send();
    assertStatus(res, code, reason);
    if (typeof message === 'string') assert.equal(res.json.message, message);
    else assert.match(res.json.message, message);
    assert.deepEqual(await s.snapshot([CSRS]), before);
    return res;
  };

  before(() => {
    rsa = opensslRequest('rsa', '/CN=jane/O=dev', [
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
    ]);
    ec = opensslRequest('ec', '/CN=ec-user', [
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
    ]);
    masters = opensslRequest('m', '/CN=root/O=system:masters', [
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
    ]);
    s = startAbuseServer({
      tokens: [{ token: EVE_TOKEN, user: 'eve', uid: 'e-1' }],
    });
  });
  after(() => {
    s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a request that is not a PEM CERTIFICATE REQUEST: 422, the bytes quoted as Go prints them', async () => {
    const res = await refused(
      () => post(csr('not-pem', { request: Buffer.from('hello').toString('base64') })),
      422,
      'Invalid',
      `CertificateSigningRequest.certificates.k8s.io "not-pem" is invalid: spec.request: Invalid value: ${goBytes(Buffer.from('hello'))}: PEM block type must be CERTIFICATE REQUEST`,
    );
    assert.deepEqual(res.json.details.causes, [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${goBytes(Buffer.from('hello'))}: PEM block type must be CERTIFICATE REQUEST`,
        field: 'spec.request',
      },
    ]);
    await refused(
      () => post(csr('no-request', { request: undefined })),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "no-request" is invalid: spec.request: Invalid value: []byte(nil): PEM block type must be CERTIFICATE REQUEST',
    );
    const cert = Buffer.from(
      readFileSync(join(dir, 'rsa.csr'), 'utf8').replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE'),
    );
    await refused(
      () => post(csr('a-cert', { request: cert.toString('base64') })),
      422,
      'Invalid',
      /spec\.request: Invalid value: \[\]byte\{0x2d, .*: PEM block type must be CERTIFICATE REQUEST$/,
    );
  });

  test('request bytes that are not base64: 400 as the decoder says it', async () => {
    await refused(
      () => post(csr('b64', { request: 'LS0t*LS0' })),
      400,
      'BadRequest',
      'CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: illegal base64 data at input byte 4',
    );
  });

  test('a request whose signature does not match its key: 422', async () => {
    const der = Buffer.from(
      readFileSync(join(dir, 'ec.csr'), 'utf8')
        .replace(/-----[^-]+-----/g, '')
        .replace(/\s/g, ''),
      'base64',
    );
    const at = der.indexOf(Buffer.from('ec-user'));
    der[at] = 'E'.charCodeAt(0);
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der
      .toString('base64')
      .match(/.{1,64}/g)
      ?.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    await refused(
      () => post(csr('tampered', { request: Buffer.from(pem).toString('base64') })),
      422,
      'Invalid',
      /spec\.request: Invalid value: \[\]byte\{.*\}: x509: ECDSA verification failure$/,
    );
  });

  test('forged, duplicate and missing usages: 422', async () => {
    await refused(
      () => post(csr('forged-usage', { usages: ['client auth', 'root access'] })),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "forged-usage" is invalid: spec.usages[1]: Unsupported value: "root access": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"',
    );
    await refused(
      () => post(csr('dup-usage', { usages: ['client auth', 'client auth'] })),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "dup-usage" is invalid: spec.usages[1]: Duplicate value: "client auth"',
    );
    await refused(
      () => post(csr('no-usage', { usages: [] })),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "no-usage" is invalid: spec.usages: Required value',
    );
  });

  test('signer names: required, well-formed, never the legacy one: 422', async () => {
    await refused(
      () => post(csr('no-signer', { signerName: undefined })),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "no-signer" is invalid: spec.signerName: Required value',
    );
    await refused(
      () => post(csr('flat-signer', { signerName: 'kubelet' })),
      422,
      'Invalid',
      `CertificateSigningRequest.certificates.k8s.io "flat-signer" is invalid: spec.signerName: Invalid value: "kubelet": must be a fully qualified domain and path of the form 'example.com/signer-name'`,
    );
    await refused(
      () => post(csr('short-domain', { signerName: 'example/signer' })),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "short-domain" is invalid: spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots',
    );
    await refused(
      () => post(csr('legacy-signer', { signerName: 'kubernetes.io/legacy-unknown' })),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "legacy-signer" is invalid: spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
    );
  });

  test('a duration under ten minutes: 422', async () => {
    await refused(
      () => post(csr('short', { expirationSeconds: 599 })),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "short" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)',
    );
  });

  test('system:masters through the client signer: 403', async () => {
    await refused(
      () => post(csr('masters', { request: masters.toString('base64') })),
      403,
      'Forbidden',
      'certificatesigningrequests.certificates.k8s.io "masters" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
    );
  });

  test('the requester is recorded, never taken from the body; no request is born approved', async () => {
    const res = await post(
      csr(
        'forged-requester',
        {
          request: ec.toString('base64'),
          username: 'system:admin',
          groups: ['system:masters'],
          uid: 'x',
        },
        {
          status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Mine' }] },
        },
      ),
      AS_MALLORY,
    );
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.spec.username, 'mallory');
    assert.equal(res.json.spec.uid, 'm-1');
    assert.deepEqual(res.json.spec.groups, ['system:masters', 'system:authenticated']);
    assert.deepEqual(res.json.status, {});
    // Someone granted nothing: approving is refused by authorization, and nothing changes.
    const approval = {
      ...res.json,
      status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Mine' }] },
    };
    await refused(
      () => put('forged-requester', 'approval', approval, { authorization: `Bearer ${EVE_TOKEN}` }),
      403,
      'Forbidden',
      'certificatesigningrequests.certificates.k8s.io "forged-requester" is forbidden: User "eve" cannot update resource "certificatesigningrequests/approval" in API group "certificates.k8s.io" at the cluster scope',
    );
    // An update of the object itself keeps spec and status.
    const upd = await put('forged-requester', '', {
      ...res.json,
      spec: { ...res.json.spec, username: 'x', usages: ['server auth'] },
      status: approval.status,
    });
    assert.equal(upd.status, 200, upd.text);
    assert.equal(upd.json.spec.username, 'mallory');
    assert.deepEqual(upd.json.spec.usages, ['client auth']);
    assert.deepEqual(upd.json.status, {});
  });

  test('approval: Approved and Denied exclude each other; a decision is never taken back', async () => {
    // A signer Skiff does not run, so that nothing else writes the object meanwhile.
    const res = await post(csr('decide', { signerName: 'example.com/manual' }));
    assert.equal(res.status, 201, res.text);
    const both = {
      ...res.json,
      status: {
        conditions: [
          { type: 'Approved', status: 'True' },
          { type: 'Denied', status: 'True' },
        ],
      },
    };
    await refused(
      () => put('decide', 'approval', both),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "decide" is invalid: status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
    );
    const notTrue = {
      ...res.json,
      status: { conditions: [{ type: 'Approved', status: 'False' }] },
    };
    await refused(
      () => put('decide', 'approval', notTrue),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "decide" is invalid: status.conditions[0].status: Unsupported value: "False": supported values: "True"',
    );
    const approved = await put('decide', 'approval', {
      ...res.json,
      status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] },
    });
    assert.equal(approved.status, 200, approved.text);
    const c = approved.json.status.conditions[0];
    assert.ok(c.lastUpdateTime && c.lastTransitionTime, 'condition times are filled in');
    await refused(
      () => put('decide', 'approval', { ...approved.json, status: { conditions: [] } }),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "decide" is invalid: status.conditions: Forbidden: updates may not remove a condition of type "Approved"',
    );
    // status writes cannot set garbage as the certificate.
    const garbage = Buffer.from(
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    ).toString('base64');
    const latest = (await s.send({ path: `${CSRS}/decide` })).json;
    await refused(
      () =>
        put('decide', 'status', { ...latest, status: { ...latest.status, certificate: garbage } }),
      422,
      'Invalid',
      /status\.certificate: Invalid value: "<certificate data>": /,
    );
  });

  test('a seeded fuzz of request bodies: a created object or a Status, never half of one', async () => {
    const rand = prng(0xc5a);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const usages = [
      'client auth',
      'server auth',
      'digital signature',
      'key encipherment',
      'root',
      '',
      'CLIENT AUTH',
      'any',
    ];
    const signers = [
      CLIENT_SIGNER,
      'kubernetes.io/kubelet-serving',
      'example.com/x',
      'kubernetes.io/legacy-unknown',
      '',
      'a/b',
      'Example.com/x',
      'example.com/',
      'x.y/z/w',
    ];
    const requests = [rsa, ec, masters, Buffer.from('junk'), Buffer.alloc(0)];
    let created = 0;
    for (let i = 0; i < 150; i++) {
      const request = Buffer.from(pick(requests));
      if (request.length > 100 && rand() < 0.3) {
        const at = Math.floor(rand() * request.length);
        request[at] = (request[at] ?? 0) ^ (1 << Math.floor(rand() * 8));
      }
      const body = csr(`fuzz-${i}`, {
        request: rand() < 0.05 ? 'not*base64' : request.toString('base64'),
        signerName: pick(signers),
        usages: Array.from({ length: Math.floor(rand() * 3) }, () => pick(usages)),
        ...(rand() < 0.3 ? { expirationSeconds: pick([0, 599, 600, 3600, -1, 2 ** 31 - 1]) } : {}),
      });
      const before = await s.snapshot([CSRS]);
      const res = await post(body);
      if (res.status === 201) {
        created++;
        assert.equal(res.json.spec.username, 'skiff-admin', res.text);
        const del = await s.send({ method: 'DELETE', path: `${CSRS}/fuzz-${i}` });
        assert.equal(del.status, 200, del.text);
        continue;
      }
      assert.ok(
        [400, 403, 422].includes(res.status),
        `case ${i}: ${res.status} ${res.text.slice(0, 300)}`,
      );
      assertStatus(res, res.status);
      assert.deepEqual(await s.snapshot([CSRS]), before, `case ${i} changed something`);
    }
    assert.ok(created > 0 && created < 150, `created ${created} of 150`);
  });
});
