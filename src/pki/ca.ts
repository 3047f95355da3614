// The cluster CA and the certificates it issues. All keys are ECDSA P-256.
import {
  X509Certificate,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import {
  buildCertificate,
  inspectCertificate,
  keyIdentifier,
  type AltNames,
} from './certificate.js';
import { toPem } from './pem.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Tolerates clocks a little behind the issuer's, as kubeadm's backdating does. */
const BACKDATE_MS = 5 * 60 * 1000;

export interface CertKeyPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends CertKeyPair {
  readonly certificate: X509Certificate;
  readonly privateKey: KeyObject;
  /** The CA's subject exactly as encoded, so issued certificates name it byte for byte. */
  readonly subjectName: Buffer;
  readonly keyId: Buffer;
}

export interface CreateCaOptions {
  commonName?: string;
  days?: number;
  now?: Date;
}

export interface ClientCertificateOptions {
  commonName: string;
  organizations?: string[];
  days?: number;
  now?: Date;
}

export interface ServingCertificateOptions {
  commonName?: string;
  altNames: AltNames;
  days?: number;
  now?: Date;
}

export function generateKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export const privateKeyPem = (key: KeyObject): string =>
  key.export({ type: 'pkcs8', format: 'pem' }) as string;
export const publicKeyPem = (key: KeyObject): string =>
  key.export({ type: 'spki', format: 'pem' }) as string;

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  };
}

export function createCertificateAuthority(options: CreateCaOptions = {}): CertificateAuthority {
  const { publicKey, privateKey } = generateKeyPair();
  const der = buildCertificate({
    subject: { commonName: options.commonName ?? 'skiff-ca' },
    publicKey,
    signingKey: privateKey,
    ...validity(options.now ?? new Date(), options.days ?? 3650),
    isCa: true,
  });
  return loadCertificateAuthority(toPem('CERTIFICATE', der), privateKeyPem(privateKey));
}

/** Loads a CA from PEM; throws unless it is a CA certificate matching the key. */
export function loadCertificateAuthority(certPem: string, keyPem: string): CertificateAuthority {
  const certificate = new X509Certificate(certPem);
  const privateKey = createPrivateKey(keyPem);
  if (!certificate.ca) throw new Error(`certificate "${certificate.subject}" is not a CA`);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error('the CA private key does not match the CA certificate');
  }
  const info = inspectCertificate(certificate.raw);
  return {
    certPem,
    keyPem,
    certificate,
    privateKey,
    subjectName: info.subjectName,
    keyId: info.subjectKeyId ?? keyIdentifier(certificate.publicKey),
  };
}

function issue(
  ca: CertificateAuthority,
  subject: { commonName: string; organizations?: string[] },
  extra: {
    days: number;
    now?: Date | undefined;
    usage: 'serverAuth' | 'clientAuth';
    altNames?: AltNames;
  },
): CertKeyPair {
  const { publicKey, privateKey } = generateKeyPair();
  const der = buildCertificate({
    subject,
    issuerName: ca.subjectName,
    authorityKeyId: ca.keyId,
    publicKey,
    signingKey: ca.privateKey,
    ...validity(extra.now ?? new Date(), extra.days),
    isCa: false,
    extKeyUsage: [extra.usage],
    ...(extra.altNames ? { altNames: extra.altNames } : {}),
  });
  return { certPem: toPem('CERTIFICATE', der), keyPem: privateKeyPem(privateKey) };
}

/** A client certificate: CN is the user name, each organization a group. */
export function issueClientCertificate(
  ca: CertificateAuthority,
  options: ClientCertificateOptions,
): CertKeyPair {
  if (!options.commonName) throw new Error('a client certificate needs a common name');
  return issue(
    ca,
    { commonName: options.commonName, organizations: options.organizations ?? [] },
    { days: options.days ?? 365, now: options.now, usage: 'clientAuth' },
  );
}

export function issueServingCertificate(
  ca: CertificateAuthority,
  options: ServingCertificateOptions,
): CertKeyPair {
  return issue(
    ca,
    { commonName: options.commonName ?? 'kube-apiserver' },
    {
      days: options.days ?? 365,
      now: options.now,
      usage: 'serverAuth',
      altNames: options.altNames,
    },
  );
}

/** True when `cert` was signed by this CA (names and signature both check out). */
export function isIssuedBy(ca: CertificateAuthority, cert: X509Certificate): boolean {
  return cert.checkIssued(ca.certificate) && cert.verify(ca.certificate.publicKey);
}
