// ReplicationControllers (core/v1): SetDefaults_ReplicationController (selector and labels
// from the template), ValidateReplicationController and the printer behind `kubectl get rc`.

import type { FieldError, KubeObject, ResourceDef, Strategy, TableColumn } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { formatMap } from '../printing.js';
import { required, validateObjectMeta } from '../validation/common.js';
import { fromMap } from '../labels.js';
import {
  child,
  defaultPodTemplate,
  int,
  nonNegative,
  obj,
  specOf,
  statusOf,
  strMap,
  validateControllerTemplate,
} from './podspec/index.js';
import { selectorString } from '../labels.js';
import type { Obj } from './podspec/index.js';
import {
  SCALE_KIND,
  counterColumn,
  keepSpec,
  keepStatus,
  replicaColumns,
  replicaRow,
  resetReplicaStatus,
  validateReplicaStatus,
} from './replicas.js';
import { deepCopy, equalIgnoringZeroValues } from '../json.js';

function defaultReplicationController(rc: KubeObject): void {
  const spec = child(rc as Obj, 'spec');
  const template = obj(spec.template);
  const labels = strMap(obj(template?.metadata)?.labels);
  if (labels) {
    if (Object.keys(obj(spec.selector) ?? {}).length === 0) spec.selector = deepCopy(labels);
    if (Object.keys(rc.metadata.labels ?? {}).length === 0) rc.metadata.labels = deepCopy(labels);
  }
  if (typeof spec.replicas !== 'number') spec.replicas = 1;
  if (template) defaultPodTemplate(template);
}

function validateReplicationController(rc: KubeObject): FieldError[] {
  const spec = specOf(rc);
  const selector = strMap(spec.selector) ?? {};
  const errs = [
    ...validateObjectMeta(rc, true),
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
  ];
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  const template = obj(spec.template);
  if (!template) errs.push(required('spec.template'));
  else
    errs.push(
      ...validateControllerTemplate(
        template,
        fromMap(selector),
        'spec.template',
        'ReplicationController',
      ),
    );
  return errs;
}

export const validateStatusUpdate = (rc: KubeObject, _old: KubeObject): FieldError[] =>
  validateReplicaStatus(rc);

/** The replicationcontrollers/status strategy: the spec stays as it was. */
export function prepareForStatusUpdate(rc: KubeObject, old: KubeObject): void {
  keepSpec(rc, old);
}

/** `status.selector` of the Scale subresource (labels.SelectorFromSet). */
export function scaleSelector(rc: KubeObject): string {
  return selectorString(fromMap(strMap(specOf(rc).selector)));
}

export const REPLICATION_CONTROLLER_COLUMNS: TableColumn[] = replicaColumns(
  [
    counterColumn(
      'Desired',
      'integer',
      'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller',
    ),
    counterColumn(
      'Current',
      'integer',
      'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller',
    ),
    counterColumn(
      'Ready',
      'integer',
      'The number of ready replicas for this replication controller.',
    ),
  ],
  'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
);

export function replicationControllerRow(rc: KubeObject, now: Date): unknown[] {
  const spec = specOf(rc);
  const status = statusOf(rc);
  return replicaRow(
    rc,
    now,
    [int(spec.replicas), int(status.replicas), int(status.readyReplicas)],
    formatMap(strMap(spec.selector)),
  );
}

export const replicationControllerStrategy: Strategy = {
  defaults: (rc) => defaultReplicationController(rc),
  prepareForCreate: (rc) => resetReplicaStatus(rc),
  prepareForUpdate: (rc, old) => keepStatus(rc, old),
  validate: (rc) => validateReplicationController(rc),
  validateUpdate: (rc, old) =>
    equalIgnoringZeroValues(rc.status, old.status) ? [] : validateStatusUpdate(rc, old),
  selectableFields: (rc) => ({ 'status.replicas': String(int(statusOf(rc).replicas)) }),
  columns: REPLICATION_CONTROLLER_COLUMNS,
  row: replicationControllerRow,
  tracksGeneration: true,
};

export const replicationControllerResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  listKind: 'ReplicationControllerList',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    { name: 'scale', kind: SCALE_KIND, verbs: ['get', 'patch', 'update'] },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  strategy: replicationControllerStrategy,
  statusStrategy: {
    prepareForUpdate: prepareForStatusUpdate,
    validateUpdate: validateStatusUpdate,
  },
  scaleStrategy: { selector: scaleSelector },
};
