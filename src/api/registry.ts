// The resource table over every kind Skiff serves (listed in kinds/index.ts). Routing,
// discovery, storage keys, short names and printing are all driven from here.

import type { ResourceDef, SubresourceStrategy } from './types.js';
import { builtinResources } from './kinds/index.js';

export { builtinResources };
export type { SubresourceStrategy };

export interface ResourceTable {
  all: readonly ResourceDef[];
  /** By `group/version/plural` (core group is ''). */
  lookup(group: string, version: string, plural: string): ResourceDef | undefined;
  /** The preferred (first) version of a group/plural, ignoring version. */
  byGroupResource(group: string, plural: string): ResourceDef | undefined;
  /** The groups with their versions, in discovery order (core excluded). */
  groups(): { name: string; versions: string[] }[];
  /** Definitions of one group/version in table order. */
  inGroupVersion(group: string, version: string): ResourceDef[];
}

export function createResourceTable(defs: readonly ResourceDef[]): ResourceTable {
  const byKey = new Map<string, ResourceDef>();
  const byGR = new Map<string, ResourceDef>();
  for (const d of defs) {
    const k = `${d.group}/${d.version}/${d.plural}`;
    if (byKey.has(k)) throw new Error(`resource ${k} is defined twice`);
    byKey.set(k, d);
    if (!byGR.has(`${d.group}/${d.plural}`)) byGR.set(`${d.group}/${d.plural}`, d);
  }
  return {
    all: defs,
    lookup: (g, v, p) => byKey.get(`${g}/${v}/${p}`),
    byGroupResource: (g, p) => byGR.get(`${g}/${p}`),
    groups() {
      const out: { name: string; versions: string[] }[] = [];
      for (const d of defs) {
        if (d.group === '') continue;
        let g = out.find((x) => x.name === d.group);
        if (!g) out.push((g = { name: d.group, versions: [] }));
        if (!g.versions.includes(d.version)) g.versions.push(d.version);
      }
      return out;
    },
    inGroupVersion: (g, v) => defs.filter((d) => d.group === g && d.version === v),
  };
}

export const defaultResourceTable = (): ResourceTable => createResourceTable(builtinResources);

/** The strategy for writes to `def`'s status or finalize subresource, if the kind has one. */
export function subresourceStrategy(
  def: ResourceDef,
  subresource: string,
): SubresourceStrategy | undefined {
  if (subresource === 'status') return def.statusStrategy;
  if (subresource === 'finalize') return def.finalizeStrategy;
  if (subresource === 'approval') return def.approvalStrategy;
  return undefined;
}
