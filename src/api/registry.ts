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

/**
 * A table whose rows can change while the server runs: the fixed definitions, then sets of
 * definitions added and removed by owner (a CustomResourceDefinition's name). Every read
 * sees the rows as of the last change; a change swaps the whole table at once.
 */
export interface DynamicResourceTable extends ResourceTable {
  /** Replaces the definitions `owner` contributes (none removes them). */
  set(owner: string, defs: readonly ResourceDef[]): void;
}

export function createDynamicResourceTable(fixed: readonly ResourceDef[]): DynamicResourceTable {
  const owned = new Map<string, readonly ResourceDef[]>();
  let current = createResourceTable(fixed);
  return {
    get all() {
      return current.all;
    },
    lookup: (g, v, p) => current.lookup(g, v, p),
    byGroupResource: (g, p) => current.byGroupResource(g, p),
    groups: () => current.groups(),
    inGroupVersion: (g, v) => current.inGroupVersion(g, v),
    set(owner, defs) {
      if (defs.length) owned.set(owner, defs);
      else owned.delete(owner);
      const extra: ResourceDef[] = [];
      for (const d of owned.values()) extra.push(...d);
      // A row that would clash with one already served is left out, never thrown on.
      const keys = new Set(fixed.map((d) => `${d.group}/${d.version}/${d.plural}`));
      const rows = [...fixed];
      for (const d of extra) {
        const k = `${d.group}/${d.version}/${d.plural}`;
        if (keys.has(k)) continue;
        keys.add(k);
        rows.push(d);
      }
      current = createResourceTable(rows);
    },
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
