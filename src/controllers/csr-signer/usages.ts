// Which requests each built-in signer accepts, as kube's signer checks them before signing.

import type { CertificateRequest } from '../../pki/index.js';

export const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';

/** The problem with a request for `signer`, or undefined when it may be signed. */
export type RequestCheck = (req: CertificateRequest, usages: string[]) => string | undefined;

/** validAPIServerClientUsages: client auth, optionally digital signature and key encipherment. */
const apiServerClient: RequestCheck = (_req, usages) => {
  for (const u of usages)
    if (u !== 'digital signature' && u !== 'key encipherment' && u !== 'client auth')
      return `invalid usage for client certificate: ${u}`;
  if (!usages.includes('client auth'))
    return 'missing required usage for client certificate: client auth';
  return undefined;
};

const sameSet = (usages: string[], ...allowed: string[][]): boolean => {
  const got = [...new Set(usages)].sort().join(',');
  return allowed.some((a) => [...a].sort().join(',') === got);
};

/** ValidateKubeletClientCSR: a node's client certificate and nothing else. */
const kubeletClient: RequestCheck = (req, usages) => {
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes')
    return 'subject organization is not system:nodes';
  if (req.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (req.ips.length) return 'IP subjectAltNames are not allowed';
  if (!req.commonName?.startsWith('system:node:'))
    return 'subject common name does not begin with system:node:';
  if (
    !sameSet(
      usages,
      ['digital signature', 'key encipherment', 'client auth'],
      ['digital signature', 'client auth'],
    )
  )
    return 'usages did not match [client auth digital signature key encipherment]';
  return undefined;
};

/** ValidateKubeletServingCSR: a node's serving certificate, for its names or addresses. */
const kubeletServing: RequestCheck = (req, usages) => {
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes')
    return 'subject organization is not system:nodes';
  if (!req.dnsNames.length && !req.ips.length) return 'DNS or IP subjectAltName is required';
  if (
    !sameSet(
      usages,
      ['digital signature', 'key encipherment', 'server auth'],
      ['digital signature', 'server auth'],
    )
  )
    return 'usages did not match [digital signature key encipherment server auth]';
  if (!req.commonName?.startsWith('system:node:'))
    return 'subject common name does not begin with system:node:';
  return undefined;
};

export const SIGNER_CHECKS: ReadonlyMap<string, RequestCheck> = new Map([
  [KUBE_APISERVER_CLIENT, apiServerClient],
  [KUBE_APISERVER_CLIENT_KUBELET, kubeletClient],
  [KUBELET_SERVING, kubeletServing],
]);
