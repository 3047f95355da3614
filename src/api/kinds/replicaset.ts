// ReplicaSets (apps/v1): defaults, the replicaset strategy (status reset, selector
// immutability), ValidateReplicaSet and the printer behind `kubectl get rs`.

import type { FieldError, KubeObject, ResourceDef, Strategy, TableColumn } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { immutable, validateObjectMeta } from '../validation/common.js';
import { child, defaultPodTemplate, int, nonNegative, specOf, statusOf } from './podspec/index.js';
import type { Obj } from './podspec/index.js';
import { formatSelectorObject, selectorOf, selectorString } from '../labels.js';
import {
  SCALE_KIND,
  counterColumn,
  keepSpec,
  keepStatus,
  replicaColumns,
  replicaRow,
  resetReplicaStatus,
  validateReplicaStatus,
  validateSelectorAndTemplate,
} from './replicas.js';
import { equalIgnoringZeroValues } from '../json.js';

// Shared with Deployment and ReplicationController (kinds/replicas.ts); exported here as before.
export {
  SCALE_KIND,
  keepStatus,
  resetReplicaStatus,
  validateReplicaStatus,
  validateSelectorAndTemplate,
};

function defaultReplicaSet(rs: KubeObject): void {
  const spec = child(rs as Obj, 'spec');
  if (typeof spec.replicas !== 'number') spec.replicas = 1;
  defaultPodTemplate(child(spec, 'template'));
}

function validateReplicaSet(rs: KubeObject): FieldError[] {
  const spec = specOf(rs);
  return [
    ...validateObjectMeta(rs, true),
    ...nonNegative(spec.replicas, 'spec.replicas'),
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...validateSelectorAndTemplate(spec),
  ];
}

export const validateStatusUpdate = (rs: KubeObject, _old: KubeObject): FieldError[] =>
  validateReplicaStatus(rs);

/** The replicasets/status strategy: the spec stays as it was. */
export function prepareForStatusUpdate(rs: KubeObject, old: KubeObject): void {
  keepSpec(rs, old);
}

/** `status.selector` of the Scale subresource. */
export function scaleSelector(rs: KubeObject): string {
  return selectorString(selectorOf(specOf(rs).selector) ?? []);
}

export const REPLICA_SET_COLUMNS: TableColumn[] = replicaColumns(
  [
    counterColumn(
      'Desired',
      'integer',
      'Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset',
    ),
    counterColumn(
      'Current',
      'integer',
      'Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset',
    ),
    counterColumn(
      'Ready',
      'integer',
      'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.',
    ),
  ],
  "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
);

export function replicaSetRow(rs: KubeObject, now: Date): unknown[] {
  const spec = specOf(rs);
  const status = statusOf(rs);
  return replicaRow(
    rs,
    now,
    [int(spec.replicas), int(status.replicas), int(status.readyReplicas)],
    formatSelectorObject(spec.selector),
  );
}

export const replicaSetStrategy: Strategy = {
  defaults: (rs) => defaultReplicaSet(rs),
  prepareForCreate: (rs) => resetReplicaStatus(rs),
  prepareForUpdate: (rs, old) => keepStatus(rs, old),
  validate: (rs) => validateReplicaSet(rs),
  validateUpdate: (rs, old) => [
    ...immutable(specOf(rs).selector, specOf(old).selector, 'spec.selector'),
    ...(equalIgnoringZeroValues(rs.status, old.status) ? [] : validateStatusUpdate(rs, old)),
  ],
  selectableFields: (rs) => ({ 'status.replicas': String(int(statusOf(rs).replicas)) }),
  columns: REPLICA_SET_COLUMNS,
  row: replicaSetRow,
  tracksGeneration: true,
};

export const replicaSetResource: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  listKind: 'ReplicaSetList',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    { name: 'scale', kind: SCALE_KIND, verbs: ['get', 'patch', 'update'] },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  strategy: replicaSetStrategy,
  statusStrategy: {
    prepareForUpdate: prepareForStatusUpdate,
    validateUpdate: validateStatusUpdate,
  },
  scaleStrategy: { selector: scaleSelector },
};
