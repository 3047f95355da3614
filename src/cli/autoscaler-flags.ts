// `skiff up --horizontal-pod-autoscaler-sync-period DURATION`: how often the horizontal pod
// autoscaler reconciles each HPA (kube-controller-manager's flag of that name, 15s by
// default), as a Go duration (`15s`, `1m30s`, `500ms`).

import { stringFlag, UsageError, type ParsedArgs } from './args.js';

export const SYNC_PERIOD_FLAG = 'horizontal-pod-autoscaler-sync-period';

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** time.ParseDuration for whole units of h, m, s and ms (a sync period needs no finer). */
export function parseDuration(text: string): number | undefined {
  if (!/^([0-9]+(\.[0-9]+)?(h|ms|m|s))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n = '0', unit = 's'] of text.matchAll(/([0-9.]+)(h|ms|m|s)/g))
    ms += Number(n) * (UNIT_MS[unit] ?? 0);
  return ms;
}

/** The sync period asked for, in milliseconds, or undefined for the default. */
export function autoscalerSyncPeriod(args: ParsedArgs): number | undefined {
  const v = stringFlag(args, SYNC_PERIOD_FLAG);
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`flag --${SYNC_PERIOD_FLAG}: invalid duration "${v}" (e.g. 15s, 1m)`);
  return ms;
}

/** The flag again, for the detached child. */
export function autoscalerChildArgs(args: ParsedArgs): string[] {
  const v = stringFlag(args, SYNC_PERIOD_FLAG);
  return v === undefined ? [] : [`--${SYNC_PERIOD_FLAG}`, v];
}
