// The CSR cleaner (kube-controller-manager's csrcleaner): every hour, requests that are
// approved, denied or failed for more than an hour, pending for more than a day, or whose
// issued certificate has expired are deleted.

import { X509Certificate } from 'node:crypto';
import type { KubeObject } from '../../api/types.js';
import { isNotFound } from '../../client/index.js';
import { certificateSigningRequests } from '../csr-signer/index.js';
import type { Controller, ControllerContext } from '../types.js';

const HOUR = 3600_000;
const PENDING_MS = 24 * HOUR;
const DECIDED_MS = HOUR;
export const CLEAN_INTERVAL_MS = HOUR;

interface Condition {
  type?: string;
  lastUpdateTime?: string;
}

/** Why `csr` is to be deleted at `now`, or undefined to keep it. */
export function staleReason(csr: KubeObject, now: Date): string | undefined {
  const status = (csr['status'] ?? {}) as { certificate?: string; conditions?: Condition[] };
  const t = now.getTime();
  for (const c of status.conditions ?? []) {
    if (c.type !== 'Approved' && c.type !== 'Denied' && c.type !== 'Failed') continue;
    const at = Date.parse(c.lastUpdateTime ?? '');
    if (!Number.isNaN(at) && t - at > DECIDED_MS) return `${c.type.toLowerCase()} over an hour ago`;
  }
  const decided = (status.conditions ?? []).some((c) =>
    ['Approved', 'Denied', 'Failed'].includes(c.type ?? ''),
  );
  const created = Date.parse(csr.metadata.creationTimestamp ?? '');
  if (!decided && !Number.isNaN(created) && t - created > PENDING_MS) return 'pending over a day';
  if (status.certificate) {
    try {
      const cert = new X509Certificate(Buffer.from(status.certificate, 'base64'));
      if (Date.parse(cert.validTo) < t) return 'its certificate has expired';
    } catch {
      // Not a certificate we can read: left for the other rules.
    }
  }
  return undefined;
}

export const csrCleaner: Controller = {
  name: 'csrcleaner',
  start(ctx: ControllerContext) {
    const csrs = ctx.informers.for(certificateSigningRequests);
    const clean = async (): Promise<void> => {
      for (const csr of csrs.list()) {
        const why = staleReason(csr, ctx.clock.now());
        if (!why) continue;
        try {
          await ctx.client.delete(certificateSigningRequests, '', csr.metadata.name ?? '', {
            ...(csr.metadata.uid ? { preconditions: { uid: csr.metadata.uid } } : {}),
          });
          ctx.logger.info('deleted a stale certificate signing request', {
            csr: csr.metadata.name,
            why,
          });
        } catch (e) {
          if (!isNotFound(e))
            ctx.logger.warn('csr cleanup failed', { csr: csr.metadata.name, err: e });
        }
      }
    };
    void csrs.synced().then(clean);
    const timer = setInterval(() => void clean(), CLEAN_INTERVAL_MS);
    timer.unref();
    ctx.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  },
};
