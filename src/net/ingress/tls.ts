// Certificates for the ingress: `kubernetes.io/tls` secrets checked before nginx sees them
// (a broken certificate or a key that does not match is a problem reported on the Ingress,
// never a configuration nginx refuses), and the local ingress CA kept in the data dir, which
// issues certificates for TLS hosts without a secret and the default certificate.

import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types.js';
import {
  createCertificateAuthority,
  issueServingCertificate,
  loadCertificateAuthority,
  type CertificateAuthority,
} from '../../pki/index.js';
import { DEFAULT_CERT_ID } from './nginx-config.js';
import type { TlsCertificate } from './types.js';

/** The local ingress CA's files under the data dir (what `skiff trust` installs). */
export const INGRESS_CA_CERT = 'ingress-ca.crt';
const INGRESS_CA_KEY = 'ingress-ca.key';
/** The CA's subject, also the name of the file `skiff trust` installs. */
export const INGRESS_CA_NAME = 'skiff-ingress-ca';

function writePrivate(path: string, data: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data, { mode: 0o600 });
  renameSync(temp, path);
}

/** The ingress CA in `dir` (the data dir's `pki/`), created on first use. */
export function ensureIngressCa(dir: string): CertificateAuthority {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certPath = join(dir, INGRESS_CA_CERT);
  const keyPath = join(dir, INGRESS_CA_KEY);
  if (existsSync(certPath) && existsSync(keyPath))
    return loadCertificateAuthority(readFileSync(certPath, 'utf8'), readFileSync(keyPath, 'utf8'));
  const ca = createCertificateAuthority({ commonName: INGRESS_CA_NAME });
  writePrivate(keyPath, ca.keyPem);
  writeFileSync(certPath, ca.certPem, { mode: 0o644 });
  return ca;
}

const idOf = (pem: string): string => createHash('sha256').update(pem).digest('hex').slice(0, 24);

/** A secret's certificate and key, or what is wrong with them. */
export function certificateFromSecret(
  secret: KubeObject,
  host?: string,
): TlsCertificate | { problem: string } {
  const ref = `secret "${secret.metadata.namespace ?? ''}/${secret.metadata.name ?? ''}"`;
  const data = (secret['data'] as Record<string, string> | undefined) ?? {};
  const crt = data['tls.crt'] ? Buffer.from(data['tls.crt'], 'base64').toString('utf8') : '';
  const key = data['tls.key'] ? Buffer.from(data['tls.key'], 'base64').toString('utf8') : '';
  if (!crt || !key) return { problem: `${ref} has no tls.crt and tls.key` };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(crt);
  } catch (e) {
    return { problem: `${ref}: tls.crt is not a PEM certificate (${(e as Error).message})` };
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (e) {
    return { problem: `${ref}: tls.key is not a PEM private key (${(e as Error).message})` };
  }
  if (!cert.checkPrivateKey(privateKey))
    return { problem: `${ref}: the private key does not match the certificate` };
  if (Date.parse(cert.validTo) < Date.now())
    return { problem: `${ref}: the certificate expired on ${cert.validTo}` };
  const pem = `${crt.trim()}\n${key.trim()}\n`;
  // Served anyway (as ingress-nginx does), but clients will refuse it for this name.
  const named = !host || (host.startsWith('*.') ? true : cert.checkHost(host) !== undefined);
  return {
    id: idOf(pem),
    pem,
    ...(named
      ? {}
      : {
          warning: `${ref}: the certificate (${cert.subject.replace(/\n/g, ', ')}) does not name host "${host}"`,
        }),
  };
}

/** Certificates the local ingress CA issues, one per host, kept for the process's life. */
export interface LocalIssuer {
  forHost(host: string): TlsCertificate;
  readonly defaultCertificate: TlsCertificate;
}

export function localIssuer(ca: CertificateAuthority): LocalIssuer {
  const issued = new Map<string, TlsCertificate>();
  const issue = (commonName: string, dnsNames: string[]): string => {
    const pair = issueServingCertificate(ca, {
      commonName,
      altNames: { dnsNames, ips: [] },
      days: 365,
    });
    return `${pair.certPem.trim()}\n${pair.keyPem.trim()}\n`;
  };
  const defaultPem = issue('skiff-ingress-default', ['ingress.local']);
  return {
    defaultCertificate: { id: DEFAULT_CERT_ID, pem: defaultPem },
    forHost(host) {
      let c = issued.get(host);
      if (!c) {
        const pem = issue(host, [host]);
        issued.set(host, (c = { id: idOf(pem), pem }));
      }
      return c;
    },
  };
}
