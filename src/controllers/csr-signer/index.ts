// The CSR signing controller (kube-controller-manager's csrsigning): an approved request for
// one of the signers Skiff runs — kubernetes.io/kube-apiserver-client,
// kubernetes.io/kube-apiserver-client-kubelet and kubernetes.io/kubelet-serving — gets a certificate from the cluster CA in
// `status.certificate`; one the signer will not sign gets a Failed condition
// (SignerValidationFailure). kubernetes.io/legacy-unknown and other signers are left alone.

import type { KubeObject } from '../../api/types.js';
import {
  createWorkQueue,
  isConflict,
  isNotFound,
  keyOf,
  type ResourceRef,
} from '../../client/index.js';
import {
  parseCertificateRequest,
  signCertificateRequest,
  type CertificateAuthority,
} from '../../pki/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { SIGNER_CHECKS } from './usages.js';
import { DEFAULT_TTL_MS, requestedDuration, validity } from './validity.js';

export const certificateSigningRequests: ResourceRef = {
  group: 'certificates.k8s.io',
  version: 'v1',
  plural: 'certificatesigningrequests',
  namespaced: false,
};

export interface CsrSignerOptions {
  ca: CertificateAuthority;
  /** The longest certificate issued (kube's --cluster-signing-duration); default a year. */
  ttlMs?: number;
}

interface Csr extends KubeObject {
  spec?: { request?: string; signerName?: string; usages?: string[]; expirationSeconds?: number };
  status?: { certificate?: string; conditions?: { type?: string; status?: string }[] };
}

const hasTrue = (csr: Csr, type: string): boolean =>
  (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

export function csrSigningController(o: CsrSignerOptions): Controller {
  const ttl = o.ttlMs ?? DEFAULT_TTL_MS;
  const caNotAfter = new Date(o.ca.certificate.validTo);
  return {
    name: 'csrsigning-controller',
    start(ctx: ControllerContext) {
      const csrs = ctx.informers.for<Csr>(certificateSigningRequests);
      const queue = createWorkQueue({ baseDelayMs: 200 });
      csrs.on({ add: (c) => queue.add(keyOf(c)), update: (_o, c) => queue.add(keyOf(c)) });

      const sync = async (name: string): Promise<void> => {
        const csr = csrs.get('', name);
        if (!csr || !hasTrue(csr, 'Approved') || hasTrue(csr, 'Failed')) return;
        if (csr.status?.certificate) return;
        const check = SIGNER_CHECKS.get(csr.spec?.signerName ?? '');
        if (!check) return;
        const req = parseCertificateRequest(Buffer.from(csr.spec?.request ?? '', 'base64'));
        const usages = csr.spec?.usages ?? [];
        const problem = check(req, usages);
        const next = structuredClone(csr);
        next.status ??= {};
        if (problem) {
          const now = new Date(ctx.clock.now().getTime()).toISOString().replace(/\.\d+Z$/, 'Z');
          next.status.conditions = [
            ...(next.status.conditions ?? []),
            {
              type: 'Failed',
              status: 'True',
              reason: 'SignerValidationFailure',
              message: problem,
              lastUpdateTime: now,
            } as { type: string; status: string },
          ];
        } else {
          const duration = requestedDuration(csr.spec?.expirationSeconds, ttl);
          const pem = signCertificateRequest(o.ca, req, {
            usages,
            ...validity(ctx.clock.now(), duration, caNotAfter),
          });
          next.status.certificate = Buffer.from(pem).toString('base64');
        }
        try {
          await ctx.client.update(certificateSigningRequests, next, 'status');
        } catch (e) {
          // A newer version comes through the informer; a deleted one needs nothing.
          if (!isConflict(e) && !isNotFound(e)) throw e;
        }
      };
      void queue.run(1, sync, ctx.signal, (key, err) =>
        ctx.logger.warn('csr signing failed', { csr: key, err }),
      );
    },
  };
}
