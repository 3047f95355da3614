// Storage keys: /registry/<group or core>/<resource>/<namespace>/<name>.

import type { ResourceDef } from '../../api/types.js';

export function resourcePrefix(def: ResourceDef, namespace?: string): string {
  const g = def.storageOf?.group ?? def.group;
  const p = def.storageOf?.plural ?? def.plural;
  const base = `/registry/${g || 'core'}/${p}/`;
  return def.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function objectKey(def: ResourceDef, namespace: string, name: string): string {
  return `${resourcePrefix(def, def.namespaced ? namespace : undefined)}${name}`;
}

export const apiVersionOf = (def: ResourceDef): string =>
  def.group ? `${def.group}/${def.version}` : def.version;
