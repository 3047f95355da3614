// Skiff's PKI: the cluster CA and certificates on disk, client-certificate and bearer-token
// identities, and service-account tokens.
export {
  ADMIN_GROUP,
  ADMIN_USER,
  DEFAULT_SERVICE_IP,
  KUBELET_CLIENT_GROUP,
  KUBELET_CLIENT_USER,
  PKI_FILES,
  apiserverAltNames,
  ensureClusterPki,
  type ClusterPki,
  type ClusterPkiOptions,
  type ServiceAccountKeys,
} from './cluster.js';
export {
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  loadCertificateAuthority,
  type CertKeyPair,
  type CertificateAuthority,
  type ClientCertificateOptions,
  type ServingCertificateOptions,
} from './ca.js';
export type { AltNames } from './certificate.js';
export { userFromCertificate } from './identity.js';
export { parseTokenAuthFile, type TokenLookup } from './token-file.js';
export {
  DEFAULT_ISSUER,
  serviceAccountUserName,
  signServiceAccountToken,
  readServiceAccountToken,
  verifyServiceAccountToken,
  type ObjectRef,
  type ServiceAccountTokenClaims,
  type ServiceAccountTokenRequest,
  type VerifyOptions,
} from './service-account-token.js';
export type { KeyInput } from './jwt.js';
export type { UserInfo } from './types.js';
export {
  LEGACY_ISSUER,
  readLegacyServiceAccountToken,
  signLegacyServiceAccountToken,
  type LegacyTokenClaims,
  type LegacyTokenSubject,
} from './legacy-token.js';
export {
  parseCertificateRequest,
  signCertificateRequest,
  type CertificateRequest,
  type SignRequestOptions,
} from './certificate-request.js';
