// The registry hooks of each kind that has any, declared once: what kube-apiserver keeps in
// a kind's custom REST storage (service IP and node-port allocation, pod admission and
// graceful deletion, namespace finalization). The generic registry is built with the map
// hooksByResource() makes of this table.

import type { ResourceTable } from '../../../api/registry.js';
import type { ResourceDef } from '../../../api/types.js';
import type { ResourceHooks } from '../types.js';
import type { Cidr } from './ipnet.js';
import { namespaceHooks } from './namespaces.js';
import { podHooks } from './pods.js';
import { serviceHooks } from './services.js';

/** What the hooks take from the server's options. */
export interface HookSettings {
  serviceCidr: Cidr;
  nodePortRange: { min: number; max: number };
}

/** Finds another kind a hook reads (pods read service accounts). */
type Lookup = (group: string, plural: string) => ResourceDef;

interface HookRow {
  group: string;
  plural: string;
  hooks(def: ResourceDef, settings: HookSettings, lookup: Lookup): ResourceHooks;
}

export const hookTable: readonly HookRow[] = [
  { group: '', plural: 'services', hooks: (def, settings) => serviceHooks(settings, def) },
  {
    group: '',
    plural: 'pods',
    hooks: (_def, _s, lookup) => podHooks(lookup('', 'serviceaccounts')),
  },
  { group: '', plural: 'namespaces', hooks: () => namespaceHooks },
];

/** The hooks of the table's kinds, by their (preferred version's) definition. */
export function hooksByResource(
  table: ResourceTable,
  settings: HookSettings,
): Map<ResourceDef, ResourceHooks> {
  const lookup: Lookup = (group, plural) => {
    const def = table.byGroupResource(group, plural);
    if (!def) throw new Error(`missing resource ${plural}`);
    return def;
  };
  return new Map(
    hookTable.map((row) => {
      const def = lookup(row.group, row.plural);
      return [def, row.hooks(def, settings, lookup)];
    }),
  );
}
