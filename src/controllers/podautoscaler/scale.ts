// The scale target: its group and kind mapped to resources through discovery (as the
// controller's REST mapper does; every served version of the group is a candidate, the
// preferred first), then read and written through the `scale` subresource.

import type { Client } from '../../client/index.js';
import type { Scale } from './types.js';

export interface ScaleMapping {
  group: string;
  version: string;
  plural: string;
}

interface DiscoveryGroup {
  name?: string;
  versions?: { groupVersion?: string; version?: string }[];
  preferredVersion?: { version?: string };
}

interface DiscoveryResources {
  resources?: { name?: string; kind?: string; namespaced?: boolean }[];
}

/** schema.ParseGroupVersion: `apps/v1` → apps, `v1` → the core group, `` → empty. */
export function parseGroupVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0] ?? '', version: parts[1] ?? '' };
  throw new Error(`unexpected GroupVersion string: ${apiVersion}`);
}

const resourcePrefix = (group: string, version: string): string =>
  group ? `/apis/${group}/${version}` : `/api/${version}`;

/** The group's served versions, the preferred one first. */
async function versionsOf(client: Client, group: string): Promise<string[]> {
  if (!group) return ['v1'];
  try {
    const g = (await client.raw('GET', `/apis/${group}`)) as DiscoveryGroup;
    const preferred = g.preferredVersion?.version;
    const all = (g.versions ?? []).map((v) => v.version ?? '').filter(Boolean);
    return preferred ? [preferred, ...all.filter((v) => v !== preferred)] : all;
  } catch {
    return [];
  }
}

/**
 * How long a kind's mappings are reused: discovery changes only when the server's kinds do,
 * and kube's controller reads it through a cached RESTMapper, not twice per autoscaler and sync.
 */
const MAPPING_TTL_MS = 60_000;
const mappingCache = new WeakMap<Client, Map<string, { at: number; mappings: ScaleMapping[] }>>();

/** RESTMapper.RESTMappings(groupKind), through discovery (cached a minute per client). */
export async function scaleMappings(
  client: Client,
  group: string,
  kind: string,
): Promise<ScaleMapping[]> {
  let cached = mappingCache.get(client);
  if (!cached) mappingCache.set(client, (cached = new Map()));
  const key = `${group}/${kind}`;
  const hit = cached.get(key);
  if (hit && Date.now() - hit.at < MAPPING_TTL_MS) return hit.mappings;
  const mappings = await discoverMappings(client, group, kind);
  cached.set(key, { at: Date.now(), mappings });
  return mappings;
}

async function discoverMappings(
  client: Client,
  group: string,
  kind: string,
): Promise<ScaleMapping[]> {
  const out: ScaleMapping[] = [];
  for (const version of await versionsOf(client, group)) {
    let list: DiscoveryResources;
    try {
      list = (await client.raw('GET', resourcePrefix(group, version))) as DiscoveryResources;
    } catch {
      continue;
    }
    for (const r of list.resources ?? [])
      if (r.kind === kind && r.name && !r.name.includes('/'))
        out.push({ group, version, plural: r.name });
  }
  if (out.length === 0) throw new Error(`no matches for kind "${kind}" in group "${group}"`);
  return out;
}

const scalePath = (m: ScaleMapping, namespace: string, name: string): string =>
  `${resourcePrefix(m.group, m.version)}/namespaces/${encodeURIComponent(namespace)}/${m.plural}/${encodeURIComponent(name)}/scale`;

/** scaleForResourceMappings: the first mapping whose scale answers; else the first error. */
export async function getScale(
  client: Client,
  mappings: ScaleMapping[],
  namespace: string,
  name: string,
): Promise<{ scale: Scale; mapping: ScaleMapping }> {
  let first: unknown;
  for (const mapping of mappings) {
    try {
      const scale = (await client.raw('GET', scalePath(mapping, namespace, name))) as Scale;
      return { scale, mapping };
    } catch (e) {
      first ??= e;
    }
  }
  throw first ?? new Error('unrecognized resource');
}

export async function updateScale(
  client: Client,
  mapping: ScaleMapping,
  namespace: string,
  name: string,
  scale: Scale,
  replicas: number,
): Promise<void> {
  await client.raw('PUT', scalePath(mapping, namespace, name), {
    ...scale,
    spec: { ...scale.spec, replicas },
  });
}
