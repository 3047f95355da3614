// Field and label selection: the fields an object offers to field selectors and whether
// it matches a query's selectors.

import {
  matchesFields,
  matchesLabels,
  type FieldRequirement,
  type LabelSelector,
} from '../../api/labels.js';
import type { KubeObject, ResourceDef } from '../../api/types.js';

/** Fields usable in field selectors for an object of def. */
export function fieldsOf(def: ResourceDef, obj: KubeObject): Record<string, string> {
  const f: Record<string, string> = {
    'metadata.name': obj.metadata.name ?? '',
    'metadata.namespace': obj.metadata.namespace ?? '',
  };
  return { ...f, ...(def.strategy.selectableFields?.(obj) ?? {}) };
}

/** The field labels def supports in field selectors. */
export function selectableFields(def: ResourceDef): Set<string> {
  return new Set(Object.keys(fieldsOf(def, { metadata: {} })));
}

export function matches(
  def: ResourceDef,
  obj: KubeObject,
  q: { labelSelector?: LabelSelector; fieldSelector?: FieldRequirement[] },
): boolean {
  if (q.labelSelector?.length && !matchesLabels(q.labelSelector, obj.metadata.labels)) return false;
  if (q.fieldSelector?.length && !matchesFields(q.fieldSelector, fieldsOf(def, obj))) return false;
  return true;
}
