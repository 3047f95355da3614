// Building and inspecting X.509 v3 certificates (RFC 5280) with node:crypto doing the signing.
// Inspection covers only what Skiff decides on: names, key identifiers, SANs, CA flag.
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import * as der from './der.js';
import { bytesToIp, ipToBytes } from './ip.js';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
} as const;

export interface DistinguishedName {
  commonName: string;
  organizations?: string[];
}

export interface AltNames {
  dnsNames: string[];
  ips: string[];
}

export type ExtKeyUsage = 'serverAuth' | 'clientAuth';

export interface CertificateTemplate {
  subject: DistinguishedName;
  /** A subject already encoded (copied from a certificate request); wins over `subject`. */
  rawSubject?: Buffer;
  /** The issuer's Name exactly as encoded in its certificate; absent for a self-signed one. */
  issuerName?: Buffer;
  /** The issuer's key identifier, copied into the authority key identifier. */
  authorityKeyId?: Buffer;
  publicKey: KeyObject;
  signingKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  extKeyUsage?: ExtKeyUsage[];
  /** Key usage bits by RFC 5280 position (0 digitalSignature … 8 decipherOnly); [] = none. */
  keyUsageBits?: number[];
  /** Extended key usages by OID, beside (after) `extKeyUsage`. */
  extKeyUsageOids?: string[];
  altNames?: AltNames;
}

/** Subject then O before CN, one attribute per RDN, as Go's pkix.Name does. */
export function encodeName(name: DistinguishedName): Buffer {
  const rdn = (type: string, value: string): Buffer =>
    der.set(der.seq(der.oid(type), der.utf8(value)));
  return der.seq(
    ...(name.organizations ?? []).map((o) => rdn(OID.organization, o)),
    rdn(OID.commonName, name.commonName),
  );
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const [, bits] = der.children(spki, der.read(spki));
  if (!bits) throw new Error('malformed public key');
  return createHash('sha1')
    .update(spki.subarray(bits.contentStart + 1, bits.end))
    .digest();
}

function signatureAlgorithm(key: KeyObject): Buffer {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return der.seq(der.oid(OID.ecdsaWithSha256));
    case 'rsa':
      return der.seq(der.oid(OID.sha256WithRsa), der.nullValue());
    default:
      throw new Error(`cannot sign certificates with a ${String(key.asymmetricKeyType)} key`);
  }
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return der.seq(der.oid(id), ...(critical ? [der.bool(true)] : []), der.octets(value));
}

/** A KeyUsage BIT STRING from bit positions, without trailing zero bits (DER). */
function keyUsageFromBits(bits: number[]): Buffer {
  const bytes = Buffer.alloc(2);
  for (const b of bits) bytes[b >> 3] = (bytes[b >> 3] ?? 0) | (0x80 >> (b & 7));
  const length = bytes[1] ? 2 : 1;
  const last = bytes[length - 1] ?? 0;
  let unused = 0;
  while (unused < 8 && !(last & (1 << unused))) unused++;
  return der.bitString(bytes.subarray(0, length), unused === 8 ? 0 : unused);
}

function keyUsage(isCa: boolean): Buffer {
  // Bits: digitalSignature(0) keyCertSign(5) cRLSign(6); DER drops trailing zero bits.
  return isCa ? der.bitString(Buffer.from([0x86]), 1) : der.bitString(Buffer.from([0x80]), 7);
}

function encodeAltNames(names: AltNames): Buffer {
  return der.seq(
    ...names.dnsNames.map((d) => der.context(2, Buffer.from(d, 'ascii'), false)),
    ...names.ips.map((ip) => der.context(7, ipToBytes(ip), false)),
  );
}

function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01; // positive, full length
  return bytes;
}

/** Signs a certificate; returns its DER. */
export function buildCertificate(t: CertificateTemplate): Buffer {
  const subject = t.rawSubject ?? encodeName(t.subject);
  const algorithm = signatureAlgorithm(t.signingKey);
  const extUsages = [...(t.extKeyUsage ?? []).map((u) => OID[u]), ...(t.extKeyUsageOids ?? [])];
  const usageBits = t.keyUsageBits;
  const extensions = [
    ...(usageBits === undefined
      ? [extension(OID.keyUsage, true, keyUsage(t.isCa))]
      : usageBits.length
        ? [extension(OID.keyUsage, true, keyUsageFromBits(usageBits))]
        : []),
    ...(extUsages.length
      ? [extension(OID.extKeyUsage, false, der.seq(...extUsages.map((u) => der.oid(u))))]
      : []),
    extension(OID.basicConstraints, true, t.isCa ? der.seq(der.bool(true)) : der.seq()),
    extension(OID.subjectKeyId, false, der.octets(keyIdentifier(t.publicKey))),
    ...(t.authorityKeyId
      ? [extension(OID.authorityKeyId, false, der.seq(der.context(0, t.authorityKeyId, false)))]
      : []),
    ...(t.altNames && (t.altNames.dnsNames.length || t.altNames.ips.length)
      ? [extension(OID.subjectAltName, false, encodeAltNames(t.altNames))]
      : []),
  ];
  const tbs = der.seq(
    der.context(0, der.smallInt(2), true), // v3
    der.uint(serialNumber()),
    algorithm,
    t.issuerName ?? subject,
    der.seq(der.time(t.notBefore), der.time(t.notAfter)),
    subject,
    t.publicKey.export({ type: 'spki', format: 'der' }),
    der.context(3, der.seq(...extensions), true),
  );
  const signature = sign('sha256', tbs, t.signingKey);
  return der.seq(tbs, algorithm, der.bitString(signature));
}

export interface CertificateInfo {
  subjectName: Buffer;
  commonName?: string;
  organizations: string[];
  subjectKeyId?: Buffer;
  isCa: boolean;
  altNames: AltNames;
}

/** Reads the fields Skiff cares about from a certificate's DER. */
export function inspectCertificate(cert: Uint8Array): CertificateInfo {
  const [tbsNode] = der.children(cert, der.read(cert));
  if (!tbsNode) throw new Error('malformed certificate');
  const fields = der.children(cert, tbsNode);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // optional explicit version
  const subjectNode = fields[offset + 4];
  if (!subjectNode) throw new Error('malformed certificate');
  const info: CertificateInfo = {
    subjectName: der.whole(cert, subjectNode),
    organizations: [],
    isCa: false,
    altNames: { dnsNames: [], ips: [] },
  };
  for (const rdn of der.children(cert, subjectNode)) {
    for (const attr of der.children(cert, rdn)) {
      const [type, value] = der.children(cert, attr);
      if (!type || !value) continue;
      const id = der.decodeOid(der.content(cert, type));
      // Go keeps the last CommonName it meets; every O value is a group.
      if (id === OID.commonName) info.commonName = der.decodeString(cert, value);
      if (id === OID.organization) info.organizations.push(der.decodeString(cert, value));
    }
  }
  const extensionsWrapper = fields.find((f) => f.tag === 0xa3);
  const [extensionList] = extensionsWrapper ? der.children(cert, extensionsWrapper) : [];
  for (const ext of extensionList ? der.children(cert, extensionList) : []) {
    const parts = der.children(cert, ext);
    const id = der.decodeOid(der.content(cert, parts[0] ?? ext));
    const valueNode = parts[parts.length - 1];
    if (!valueNode) continue;
    const value = der.content(cert, valueNode);
    const inner = der.read(value);
    if (id === OID.subjectKeyId) info.subjectKeyId = der.content(value, inner);
    if (id === OID.basicConstraints) {
      const [flag] = der.children(value, inner);
      info.isCa = flag?.tag === der.TAG.boolean && value[flag.contentStart] !== 0;
    }
    if (id === OID.subjectAltName) {
      for (const name of der.children(value, inner)) {
        if (name.tag === 0x82)
          info.altNames.dnsNames.push(der.content(value, name).toString('ascii'));
        if (name.tag === 0x87) info.altNames.ips.push(bytesToIp(der.content(value, name)));
      }
    }
  }
  return info;
}
