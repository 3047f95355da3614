// Deployments (apps/v1): SetDefaults_Deployment, the deployment strategy (status reset,
// generation on spec or annotation change, selector immutability), ValidateDeployment and
// the printer behind `kubectl get deploy`.

import type { FieldError, KubeObject, ResourceDef, Strategy, TableColumn } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  forbiddenField,
  immutable,
  invalidValue,
  notSupported,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import {
  child,
  defaultPodTemplate,
  int,
  nonNegative,
  obj,
  specOf,
  statusOf,
  str,
} from './podspec/index.js';
import { selectorOf, selectorString } from '../labels.js';
import type { Obj } from './podspec/index.js';
import {
  SCALE_KIND,
  counterColumn,
  keepStatus,
  replicaColumns,
  replicaRow,
  validateReplicaCounters,
  validateSelectorAndTemplate,
} from './replicas.js';
import { deepCopy, equalIgnoringZeroValues, isJsonObject } from '../json.js';

function defaultDeployment(d: KubeObject): void {
  const spec = child(d as Obj, 'spec');
  if (typeof spec.replicas !== 'number') spec.replicas = 1;
  const strategy = child(spec, 'strategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = '25%';
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = '25%';
  }
  if (typeof spec.revisionHistoryLimit !== 'number') spec.revisionHistoryLimit = 10;
  if (typeof spec.progressDeadlineSeconds !== 'number') spec.progressDeadlineSeconds = 600;
  defaultPodTemplate(child(spec, 'template'));
}

const PERCENT_MSG =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** ValidatePositiveIntOrPercent. */
export function intOrPercent(v: unknown, field: string): FieldError[] {
  if (typeof v === 'string')
    return /^[0-9]+%$/.test(v) ? [] : [invalidValue(field, v, PERCENT_MSG)];
  return nonNegative(v, field);
}

/** getIntOrPercentValue: the number of a percent, the int, or 0. */
export function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = str(v);
  if (/^[0-9]+%$/.test(s)) return Number(s.slice(0, -1));
  return /^-?[0-9]+$/.test(s) ? Number(s) : 0;
}

function validateStrategy(strategy: Obj): FieldError[] {
  const field = 'spec.strategy';
  switch (strategy.type) {
    case 'Recreate':
      return isJsonObject(strategy.rollingUpdate)
        ? [
            forbiddenField(
              `${field}.rollingUpdate`,
              "may not be specified when strategy `type` is 'Recreate'",
            ),
          ]
        : [];
    case 'RollingUpdate': {
      const ru = obj(strategy.rollingUpdate);
      if (!ru)
        return [required(`${field}.rollingUpdate`, 'this should be defaulted and never be nil')];
      const p = `${field}.rollingUpdate`;
      const errs = [
        ...intOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`),
        ...intOrPercent(ru.maxSurge, `${p}.maxSurge`),
      ];
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0)
        errs.push(
          invalidValue(
            `${p}.maxUnavailable`,
            ru.maxUnavailable,
            'may not be 0 when `maxSurge` is 0',
          ),
        );
      if (
        typeof ru.maxUnavailable === 'string' &&
        /^[0-9]+%$/.test(ru.maxUnavailable) &&
        intOrPercentValue(ru.maxUnavailable) > 100
      )
        errs.push(
          invalidValue(`${p}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'),
        );
      return errs;
    }
    default:
      return [notSupported(field, strategy, ['Recreate', 'RollingUpdate'])];
  }
}

function validateDeployment(d: KubeObject): FieldError[] {
  const spec = specOf(d);
  const errs = [
    ...validateObjectMeta(d, true),
    ...nonNegative(spec.replicas, 'spec.replicas'),
    ...validateSelectorAndTemplate(spec),
    ...validateStrategy(obj(spec.strategy) ?? {}),
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
  ];
  if (typeof spec.revisionHistoryLimit === 'number')
    errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    errs.push(...nonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= int(spec.minReadySeconds))
      errs.push(
        invalidValue('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'),
      );
  }
  return errs;
}

/** Spec and annotation changes bump the generation (annotations are copied to ReplicaSets). */
function prepareForUpdate(d: KubeObject, old: KubeObject): void {
  keepStatus(d, old);
  const changed =
    !equalIgnoringZeroValues(d.spec, old.spec) ||
    !equalIgnoringZeroValues(d.metadata.annotations, old.metadata.annotations);
  d.metadata.generation = (old.metadata.generation ?? 1) + (changed ? 1 : 0);
}

/** The deployments/status strategy: spec and labels stay as they were. */
export function prepareForStatusUpdate(d: KubeObject, old: KubeObject): void {
  d.spec = deepCopy(old.spec);
  if (old.metadata.labels) d.metadata.labels = deepCopy(old.metadata.labels);
  else delete d.metadata.labels;
}

/** ValidateDeploymentStatusUpdate (metadata checks are the generic store's). */
export function validateStatusUpdate(d: KubeObject, old: KubeObject): FieldError[] {
  const s = statusOf(d);
  const errs = validateReplicaCounters(
    d,
    [
      'observedGeneration',
      'replicas',
      'updatedReplicas',
      'readyReplicas',
      'availableReplicas',
      'unavailableReplicas',
      'collisionCount',
    ],
    ['updatedReplicas', 'readyReplicas', 'availableReplicas'],
  );
  errs.push(...collisionCountErrors(s, statusOf(old)));
  return errs;
}

/** A status's collisionCount never goes down (Deployments and DaemonSets). */
export function collisionCountErrors(
  s: { collisionCount?: unknown },
  old: { collisionCount?: unknown },
): FieldError[] {
  const oldCount = old.collisionCount;
  return typeof oldCount === 'number' &&
    (typeof s.collisionCount !== 'number' || s.collisionCount < oldCount)
    ? [invalidValue('status.collisionCount', int(s.collisionCount), 'cannot be decremented')]
    : [];
}

/** `status.selector` of the Scale subresource. */
export function scaleSelector(d: KubeObject): string {
  return selectorString(selectorOf(specOf(d).selector) ?? []);
}

export const DEPLOYMENT_COLUMNS: TableColumn[] = replicaColumns(
  [
    counterColumn('Ready', 'string', 'Number of the pod with ready state'),
    counterColumn(
      'Up-to-date',
      'string',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    counterColumn(
      'Available',
      'string',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
  ],
  'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
);

export function deploymentRow(d: KubeObject, now: Date): unknown[] {
  const spec = specOf(d);
  const status = statusOf(d);
  const selector = isJsonObject(spec.selector) ? selectorOf(spec.selector) : [];
  return replicaRow(
    d,
    now,
    [
      `${int(status.readyReplicas)}/${int(spec.replicas)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
    ],
    selector === undefined ? '<invalid>' : selectorString(selector),
  );
}

export const deploymentStrategy: Strategy = {
  defaults: (d) => defaultDeployment(d),
  prepareForCreate(d) {
    d.metadata.generation = 1;
    d.status = {};
  },
  prepareForUpdate,
  validate: (d) => validateDeployment(d),
  validateUpdate: (d, old) => [
    ...immutable(specOf(d).selector, specOf(old).selector, 'spec.selector'),
    ...(equalIgnoringZeroValues(d.status, old.status) ? [] : validateStatusUpdate(d, old)),
  ],
  columns: DEPLOYMENT_COLUMNS,
  row: deploymentRow,
  tracksGeneration: true,
};

export const deploymentResource: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    { name: 'scale', kind: SCALE_KIND, verbs: ['get', 'patch', 'update'] },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  strategy: deploymentStrategy,
  statusStrategy: {
    prepareForUpdate: prepareForStatusUpdate,
    validateUpdate: validateStatusUpdate,
  },
  scaleStrategy: { selector: scaleSelector },
};
