// ReplicaSets (apps/v1): defaults, the replicaset strategy (status reset, selector
// immutability), ValidateReplicaSet and the printer behind `kubectl get rs`.

import type { FieldError, KubeObject, ResourceDef, Strategy, TableColumn } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { immutable, invalidValue, required, validateObjectMeta } from '../validation/common.js';
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  arr,
  child,
  containerCells,
  defaultPodTemplate,
  formatSelectorObject,
  int,
  nonNegative,
  obj,
  selectorOf,
  selectorString,
  specOf,
  statusOf,
  validateControllerTemplate,
  validateLabelSelector,
} from './podspec.js';
import type { Obj } from './podspec.js';
import { deepCopy, equalIgnoringZeroValues, isJsonObject } from '../json.js';

export const SCALE_KIND = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

/**
 * What ReplicaSet and Deployment specs share: a required, non-empty selector that matches
 * the template's labels, and the template itself (ValidatePodTemplateSpecForReplicaSet).
 */
export function validateSelectorAndTemplate(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const sel = spec.selector;
  if (!isJsonObject(sel)) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (Object.keys(obj(sel.matchLabels) ?? {}).length + arr(sel.matchExpressions).length === 0)
      errs.push(invalidValue('spec.selector', sel, 'empty selector is invalid for deployment'));
  }
  const selector = isJsonObject(sel) ? selectorOf(sel) : null;
  if (selector === undefined) {
    errs.push(invalidValue('spec.selector', sel, 'invalid label selector'));
    return errs;
  }
  errs.push(
    ...validateControllerTemplate(child(spec, 'template'), selector, 'spec.template', 'ReplicaSet'),
  );
  return errs;
}

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

/** ValidateReplicaSetStatus; also used for ReplicationControllers, whose status is the same. */
export function validateReplicaStatus(obj: KubeObject): FieldError[] {
  const s = statusOf(obj);
  const errs: FieldError[] = [];
  for (const k of [
    'replicas',
    'fullyLabeledReplicas',
    'readyReplicas',
    'availableReplicas',
    'observedGeneration',
  ])
    errs.push(...nonNegative(s[k], `status.${k}`));
  const msg = 'cannot be greater than status.replicas';
  for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'])
    if (int(s[k]) > int(s.replicas)) errs.push(invalidValue(`status.${k}`, int(s[k]), msg));
  if (int(s.availableReplicas) > int(s.readyReplicas))
    errs.push(
      invalidValue(
        'status.availableReplicas',
        int(s.availableReplicas),
        'cannot be greater than readyReplicas',
      ),
    );
  return errs;
}

export const validateStatusUpdate = (rs: KubeObject, _old: KubeObject): FieldError[] =>
  validateReplicaStatus(rs);

/** The replicasets/status strategy: the spec stays as it was. */
export function prepareForStatusUpdate(rs: KubeObject, old: KubeObject): void {
  rs.spec = deepCopy(old.spec);
}

/** `status.selector` of the Scale subresource. */
export function scaleSelector(rs: KubeObject): string {
  return selectorString(selectorOf(specOf(rs).selector) ?? []);
}

/** Status on create for the replica counters whose `replicas` Go always writes. */
export function resetReplicaStatus(o: KubeObject): void {
  o.metadata.generation = 1;
  o.status = { replicas: 0 };
}

export function keepStatus(o: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete o.status;
  else o.status = deepCopy(old.status);
}

export const REPLICA_SET_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  {
    name: 'Desired',
    type: 'integer',
    description:
      'Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset',
    priority: 0,
  },
  {
    name: 'Current',
    type: 'integer',
    description:
      'Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset',
    priority: 0,
  },
  {
    name: 'Ready',
    type: 'integer',
    description:
      'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.',
    priority: 0,
  },
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  {
    name: 'Selector',
    type: 'string',
    description:
      "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    priority: 1,
  },
];

export function replicaSetRow(rs: KubeObject, now: Date): unknown[] {
  const spec = specOf(rs);
  const status = statusOf(rs);
  const [containers, images] = containerCells(obj(spec.template)?.spec);
  return [
    rs.metadata.name ?? '',
    int(spec.replicas),
    int(status.replicas),
    int(status.readyReplicas),
    age(rs.metadata.creationTimestamp, now),
    containers,
    images,
    formatSelectorObject(spec.selector),
  ];
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
};
