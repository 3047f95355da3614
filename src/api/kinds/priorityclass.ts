// scheduling.k8s.io/v1 PriorityClass (cluster-scoped): SetDefaults_PriorityClass,
// ValidatePriorityClass(+Update), printPriorityClass, and the two system classes every
// cluster has (created by the API server at start, never deletable).

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  forbiddenField,
  immutable,
  notSupported,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { asStr, column } from './kindutil.js';
import type { Obj } from './kindutil.js';

export const PREEMPT_LOWER_PRIORITY = 'PreemptLowerPriority';
const PREEMPTION_POLICIES = [PREEMPT_LOWER_PRIORITY, 'Never'];

/** Names starting with this are reserved for the system classes. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** The highest value a user-defined class may have (HighestUserDefinablePriority). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
/** A pod's priority when it names no class and no class is the global default. */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0;

/** SystemPriorityClasses: created at start, refused deletion, reserved by name. */
export const SYSTEM_PRIORITY_CLASSES: readonly KubeObject[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' },
    value: 2000001000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' },
    value: 2000000000,
    description:
      'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

export const isSystemPriorityClass = (name: string): boolean =>
  SYSTEM_PRIORITY_CLASSES.some((c) => c.metadata.name === name);

/** The class's value (0 when unset, as the Go field reads). */
export const priorityValue = (pc: KubeObject): number =>
  typeof (pc as Obj).value === 'number' ? ((pc as Obj).value as number) : 0;

export const isGlobalDefault = (pc: KubeObject): boolean => (pc as Obj).globalDefault === true;

export function defaultPriorityClass(pc: KubeObject): void {
  const o = pc as Obj;
  if (o.value === undefined || o.value === null) o.value = 0;
  // `globalDefault` and `description` are omitempty: false and "" read back absent.
  if (o.globalDefault === false || o.globalDefault === null) delete o.globalDefault;
  if (o.description === '' || o.description === null) delete o.description;
  if (o.preemptionPolicy === undefined || o.preemptionPolicy === null)
    o.preemptionPolicy = PREEMPT_LOWER_PRIORITY;
}

/** IsKnownSystemPriorityClass: why a `system-` class is not one of the system classes. */
function unknownSystemClass(name: string, value: number, globalDefault: boolean): string {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (priorityValue(known) !== value)
    return `value of ${name} PriorityClass must be ${priorityValue(known)}`;
  if (isGlobalDefault(known) !== globalDefault)
    return `globalDefault of ${name} PriorityClass must be ${String(isGlobalDefault(known))}`;
  return '';
}

/** ValidatePreemptionPolicy. */
export function validatePreemptionPolicy(policy: unknown, field: string): FieldError[] {
  if (policy === '') return [required(field)];
  if (!PREEMPTION_POLICIES.includes(asStr(policy)))
    return [notSupported(field, policy, PREEMPTION_POLICIES)];
  return [];
}

export function validatePriorityClass(pc: KubeObject): FieldError[] {
  const errs = validateObjectMeta(pc, false);
  const name = pc.metadata.name ?? '';
  const value = priorityValue(pc);
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = unknownSystemClass(name, value, isGlobalDefault(pc));
    if (why)
      errs.push(
        forbiddenField(
          'metadata.name',
          `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`,
        ),
      );
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(
      forbiddenField(
        'value',
        `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
      ),
    );
  }
  const policy = (pc as Obj).preemptionPolicy;
  if (policy !== undefined && policy !== null)
    errs.push(...validatePreemptionPolicy(policy, 'preemptionPolicy'));
  return errs;
}

/** ValidatePriorityClassUpdate: value and preemptionPolicy are fixed once created. */
export function validatePriorityClassUpdate(pc: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (priorityValue(pc) !== priorityValue(old))
    errs.push(forbiddenField('value', 'may not be changed in an update.'));
  errs.push(
    ...immutable((pc as Obj).preemptionPolicy, (old as Obj).preemptionPolicy, 'preemptionPolicy'),
  );
  return errs;
}

export const PRIORITY_CLASS_COLUMNS = [
  NAME_COLUMN,
  column(
    'Value',
    'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.',
    { type: 'integer' },
  ),
  column(
    'Global-Default',
    'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.',
    { type: 'boolean' },
  ),
  AGE_COLUMN,
  column(
    'PreemptionPolicy',
    'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.',
  ),
];

export const priorityClassResource: ResourceDef = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  listKind: 'PriorityClassList',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  verbs: [...STANDARD_VERBS],
  strategy: {
    defaults: (obj) => defaultPriorityClass(obj),
    validate: (obj) => validatePriorityClass(obj),
    validateUpdate: (obj, old) => validatePriorityClassUpdate(obj, old),
    columns: PRIORITY_CLASS_COLUMNS,
    row: (obj, now) => [
      obj.metadata.name ?? '',
      priorityValue(obj),
      isGlobalDefault(obj),
      age(obj.metadata.creationTimestamp, now),
      asStr((obj as Obj).preemptionPolicy),
    ],
  },
};
