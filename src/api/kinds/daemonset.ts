// DaemonSets (apps/v1): SetDefaults_DaemonSet, the daemonset strategy (status reset, the
// template generation kept in its annotation, selector immutability), ValidateDaemonSet and
// the printer behind `kubectl get ds`.

import type { FieldError, KubeObject, ResourceDef, Strategy, TableColumn } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  immutable,
  invalidValue,
  notSupported,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import { formatSelectorObject, selectorOf, validateLabelSelector } from '../labels.js';
import { AGE_COLUMN, NAME_COLUMN, age, formatMap } from '../printing.js';
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  arr,
  child,
  containerCells,
  defaultPodTemplate,
  int,
  nonNegative,
  obj,
  specOf,
  statusOf,
  strMap,
  validateControllerTemplate,
} from './podspec/index.js';
import type { Obj } from './podspec/index.js';
import { collisionCountErrors, intOrPercent, intOrPercentValue } from './deployment.js';
import { deepCopy, equalIgnoringZeroValues, isJsonObject } from '../json.js';

/**
 * Where apps/v1 keeps the template generation (a field of the internal type only): set to 1
 * on create, bumped on every template change, never taken from the client.
 */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function defaultDaemonSet(ds: KubeObject): void {
  const spec = child(ds as Obj, 'spec');
  const strategy = child(spec, 'updateStrategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = 1;
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = 0;
  }
  if (typeof spec.revisionHistoryLimit !== 'number') spec.revisionHistoryLimit = 10;
  defaultPodTemplate(child(spec, 'template'));
}

/** ValidateRollingUpdateDaemonSet. */
function validateRollingUpdate(ru: Obj, field: string): FieldError[] {
  const errs = [
    ...intOrPercent(ru.maxUnavailable, `${field}.maxUnavailable`),
    ...intOrPercent(ru.maxSurge, `${field}.maxSurge`),
  ];
  for (const k of ['maxUnavailable', 'maxSurge'] as const) {
    const v = ru[k];
    if (typeof v === 'string' && /^[0-9]+%$/.test(v) && intOrPercentValue(v) > 100)
      errs.push(invalidValue(`${field}.${k}`, v, 'must not be greater than 100%'));
  }
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge)
    errs.push(
      invalidValue(
        `${field}.maxSurge`,
        ru.maxSurge,
        'may not be set when maxUnavailable is non-zero',
      ),
    );
  else if (!hasUnavailable && !hasSurge)
    errs.push(required(`${field}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

/** ValidateDaemonSetUpdateStrategy. */
function validateUpdateStrategy(strategy: Obj): FieldError[] {
  const field = 'spec.updateStrategy';
  switch (strategy.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate': {
      const ru = obj(strategy.rollingUpdate);
      if (!ru) return [required(`${field}.rollingUpdate`)];
      return validateRollingUpdate(ru, `${field}.rollingUpdate`);
    }
    default:
      return [notSupported(field, strategy, ['RollingUpdate', 'OnDelete'])];
  }
}

function validateDaemonSet(ds: KubeObject): FieldError[] {
  const spec = specOf(ds);
  const errs = [...validateObjectMeta(ds, true)];
  const sel = spec.selector;
  errs.push(...validateLabelSelector(sel, 'spec.selector'));
  if (
    isJsonObject(sel) &&
    Object.keys(obj(sel.matchLabels) ?? {}).length + arr(sel.matchExpressions).length === 0
  )
    errs.push(invalidValue('spec.selector', sel, 'empty selector is invalid for daemonset'));
  // An unparsable selector matches nothing (as LabelSelectorAsSelector failing skips the check).
  const selector = isJsonObject(sel) ? (selectorOf(sel) ?? []) : null;
  errs.push(
    ...validateControllerTemplate(child(spec, 'template'), selector, 'spec.template', 'DaemonSet'),
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...validateUpdateStrategy(obj(spec.updateStrategy) ?? {}),
  );
  if (typeof spec.revisionHistoryLimit === 'number')
    errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

const STATUS_COUNTERS = [
  'currentNumberScheduled',
  'numberMisscheduled',
  'desiredNumberScheduled',
  'numberReady',
  'observedGeneration',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
];

/** ValidateDaemonSetStatusUpdate (metadata checks are the generic store's). */
export function validateStatusUpdate(ds: KubeObject, old: KubeObject): FieldError[] {
  const s = statusOf(ds);
  const errs: FieldError[] = [];
  for (const k of STATUS_COUNTERS) errs.push(...nonNegative(s[k], `status.${k}`));
  errs.push(...collisionCountErrors(s, statusOf(old)));
  return errs;
}

/** The template generation an object carries (0 when it has none). */
export function templateGeneration(ds: KubeObject): number {
  const v = Number(ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

function setTemplateGeneration(ds: KubeObject, generation: number): void {
  ds.metadata.annotations = {
    ...(ds.metadata.annotations ?? {}),
    [TEMPLATE_GENERATION_ANNOTATION]: String(generation),
  };
}

function prepareForCreate(ds: KubeObject): void {
  ds.metadata.generation = 1;
  setTemplateGeneration(ds, 1);
  ds.status = {
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    desiredNumberScheduled: 0,
    numberReady: 0,
  };
}

/** Status kept; a template change bumps the template generation (the spec one, generation). */
function prepareForUpdate(ds: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete ds.status;
  else ds.status = deepCopy(old.status);
  const changed = !equalIgnoringZeroValues(specOf(ds).template, specOf(old).template);
  setTemplateGeneration(ds, templateGeneration(old) + (changed ? 1 : 0));
}

/** The daemonsets/status strategy: spec and template generation stay as they were. */
export function prepareForStatusUpdate(ds: KubeObject, old: KubeObject): void {
  ds.spec = deepCopy(old.spec);
  setTemplateGeneration(ds, templateGeneration(old));
}

const counter = (name: string, description: string): TableColumn => ({
  name,
  type: 'integer',
  description,
  priority: 0,
});

export const DAEMON_SET_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  counter(
    'Desired',
    'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
  ),
  counter(
    'Current',
    'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
  ),
  counter(
    'Ready',
    'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
  ),
  counter('Up-to-date', 'The total number of nodes that are running updated daemon pod'),
  counter(
    'Available',
    'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
  ),
  {
    name: 'Node Selector',
    type: 'string',
    description:
      "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    priority: 0,
  },
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  {
    name: 'Selector',
    type: 'string',
    description:
      "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    priority: 1,
  },
];

export function daemonSetRow(ds: KubeObject, now: Date): unknown[] {
  const spec = specOf(ds);
  const status = statusOf(ds);
  const podSpec = obj(obj(spec.template)?.spec);
  const [containers, images] = containerCells(podSpec);
  return [
    ds.metadata.name ?? '',
    int(status.desiredNumberScheduled),
    int(status.currentNumberScheduled),
    int(status.numberReady),
    int(status.updatedNumberScheduled),
    int(status.numberAvailable),
    formatMap(strMap(podSpec?.nodeSelector)),
    age(ds.metadata.creationTimestamp, now),
    containers,
    images,
    formatSelectorObject(spec.selector),
  ];
}

export const daemonSetStrategy: Strategy = {
  defaults: (ds) => defaultDaemonSet(ds),
  prepareForCreate: (ds) => prepareForCreate(ds),
  prepareForUpdate: (ds, old) => prepareForUpdate(ds, old),
  validate: (ds) => validateDaemonSet(ds),
  validateUpdate: (ds, old) => [
    ...immutable(specOf(ds).selector, specOf(old).selector, 'spec.selector'),
    ...(equalIgnoringZeroValues(ds.status, old.status) ? [] : validateStatusUpdate(ds, old)),
  ],
  columns: DAEMON_SET_COLUMNS,
  row: daemonSetRow,
  tracksGeneration: true,
};

export const daemonSetResource: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  listKind: 'DaemonSetList',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  strategy: daemonSetStrategy,
  statusStrategy: {
    prepareForUpdate: prepareForStatusUpdate,
    validateUpdate: validateStatusUpdate,
  },
};
