// What a namespace's detail page shows of its resource quotas and limit ranges, in the
// rows `kubectl describe namespace` prints: a quota's resources with used and hard amounts,
// and a limit range's constraints per type and resource ("-" where one is not set).

import type { KObject } from '../api/reducer.js';

export interface QuotaRow {
  quota: string;
  resource: string;
  /** Empty until the quota controller has counted. */
  used: string;
  hard: string;
}

export interface LimitRow {
  limitRange: string;
  type: string;
  resource: string;
  min: string;
  max: string;
  defaultRequest: string;
  defaultLimit: string;
  maxLimitRequestRatio: string;
}

const byName = (a: KObject, b: KObject): number =>
  a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;

type Amounts = Record<string, string> | undefined;

/** One row per quota and resource, resources in name order as kubectl sorts them. */
export function quotaRows(quotas: KObject[]): QuotaRow[] {
  const rows: QuotaRow[] = [];
  for (const q of [...quotas].sort(byName)) {
    const hard = (q.spec?.hard ?? {}) as Record<string, string>;
    const used = q.status?.used as Amounts;
    for (const resource of Object.keys(hard).sort())
      rows.push({
        quota: q.metadata.name,
        resource,
        used: used ? (used[resource] ?? '0') : '',
        hard: hard[resource] ?? '',
      });
  }
  return rows;
}

/** One row per limit range, item and resource named in any of the item's constraints. */
export function limitRows(limitRanges: KObject[]): LimitRow[] {
  const rows: LimitRow[] = [];
  for (const lr of [...limitRanges].sort(byName)) {
    for (const item of (lr.spec?.limits ?? []) as Record<string, any>[]) {
      const field = (k: string): Record<string, string> =>
        (item[k] ?? {}) as Record<string, string>;
      const names = new Set<string>();
      for (const k of ['min', 'max', 'default', 'defaultRequest', 'maxLimitRequestRatio'])
        for (const n of Object.keys(field(k))) names.add(n);
      for (const resource of [...names].sort())
        rows.push({
          limitRange: lr.metadata.name,
          type: String(item['type'] ?? ''),
          resource,
          min: field('min')[resource] ?? '-',
          max: field('max')[resource] ?? '-',
          defaultRequest: field('defaultRequest')[resource] ?? '-',
          defaultLimit: field('default')[resource] ?? '-',
          maxLimitRequestRatio: field('maxLimitRequestRatio')[resource] ?? '-',
        });
    }
  }
  return rows;
}
