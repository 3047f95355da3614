// The registry hooks of each kind that has any, declared once: what kube-apiserver keeps in
// a kind's custom REST storage (service IP and node-port allocation, pod admission and
// graceful deletion, namespace finalization, the default IngressClass) and the admission
// plugins that read other kinds (service accounts, LimitRanges, PriorityClasses). The
// generic registry is built with the map hooksByResource() makes of this table; every
// version a kind is served in gets them (run on the stored shape).

import type { ResourceTable } from '../../../api/registry.js';
import type { ResourceDef } from '../../../api/types.js';
import type { ResourceHooks } from '../types.js';
import { convertedHooks } from './converted.js';
import { ingressHooks } from './ingresses.js';
import type { Cidr } from './ipnet.js';
import { namespaceHooks } from './namespaces.js';
import { podHooks } from './pods.js';
import { priorityClassHooks } from './priority.js';
import { serviceHooks } from './services.js';
import { claimHooks, volumeHooks } from './storage.js';

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
    hooks: (_def, _s, lookup) =>
      podHooks(
        lookup('', 'serviceaccounts'),
        lookup('', 'limitranges'),
        lookup('scheduling.k8s.io', 'priorityclasses'),
      ),
  },
  {
    group: 'scheduling.k8s.io',
    plural: 'priorityclasses',
    hooks: (def) => priorityClassHooks(def),
  },
  { group: '', plural: 'namespaces', hooks: () => namespaceHooks },
  {
    group: 'networking.k8s.io',
    plural: 'ingresses',
    hooks: (def, _s, lookup) => ingressHooks(def, lookup('networking.k8s.io', 'ingressclasses')),
  },
  {
    group: '',
    plural: 'persistentvolumeclaims',
    hooks: (_def, _s, lookup) =>
      claimHooks(lookup('storage.k8s.io', 'storageclasses'), lookup('', 'limitranges')),
  },
  { group: '', plural: 'persistentvolumes', hooks: () => volumeHooks },
];

/** The hooks of the table's kinds, by definition (each served version of a kind has its own). */
export function hooksByResource(
  table: ResourceTable,
  settings: HookSettings,
): Map<ResourceDef, ResourceHooks> {
  const lookup: Lookup = (group, plural) => {
    const def = table.byGroupResource(group, plural);
    if (!def) throw new Error(`missing resource ${plural}`);
    return def;
  };
  const out = new Map<ResourceDef, ResourceHooks>();
  for (const row of hookTable) {
    const def = lookup(row.group, row.plural);
    out.set(def, row.hooks(def, settings, lookup));
    for (const other of table.all) {
      const from = other.storageOf;
      if (!from || from.group !== row.group || from.plural !== row.plural) continue;
      if (other.storageConversion)
        out.set(other, convertedHooks(row.hooks(other, settings, lookup), other.storageConversion));
    }
  }
  return out;
}
