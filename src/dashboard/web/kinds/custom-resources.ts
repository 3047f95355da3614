// A CustomResourceDefinition as the dashboard shows it: the resource its objects are served
// at (the storage version, else the first served one), whether it is established, and the
// cells of its `additionalPrinterColumns` (the simple `.a.b` JSONPaths kubectl's columns use).

import type { KObject } from '../api/reducer.js';
import type { Resource } from '../api/resources.js';

export interface PrinterColumn {
  name: string;
  jsonPath: string;
  type?: string;
}

interface Version {
  name: string;
  served?: boolean;
  storage?: boolean;
  additionalPrinterColumns?: PrinterColumn[];
}

const versionsOf = (crd: KObject): Version[] => (crd.spec?.versions ?? []) as Version[];

/** The version objects are read in: the storage version when served, else the first served. */
export function servedVersion(crd: KObject): Version | undefined {
  const served = versionsOf(crd).filter((v) => v.served !== false);
  return served.find((v) => v.storage) ?? served[0];
}

/** Where the definition's objects are listed and watched. */
export function customResource(crd: KObject): Resource | undefined {
  const v = servedVersion(crd);
  const plural = crd.spec?.names?.plural;
  if (!v || !plural) return undefined;
  return {
    group: String(crd.spec?.group ?? ''),
    version: v.name,
    plural: String(plural),
    kind: String(crd.spec?.names?.kind ?? ''),
    namespaced: crd.spec?.scope !== 'Cluster',
  };
}

export function isEstablished(crd: KObject): boolean {
  return ((crd.status?.conditions ?? []) as { type: string; status: string }[]).some(
    (c) => c.type === 'Established' && c.status === 'True',
  );
}

/** The printer columns of the served version, without the creation time (shown as Age). */
export function printerColumns(crd: KObject): PrinterColumn[] {
  return (servedVersion(crd)?.additionalPrinterColumns ?? []).filter(
    (c) => c.jsonPath !== '.metadata.creationTimestamp',
  );
}

/** A column's cell: the value at a `.a.b` path (`.a['b.c']` too), as text; '' when absent. */
export function columnCell(o: KObject, jsonPath: string): string {
  const parts: string[] = [];
  const re = /\.([^.[\]]+)|\[['"]([^'"]+)['"]\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(jsonPath))) parts.push((m[1] ?? m[2]) as string);
  let v: unknown = o;
  for (const p of parts) {
    if (v === null || typeof v !== 'object') return '';
    v = (v as Record<string, unknown>)[p];
  }
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
