// The certificates admission plugins of kube-apiserver:
// - CertificateApproval: writing `approval` needs `approve` on `signers` (certificates.k8s.io)
//   named after the request's signer, or its `domain/*`;
// - CertificateSigning: changing `status.certificate` needs `sign` on the same;
// - CertificateSubjectRestriction: no `system:masters` certificate through the
//   kube-apiserver-client signer.

import { forbidden } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { parseCertificateRequest } from '../../pki/index.js';
import type { AuthorizerChain } from '../auth/authz.js';
import type { UserInfo } from '../auth/types.js';
import type { AdmissionAttributes, ValidatingAdmission } from './context.js';

const GROUP = 'certificates.k8s.io';
const CSR = { group: GROUP, resource: 'certificatesigningrequests' };
const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';

const signerOf = (o: KubeObject): string =>
  String((o['spec'] as { signerName?: unknown } | undefined)?.signerName ?? '');
const certificateOf = (o: KubeObject | undefined): string =>
  String((o?.['status'] as { certificate?: unknown } | undefined)?.certificate ?? '');

/** IsAuthorizedForSignerName: the signer by name, then its domain's wildcard. */
export function mayActOnSigner(
  authz: AuthorizerChain,
  user: UserInfo,
  verb: 'approve' | 'sign',
  signer: string,
): boolean {
  const ask = (name: string): boolean =>
    authz.authorize({
      user,
      verb,
      isResourceRequest: true,
      path: '',
      namespace: '',
      group: GROUP,
      resource: 'signers',
      subresource: '',
      name,
    }).decision === 'allow';
  return ask(signer) || ask(`${signer.split('/')[0] ?? ''}/*`);
}

export function certificateAdmission(authz: AuthorizerChain): ValidatingAdmission {
  return (a: AdmissionAttributes) => {
    if (a.def.group !== GROUP || a.def.plural !== CSR.resource) return;
    const name = a.object.metadata.name ?? '';
    const signer = signerOf(a.object);
    if (!a.old) {
      if (signer !== KUBE_APISERVER_CLIENT) return;
      let groups: string[] = [];
      try {
        const request = (a.object['spec'] as { request?: string }).request ?? '';
        groups = parseCertificateRequest(Buffer.from(request, 'base64')).organizations;
      } catch {
        return; // validation has already refused a request that does not parse
      }
      if (groups.includes('system:masters'))
        throw forbidden(
          CSR,
          name,
          `use of ${KUBE_APISERVER_CLIENT} signer with system:masters group is not allowed`,
        );
      return;
    }
    if (a.subresource === 'approval' && !mayActOnSigner(authz, a.user, 'approve', signer))
      throw forbidden(
        CSR,
        name,
        `user not permitted to approve requests with signerName "${signer}"`,
      );
    if (
      a.subresource === 'status' &&
      certificateOf(a.object) !== certificateOf(a.old) &&
      !mayActOnSigner(authz, a.user, 'sign', signer)
    )
      throw forbidden(CSR, name, `user not permitted to sign requests with signerName "${signer}"`);
  };
}
