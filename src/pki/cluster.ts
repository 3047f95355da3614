// The cluster's credentials on disk: created at first start, loaded (and renewed where
// needed) on every later one. Leaf certificates are cheap to re-issue; the CA is not, so a
// half-present or unreadable CA is an error rather than something to overwrite.
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  generateKeyPair,
  isIssuedBy,
  issueClientCertificate,
  issueServingCertificate,
  loadCertificateAuthority,
  privateKeyPem,
  publicKeyPem,
  type CertKeyPair,
  type CertificateAuthority,
} from './ca.js';
import { inspectCertificate, type AltNames } from './certificate.js';
import { readOptional, writeAtomic } from './files.js';
import { canonicalIp } from './ip.js';

export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  apiserverCert: 'apiserver.crt',
  apiserverKey: 'apiserver.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
  kubeletClientCert: 'apiserver-kubelet-client.crt',
  kubeletClientKey: 'apiserver-kubelet-client.key',
  serviceAccountKey: 'sa.key',
  serviceAccountPub: 'sa.pub',
} as const;

export const ADMIN_USER = 'skiff-admin';
export const ADMIN_GROUP = 'system:masters';
/** The API server's identity towards kubelets (kubeadm's apiserver-kubelet-client). */
export const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';
export const KUBELET_CLIENT_GROUP = 'system:masters';
export const DEFAULT_SERVICE_IP = '10.96.0.1';
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;
const KEY_MODE = 0o600;
const CERT_MODE = 0o644;

export interface ClusterPkiOptions {
  /** The data dir's `pki/` folder. */
  dir: string;
  /** The node's own addresses, added to the serving certificate. */
  ips?: string[];
  dnsNames?: string[];
  /** The first address of the service range (the `kubernetes` Service's ClusterIP). */
  serviceIp?: string;
  now?: Date;
}

export interface ServiceAccountKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privateKeyPem: string;
  publicKeyPem: string;
}

export interface ClusterPki {
  dir: string;
  ca: CertificateAuthority;
  apiserver: CertKeyPair;
  admin: CertKeyPair;
  /** The API server's client certificate for kubelets. */
  kubeletClient: CertKeyPair;
  serviceAccount: ServiceAccountKeys;
  /** What was written this time and why, e.g. "apiserver.crt: re-issued (names changed)". */
  changes: string[];
}

/** The serving certificate's names: loopback, the node's, the `kubernetes` Service's. */
export function apiserverAltNames(options: Omit<ClusterPkiOptions, 'dir' | 'now'>): AltNames {
  const ips = ['127.0.0.1', ...(options.ips ?? []), options.serviceIp ?? DEFAULT_SERVICE_IP];
  const dnsNames = [
    'localhost',
    ...(options.dnsNames ?? []),
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
  ];
  return {
    ips: [...new Set(ips.map(canonicalIp))],
    dnsNames: [...new Set(dnsNames.map((d) => d.toLowerCase()))],
  };
}

const sameSet = (a: string[], b: string[]): boolean => {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
};

interface LeafWanted {
  commonName: string;
  organizations?: string[];
  altNames?: AltNames;
}

/** Why an existing leaf certificate must be re-issued, or undefined if it can stay. */
function leafProblem(
  ca: CertificateAuthority,
  pair: { [K in keyof CertKeyPair]?: CertKeyPair[K] | undefined },
  wanted: LeafWanted,
  now: Date,
): string | undefined {
  if (pair.certPem === undefined || pair.keyPem === undefined) return 'created';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pair.certPem);
    if (!cert.checkPrivateKey(createPrivateKey(pair.keyPem))) return 're-issued (key mismatch)';
  } catch {
    return 're-issued (unreadable)';
  }
  if (!isIssuedBy(ca, cert)) return 're-issued (not signed by the current CA)';
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) {
    return 're-issued (expires within 30 days)';
  }
  const info = inspectCertificate(cert.raw);
  if (
    info.commonName !== wanted.commonName ||
    !sameSet(info.organizations, wanted.organizations ?? [])
  ) {
    return 're-issued (subject changed)';
  }
  if (
    wanted.altNames &&
    (!sameSet(info.altNames.ips, wanted.altNames.ips) ||
      !sameSet(
        info.altNames.dnsNames.map((d) => d.toLowerCase()),
        wanted.altNames.dnsNames,
      ))
  ) {
    return 're-issued (names changed)';
  }
  return undefined;
}

function loadOrCreateCa(dir: string, now: Date, changes: string[]): CertificateAuthority {
  const certPath = join(dir, PKI_FILES.caCert);
  const keyPath = join(dir, PKI_FILES.caKey);
  const certPem = readOptional(certPath);
  const keyPem = readOptional(keyPath);
  if (certPem !== undefined && keyPem !== undefined) {
    try {
      return loadCertificateAuthority(certPem, keyPem);
    } catch (err) {
      throw new Error(`cannot load the cluster CA from ${dir}: ${(err as Error).message}`);
    }
  }
  if (certPem !== undefined || keyPem !== undefined) {
    const [present, missing] = certPem !== undefined ? [certPath, keyPath] : [keyPath, certPath];
    throw new Error(
      `${missing} is missing but ${present} exists; restore it, or delete ${present} to create a new CA`,
    );
  }
  const ca = createCertificateAuthority({ now });
  writeAtomic(keyPath, ca.keyPem, KEY_MODE, true);
  writeAtomic(certPath, ca.certPem, CERT_MODE, true);
  changes.push(`${PKI_FILES.caCert}: created`);
  return ca;
}

interface LeafSpec {
  cert: string;
  key: string;
  wanted: LeafWanted;
  issue: () => CertKeyPair;
}

function ensureLeaf(
  dir: string,
  ca: CertificateAuthority,
  spec: LeafSpec,
  now: Date,
  changes: string[],
): CertKeyPair {
  const existing = {
    certPem: readOptional(join(dir, spec.cert)),
    keyPem: readOptional(join(dir, spec.key)),
  };
  const problem = leafProblem(ca, existing, spec.wanted, now);
  if (problem === undefined) return existing as CertKeyPair;
  const pair = spec.issue();
  writeAtomic(join(dir, spec.key), pair.keyPem, KEY_MODE);
  writeAtomic(join(dir, spec.cert), pair.certPem, CERT_MODE);
  changes.push(`${spec.cert}: ${problem}`);
  return pair;
}

function ensureServiceAccountKeys(dir: string, changes: string[]): ServiceAccountKeys {
  const keyPath = join(dir, PKI_FILES.serviceAccountKey);
  const pubPath = join(dir, PKI_FILES.serviceAccountPub);
  const existingKey = readOptional(keyPath);
  let privateKey: KeyObject;
  if (existingKey === undefined) {
    privateKey = generateKeyPair().privateKey;
    writeAtomic(keyPath, privateKeyPem(privateKey), KEY_MODE, true);
    changes.push(`${PKI_FILES.serviceAccountKey}: created`);
  } else {
    try {
      privateKey = createPrivateKey(existingKey);
    } catch (err) {
      throw new Error(`cannot load ${keyPath}: ${(err as Error).message}`);
    }
  }
  const publicKey = createPublicKey(privateKey);
  const pubPem = publicKeyPem(publicKey);
  // The public half is always derivable; rewrite it when missing or stale.
  if (readOptional(pubPath) !== pubPem) {
    writeAtomic(pubPath, pubPem, CERT_MODE);
    changes.push(`${PKI_FILES.serviceAccountPub}: written`);
  }
  return {
    privateKey,
    publicKey,
    privateKeyPem: existingKey ?? privateKeyPem(privateKey),
    publicKeyPem: pubPem,
  };
}

/**
 * Creates what is missing under `dir`, loads what is there, and re-issues a leaf
 * certificate when it is unusable, expires within 30 days, or names the wrong things.
 */
export function ensureClusterPki(options: ClusterPkiOptions): ClusterPki {
  const { dir } = options;
  const now = options.now ?? new Date();
  const changes: string[] = [];
  const ca = loadOrCreateCa(dir, now, changes);

  const altNames = apiserverAltNames(options);
  const serving = { commonName: 'kube-apiserver', altNames };
  const apiserver = ensureLeaf(
    dir,
    ca,
    {
      cert: PKI_FILES.apiserverCert,
      key: PKI_FILES.apiserverKey,
      wanted: serving,
      issue: () => issueServingCertificate(ca, { ...serving, now }),
    },
    now,
    changes,
  );

  const adminSubject = { commonName: ADMIN_USER, organizations: [ADMIN_GROUP] };
  const admin = ensureLeaf(
    dir,
    ca,
    {
      cert: PKI_FILES.adminCert,
      key: PKI_FILES.adminKey,
      wanted: adminSubject,
      issue: () => issueClientCertificate(ca, { ...adminSubject, now }),
    },
    now,
    changes,
  );

  const kubeletClientSubject = {
    commonName: KUBELET_CLIENT_USER,
    organizations: [KUBELET_CLIENT_GROUP],
  };
  const kubeletClient = ensureLeaf(
    dir,
    ca,
    {
      cert: PKI_FILES.kubeletClientCert,
      key: PKI_FILES.kubeletClientKey,
      wanted: kubeletClientSubject,
      issue: () => issueClientCertificate(ca, { ...kubeletClientSubject, now }),
    },
    now,
    changes,
  );

  const serviceAccount = ensureServiceAccountKeys(dir, changes);
  return { dir, ca, apiserver, admin, kubeletClient, serviceAccount, changes };
}
