import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { describe, it } from 'node:test';
import {
  createCertificateAuthority,
  issueClientCertificate,
  userFromCertificate,
} from './index.js';

const ca = createCertificateAuthority();

describe('userFromCertificate', () => {
  it('maps CN to the user and every O to a group, from DER', () => {
    const pair = issueClientCertificate(ca, {
      commonName: 'jane',
      organizations: ['dev', 'ops, the team', 'ünïcode'],
    });
    const der = new X509Certificate(pair.certPem).raw;
    assert.deepEqual(userFromCertificate(der), {
      name: 'jane',
      groups: ['dev', 'ops, the team', 'ünïcode'],
    });
  });

  it('reads a certificate without organizations as a user with no groups', () => {
    const pair = issueClientCertificate(ca, { commonName: 'solo' });
    assert.deepEqual(userFromCertificate(new X509Certificate(pair.certPem).raw), {
      name: 'solo',
      groups: [],
    });
  });

  it('reads the subject fields when no DER is given', () => {
    const single = { subject: { CN: 'bob', O: 'system:masters' } } as unknown as PeerCertificate;
    assert.deepEqual(userFromCertificate(single), { name: 'bob', groups: ['system:masters'] });
    const multi = { subject: { CN: 'n', O: ['a', 'b'] } } as unknown as PeerCertificate;
    assert.deepEqual(userFromCertificate(multi), { name: 'n', groups: ['a', 'b'] });
  });

  it('names nobody for an absent certificate, an empty CN or garbage', () => {
    assert.equal(userFromCertificate({} as PeerCertificate), undefined);
    assert.equal(
      userFromCertificate({ subject: { O: 'x' } } as unknown as PeerCertificate),
      undefined,
    );
    assert.equal(userFromCertificate(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])), undefined);
    assert.equal(userFromCertificate(Buffer.from('not a certificate')), undefined);
  });
});
