// Discovery documents: legacy (/api, /apis, /api/v1, /apis/g/v) and aggregated
// (apidiscovery.k8s.io v2 and v2beta1), all derived from the resource table.

import type { ResourceTable } from '../api/registry.js';
import type { ResourceDef } from '../api/types.js';

/** Groups that must appear first, as kube-apiserver orders them (kubectl prefers earlier groups). */
const GROUP_ORDER = [
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'networking.k8s.io',
];

/**
 * Groups that must come last: kube-apiserver 1.20+ lists extensions (only the deprecated
 * Ingress is left there) after every other group, so `kubectl get ingress` means v1.
 */
const LAST_GROUPS = ['extensions'];

function orderedGroups(table: ResourceTable): { name: string; versions: string[] }[] {
  const gs = table.groups();
  const rank = (n: string): number => {
    if (LAST_GROUPS.includes(n)) return GROUP_ORDER.length + 1 + LAST_GROUPS.indexOf(n);
    const i = GROUP_ORDER.indexOf(n);
    return i < 0 ? GROUP_ORDER.length : i;
  };
  return gs.sort((a, b) => rank(a.name) - rank(b.name));
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(table: ResourceTable): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: orderedGroups(table).map((g) => apiGroup(g.name, g.versions)),
  };
}

export function apiGroup(name: string, versions: string[]): object {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupFor(table: ResourceTable, name: string): object | undefined {
  const g = table.groups().find((x) => x.name === name);
  return g ? apiGroup(g.name, g.versions) : undefined;
}

function subresourceKind(
  def: ResourceDef,
  sub: string,
): { group: string; version: string; kind: string } {
  const s = def.subresources?.find((x) => x.name === sub);
  if (s?.kind) return s.kind;
  return { group: def.group, version: def.version, kind: def.kind };
}

export function apiResourceList(
  table: ResourceTable,
  group: string,
  version: string,
): object | undefined {
  const defs = table.inGroupVersion(group, version);
  if (!defs.length) return undefined;
  const resources: object[] = [];
  for (const d of defs) {
    resources.push({
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.verbs,
      ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
      ...(d.categories?.length ? { categories: d.categories } : {}),
      ...(d.virtual ? {} : { storageVersionHash: storageVersionHash(table, d) }),
    });
    for (const s of d.subresources ?? []) {
      const k = subresourceKind(d, s.name);
      resources.push({
        name: `${d.plural}/${s.name}`,
        singularName: '',
        namespaced: d.namespaced,
        ...(k.group !== d.group || k.version !== d.version
          ? { group: k.group, version: k.version }
          : {}),
        kind: k.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

function aggregatedResource(d: ResourceDef): object {
  return {
    resource: d.plural,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: d.verbs,
    ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
    ...(d.categories?.length ? { categories: d.categories } : {}),
    ...(d.subresources?.length
      ? {
          subresources: d.subresources.map((s) => ({
            subresource: s.name,
            responseKind: subresourceKind(d, s.name),
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

export type AggregatedVersion = 'v2' | 'v2beta1';

export function aggregatedDiscovery(
  table: ResourceTable,
  core: boolean,
  v: AggregatedVersion,
): object {
  const groups = core ? [{ name: '', versions: ['v1'] }] : orderedGroups(table);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${v}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((ver) => ({
        version: ver,
        resources: table.inGroupVersion(g.name, ver).map(aggregatedResource),
        freshness: 'Current',
      })),
    })),
  };
}

export const aggregatedContentType = (v: AggregatedVersion): string =>
  `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;

/** Which aggregated discovery version the Accept header asks for first, if any. */
export function wantsAggregated(accept: string): AggregatedVersion | undefined {
  for (const part of accept.split(',')) {
    const p = part.replace(/\s+/g, '');
    if (!p.includes('as=APIGroupDiscoveryList') || !p.includes('g=apidiscovery.k8s.io')) continue;
    if (p.includes('v=v2beta1')) return 'v2beta1';
    if (p.includes('v=v2')) return 'v2';
  }
  return undefined;
}

/** The same for every version of a resource: it names the version objects are stored in. */
function storageVersionHash(table: ResourceTable, d: ResourceDef): string {
  const stored = d.storageOf ? table.byGroupResource(d.storageOf.group, d.storageOf.plural) : d;
  const s = stored ?? d;
  return hash8(`${s.group}/${s.version}/${s.kind}`);
}

function hash8(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return Buffer.from(
    h.toString(16).padStart(8, '0') + s.length.toString(16).padStart(4, '0'),
    'hex',
  ).toString('base64');
}
