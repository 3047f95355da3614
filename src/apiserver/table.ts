// meta.k8s.io/v1 Table responses for `kubectl get`, from each kind's printer columns.

import type { KubeObject, ResourceDef, TableColumn } from '../api/types.js';
import { DEFAULT_COLUMNS } from '../api/printing.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  includeObject: IncludeObject;
  noHeaders?: boolean;
  now: Date;
}

function columnsOf(def: ResourceDef): TableColumn[] {
  return def.strategy.columns ?? DEFAULT_COLUMNS;
}

function cellsOf(def: ResourceDef, obj: KubeObject, now: Date): unknown[] {
  if (def.strategy.row) return def.strategy.row(obj, now);
  return [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? ''];
}

export function partialObjectMetadata(obj: KubeObject): KubeObject {
  const { managedFields: _m, ...metadata } = obj.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

function rowObject(obj: KubeObject, include: IncludeObject): KubeObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return partialObjectMetadata(obj);
}

export function toTable(
  def: ResourceDef,
  objects: KubeObject[],
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
  opts: TableOptions,
): object {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    ...(opts.noHeaders ? {} : { columnDefinitions: columnsOf(def).map(fullColumn) }),
    rows: objects.map((o) => {
      const object = rowObject(o, opts.includeObject);
      return { cells: cellsOf(def, o, opts.now), ...(object ? { object } : {}) };
    }),
  };
}

function fullColumn(c: TableColumn): TableColumn {
  return {
    name: c.name,
    type: c.type,
    format: c.format ?? '',
    description: c.description ?? '',
    priority: c.priority ?? 0,
  };
}
