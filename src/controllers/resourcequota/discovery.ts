// Which served resource a `count/<resource>[.<group>]` quota name counts: found through
// discovery (the group's preferred version), as kube's controller counts what discovery
// lists as namespaced and listable. Answers are kept; an unknown name is asked again after
// a pause, so a resource served later is counted then.

import type { Client, ResourceRef } from '../../client/index.js';

const RETRY_MS = 30_000;

interface ApiResource {
  name?: string;
  namespaced?: boolean;
  verbs?: string[];
}

export interface ResourceResolver {
  /** The resource's reference, or undefined when it is not served (or not countable). */
  resolve(group: string, resource: string): Promise<ResourceRef | undefined>;
}

export function createResourceResolver(client: Client, clock: { now(): Date }): ResourceResolver {
  const known = new Map<string, ResourceRef>();
  const missing = new Map<string, number>();

  async function versionOf(group: string): Promise<string | undefined> {
    if (!group) return 'v1';
    const list = (await client.raw('GET', '/apis')) as {
      groups?: { name?: string; preferredVersion?: { version?: string } }[];
    };
    return list.groups?.find((g) => g.name === group)?.preferredVersion?.version;
  }

  return {
    async resolve(group, resource) {
      const key = `${resource}.${group}`;
      const hit = known.get(key);
      if (hit) return hit;
      const at = missing.get(key);
      if (at !== undefined && clock.now().getTime() - at < RETRY_MS) return undefined;
      try {
        const version = await versionOf(group);
        if (version) {
          const path = group ? `/apis/${group}/${version}` : '/api/v1';
          const list = (await client.raw('GET', path)) as { resources?: ApiResource[] };
          const r = list.resources?.find((x) => x.name === resource);
          if (r?.namespaced && r.verbs?.includes('list') && r.verbs.includes('watch')) {
            const ref: ResourceRef = { group, version, plural: resource, namespaced: true };
            known.set(key, ref);
            missing.delete(key);
            return ref;
          }
        }
      } catch {
        // Asked again after the pause.
      }
      missing.set(key, clock.now().getTime());
      return undefined;
    },
  };
}
