// What the replica workloads (Deployment, ReplicaSet, ReplicationController) share: the
// Scale kind, the status rules of their strategies, the replica-counter validation of their
// status, the selector-and-template check of the apps kinds, and the printer columns and
// rows around their kind-specific counters.

import type { FieldError, KubeObject, TableColumn } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { invalidValue, required } from '../validation/common.js';
import { selectorOf, validateLabelSelector } from '../labels.js';
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  arr,
  child,
  containerCells,
  int,
  nonNegative,
  obj,
  specOf,
  statusOf,
  validateControllerTemplate,
} from './podspec/index.js';
import type { Obj } from './podspec/index.js';
import { deepCopy, isJsonObject } from '../json.js';

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

/**
 * The counter rules every replica status follows: each counter non-negative, the `bounded`
 * ones at most `status.replicas`, and availableReplicas at most readyReplicas.
 */
export function validateReplicaCounters(
  obj: KubeObject,
  counters: readonly string[],
  bounded: readonly string[],
): FieldError[] {
  const s = statusOf(obj);
  const errs: FieldError[] = [];
  for (const k of counters) errs.push(...nonNegative(s[k], `status.${k}`));
  const msg = 'cannot be greater than status.replicas';
  for (const k of bounded)
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

/** ValidateReplicaSetStatus; also used for ReplicationControllers, whose status is the same. */
export const validateReplicaStatus = (obj: KubeObject): FieldError[] =>
  validateReplicaCounters(
    obj,
    [
      'replicas',
      'fullyLabeledReplicas',
      'readyReplicas',
      'availableReplicas',
      'observedGeneration',
    ],
    ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'],
  );

/** Status on create for the replica counters whose `replicas` Go always writes. */
export function resetReplicaStatus(o: KubeObject): void {
  o.metadata.generation = 1;
  o.status = { replicas: 0 };
}

/** A main-resource update leaves the status as it was. */
export function keepStatus(o: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete o.status;
  else o.status = deepCopy(old.status);
}

/** A status update leaves the spec as it was. */
export function keepSpec(o: KubeObject, old: KubeObject): void {
  o.spec = deepCopy(old.spec);
}

/** A printer column of a replica counter. */
export const counterColumn = (
  name: string,
  type: 'integer' | 'string',
  description: string,
): TableColumn => ({ name, type, description, priority: 0 });

/** Name, the kind's counters, Age, Containers, Images and (wide) Selector. */
export function replicaColumns(
  counters: TableColumn[],
  selectorDescription: string,
): TableColumn[] {
  return [
    NAME_COLUMN,
    ...counters,
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    { name: 'Selector', type: 'string', description: selectorDescription, priority: 1 },
  ];
}

/** The row for replicaColumns: the counters' cells and the selector's text are the kind's. */
export function replicaRow(
  o: KubeObject,
  now: Date,
  counters: unknown[],
  selector: string,
): unknown[] {
  const [containers, images] = containerCells(obj(specOf(o).template)?.spec);
  return [
    o.metadata.name ?? '',
    ...counters,
    age(o.metadata.creationTimestamp, now),
    containers,
    images,
    selector,
  ];
}
