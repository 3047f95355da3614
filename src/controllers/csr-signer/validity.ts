// How long an issued certificate is valid, as kube's signer decides: the requested
// duration within [10 minutes, the signer's TTL], backdated five minutes against clock
// skew (long certificates lose those minutes at the end, short ones keep them), never
// past the CA's own expiry.

const MINUTE = 60_000;
export const BACKDATE_MS = 5 * MINUTE;
const SHORT_MS = 8 * 60 * MINUTE;
const MIN_MS = 10 * MINUTE;
/** kube-controller-manager's --cluster-signing-duration default: a year. */
export const DEFAULT_TTL_MS = 365 * 24 * 60 * MINUTE;

export function requestedDuration(expirationSeconds: number | undefined, ttlMs: number): number {
  if (expirationSeconds === undefined) return ttlMs;
  const ms = expirationSeconds * 1000;
  return ms > ttlMs ? ttlMs : ms < MIN_MS ? MIN_MS : ms;
}

export function validity(
  now: Date,
  ttlMs: number,
  caNotAfter: Date,
): { notBefore: Date; notAfter: Date } {
  const t = now.getTime();
  const notBefore = t - BACKDATE_MS;
  let notAfter = ttlMs <= SHORT_MS ? t + ttlMs : notBefore + ttlMs;
  if (notAfter >= caNotAfter.getTime()) notAfter = caNotAfter.getTime();
  if (t >= caNotAfter.getTime())
    throw new Error(`the signer has expired: NotAfter=${caNotAfter.toISOString()}`);
  return { notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
}
