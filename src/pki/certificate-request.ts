// PKCS#10 certificate signing requests (RFC 2986): reading one from PEM, checking its
// signature, and issuing a certificate for it from the cluster CA with the usages asked for,
// as kube-controller-manager's CSR signer does. Errors are worded as Go's x509 words them,
// since the API server quotes them in its validation messages.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { CertificateAuthority } from './ca.js';
import { buildCertificate, inspectCertificate } from './certificate.js';
import * as der from './der.js';
import { bytesToIp } from './ip.js';
import { toPem } from './pem.js';

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const SUBJECT_ALT_NAME = '2.5.29.17';

/** Signature algorithms Go verifies CSRs with, by OID: [hash, key type]. */
const SIGNATURE_ALGORITHMS: Record<string, [string | null, 'rsa' | 'ec' | 'ed25519']> = {
  '1.2.840.113549.1.1.5': ['sha1', 'rsa'],
  '1.2.840.113549.1.1.11': ['sha256', 'rsa'],
  '1.2.840.113549.1.1.12': ['sha384', 'rsa'],
  '1.2.840.113549.1.1.13': ['sha512', 'rsa'],
  '1.2.840.10045.4.3.2': ['sha256', 'ec'],
  '1.2.840.10045.4.3.3': ['sha384', 'ec'],
  '1.2.840.10045.4.3.4': ['sha512', 'ec'],
  '1.3.101.112': [null, 'ed25519'],
};

export interface CertificateRequest {
  /** The subject Name exactly as encoded. */
  subjectName: Buffer;
  commonName?: string;
  organizations: string[];
  publicKey: KeyObject;
  dnsNames: string[];
  ips: string[];
  /** Whether the request's own signature checks out with its key. */
  signatureValid: boolean;
  /** Why the signature could not be checked, in Go's words (when it is not valid). */
  signatureError?: string;
}

/**
 * The first PEM block's type and DER, as Go's pem.Decode finds it; undefined when there is
 * no well-formed block.
 */
function firstPemBlock(text: string): { type: string; der: Buffer } | undefined {
  const m = /-----BEGIN ([^\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) return undefined;
  const body = (m[2] ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return undefined;
  return { type: m[1] ?? '', der: Buffer.from(body, 'base64') };
}

/** Parses the request (throws Go's error text); the signature is checked, not enforced. */
export function parseCertificateRequest(pem: string | Uint8Array): CertificateRequest {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('latin1');
  const block = firstPemBlock(text);
  if (!block || block.type !== 'CERTIFICATE REQUEST')
    throw new Error('PEM block type must be CERTIFICATE REQUEST');
  return parseDer(block.der);
}

function parseDer(buf: Buffer): CertificateRequest {
  let outer: der.Node;
  let info: der.Node | undefined;
  let algorithm: der.Node | undefined;
  let signature: der.Node | undefined;
  let fields: der.Node[];
  try {
    outer = der.read(buf);
    if (outer.tag !== der.TAG.sequence) throw new Error('structure');
    if (outer.end !== buf.length) throw new Error('x509: trailing data');
    [info, algorithm, signature] = der.children(buf, outer);
    if (!info || !algorithm || !signature || info.tag !== der.TAG.sequence)
      throw new Error('structure');
    fields = der.children(buf, info);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('x509:')) throw e;
    if (e instanceof Error && /truncated|runs past/.test(e.message))
      throw new Error('asn1: syntax error: data truncated');
    throw new Error("asn1: structure error: tags don't match");
  }
  const [version, subject, spki, attributes] = fields;
  if (!version || version.tag !== der.TAG.integer || !subject || !spki)
    throw new Error("asn1: structure error: tags don't match");
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: der.whole(buf, spki), format: 'der', type: 'spki' });
  } catch {
    throw new Error('x509: unsupported public key type');
  }
  const subjectName = der.whole(buf, subject);
  // The subject's CN and O values, read with the certificate reader on a stand-in tbs.
  const names = readNames(subjectName);
  const alt = attributes && attributes.tag === 0xa0 ? readAltNames(buf, attributes) : undefined;
  const out: CertificateRequest = {
    subjectName,
    organizations: names.organizations,
    publicKey,
    dnsNames: alt?.dnsNames ?? [],
    ips: alt?.ips ?? [],
    signatureValid: false,
  };
  if (names.commonName !== undefined) out.commonName = names.commonName;
  const check = checkSignature(buf, info, algorithm, signature, publicKey);
  if (check) out.signatureError = check;
  else out.signatureValid = true;
  return out;
}

function readNames(subjectName: Buffer): { commonName?: string; organizations: string[] } {
  // inspectCertificate reads the subject at the sixth field of a TBSCertificate.
  const filler = der.tlv(der.TAG.null, Buffer.alloc(0));
  const tbs = der.seq(filler, filler, filler, filler, subjectName);
  const info = inspectCertificate(der.seq(tbs));
  return {
    organizations: info.organizations,
    ...(info.commonName !== undefined ? { commonName: info.commonName } : {}),
  };
}

function readAltNames(buf: Buffer, attributes: der.Node): { dnsNames: string[]; ips: string[] } {
  const out = { dnsNames: [] as string[], ips: [] as string[] };
  for (const attr of der.children(buf, attributes)) {
    const [type, values] = der.children(buf, attr);
    if (!type || !values || der.decodeOid(der.content(buf, type)) !== EXTENSION_REQUEST) continue;
    for (const exts of der.children(buf, values))
      for (const ext of der.children(buf, exts)) {
        const parts = der.children(buf, ext);
        const id = parts[0] ? der.decodeOid(der.content(buf, parts[0])) : '';
        const value = parts[parts.length - 1];
        if (id !== SUBJECT_ALT_NAME || !value) continue;
        const inner = der.content(buf, value);
        for (const name of der.children(inner, der.read(inner))) {
          if (name.tag === 0x82) out.dnsNames.push(der.content(inner, name).toString('ascii'));
          if (name.tag === 0x87) out.ips.push(bytesToIp(der.content(inner, name)));
        }
      }
  }
  return out;
}

/** Go's CheckSignature error text, or undefined when the signature is good. */
function checkSignature(
  buf: Buffer,
  info: der.Node,
  algorithm: der.Node,
  signature: der.Node,
  key: KeyObject,
): string | undefined {
  const [algOid] = der.children(buf, algorithm);
  const alg = algOid ? SIGNATURE_ALGORITHMS[der.decodeOid(der.content(buf, algOid))] : undefined;
  if (!alg || alg[1] !== key.asymmetricKeyType)
    return 'x509: cannot verify signature: algorithm unimplemented';
  const bits = der.content(buf, signature).subarray(1);
  const ok = (() => {
    try {
      return verify(alg[0], der.whole(buf, info), key, bits);
    } catch {
      return false;
    }
  })();
  if (ok) return undefined;
  if (alg[1] === 'ec') return 'x509: ECDSA verification failure';
  if (alg[1] === 'ed25519') return 'x509: Ed25519 verification failure';
  return 'crypto/rsa: verification error';
}

// Usage names as the certificates API spells them → key usage bits or extended usage OIDs.
const KEY_USAGE_BITS: Record<string, number> = {
  signing: 0,
  'digital signature': 0,
  'content commitment': 1,
  'key encipherment': 2,
  'data encipherment': 3,
  'key agreement': 4,
  'cert sign': 5,
  'crl sign': 6,
  'encipher only': 7,
  'decipher only': 8,
};
const EXT_KEY_USAGE_OIDS: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

export interface SignRequestOptions {
  usages: string[];
  notBefore: Date;
  notAfter: Date;
}

/** A certificate (PEM) for the request's subject, key and names, signed by the CA. */
export function signCertificateRequest(
  ca: CertificateAuthority,
  req: CertificateRequest,
  o: SignRequestOptions,
): string {
  const bits = new Set<number>();
  const oids: string[] = [];
  for (const u of o.usages) {
    const bit = KEY_USAGE_BITS[u];
    if (bit !== undefined) bits.add(bit);
    const id = EXT_KEY_USAGE_OIDS[u];
    if (id && !oids.includes(id)) oids.push(id);
  }
  const certDer = buildCertificate({
    subject: { commonName: req.commonName ?? '' },
    rawSubject: req.subjectName,
    issuerName: ca.subjectName,
    authorityKeyId: ca.keyId,
    publicKey: req.publicKey,
    signingKey: ca.privateKey,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    isCa: false,
    keyUsageBits: [...bits].sort((a, b) => a - b),
    extKeyUsageOids: oids,
    altNames: { dnsNames: req.dnsNames, ips: req.ips },
  });
  return toPem('CERTIFICATE', certDer);
}
