// Client-certificate authentication: the subject's CN is the user, each O a group, as
// kube-apiserver's x509 authenticator maps them. The caller checks the chain (the TLS
// socket's `authorized`) before asking who the certificate names.
import type { PeerCertificate } from 'node:tls';
import { inspectCertificate } from './certificate.js';
import type { UserInfo } from './types.js';

type SubjectField = string | string[] | undefined;

const asList = (value: SubjectField): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * The user a client certificate names, or undefined when it names none (no certificate,
 * or an empty CN). Accepts Node's peer certificate object or the certificate's DER.
 */
export function userFromCertificate(cert: PeerCertificate | Uint8Array): UserInfo | undefined {
  if (cert instanceof Uint8Array) return fromDer(cert);
  // Prefer the raw DER: it keeps multi-valued and escaped attributes exact.
  if (cert.raw && cert.raw.length > 0) return fromDer(cert.raw);
  const subject = cert.subject as unknown as Record<string, SubjectField> | undefined;
  if (!subject) return undefined;
  const name = asList(subject.CN).at(-1);
  if (!name) return undefined;
  return { name, groups: asList(subject.O) };
}

function fromDer(der: Uint8Array): UserInfo | undefined {
  let info;
  try {
    info = inspectCertificate(der);
  } catch {
    return undefined;
  }
  if (!info.commonName) return undefined;
  return { name: info.commonName, groups: info.organizations };
}
