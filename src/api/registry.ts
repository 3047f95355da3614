// The resource table: every kind Skiff serves, in one list. Routing, discovery, storage
// keys, short names and printing are all driven from here; adding a kind means adding
// one module under kinds/ and one entry to its list.

import type { FieldError, KubeObject, ResourceDef } from './types.js';
import { workloadResources, workloadSubresourceHooks } from './kinds/workloads.js';
import { otherResources, subresourceStrategies } from './kinds/others.js';
import { reviewResources } from './kinds/reviews.js';

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

export const builtinResources: readonly ResourceDef[] = [
  ...workloadResources,
  ...otherResources,
  ...reviewResources,
];

export const defaultResourceTable = (): ResourceTable => createResourceTable(builtinResources);

/** How a write through a subresource (status, finalize) is prepared and validated. */
export interface SubresourceStrategy {
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
}

/** The strategy for writes to `def`'s subresource, if the kind defines one. */
export function subresourceStrategy(
  def: ResourceDef,
  subresource: string,
): SubresourceStrategy | undefined {
  const own = subresourceStrategies[`${def.group}/${def.plural}/${subresource}`];
  if (own) return own;
  const w =
    def.group === '' || def.group === 'apps' ? workloadSubresourceHooks[def.plural] : undefined;
  if (w && subresource === 'status')
    return { prepareForUpdate: w.prepareForStatusUpdate, validateUpdate: w.validateStatusUpdate };
  return undefined;
}
