// StatefulSets (apps/v1): SetDefaults_StatefulSet, the statefulset strategy (status reset,
// generation on spec change, the features kube 1.33 keeps behind disabled gates dropped),
// ValidateStatefulSet / ValidateStatefulSetUpdate / ValidateStatefulSetStatusUpdate and the
// printer behind `kubectl get sts`.
//
// As kube-apiserver 1.33, the pod template is not validated as a PodSpec (only its labels,
// annotations, restart policy and activeDeadlineSeconds): a template the kubelet cannot run
// shows up as the controller's FailedCreate events, not as a 422.

import type { FieldError, KubeObject, ResourceDef, Strategy, TableColumn } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  forbiddenField,
  invalidValue,
  isDNS1123Label,
  notSupported,
  required,
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
} from '../validation/common.js';
import { matchesLabels, selectorOf, selectorString, validateLabelSelector } from '../labels.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { formatQuantity, parseQuantity, roundUpMilli } from '../quantity.js';
import { goLiteral } from '../go-literal.js';
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
  str,
  strMap,
} from './podspec/index.js';
import type { Obj } from './podspec/index.js';
import { SCALE_KIND, keepSpec, keepStatus } from './replicas.js';
import { collisionCountErrors } from './deployment.js';
import { equalIgnoringZeroValues, isJsonObject } from '../json.js';

const RETENTION_POLICIES = ['Retain', 'Delete'];

/** SetDefaults_ResourceList: quantities rounded up to milli precision, written canonically. */
function defaultResourceList(list: unknown): void {
  if (!isJsonObject(list)) return;
  for (const [k, v] of Object.entries(list)) {
    const q = parseQuantity(v);
    if (q) list[k] = formatQuantity(roundUpMilli(q));
  }
}

/** The generated defaulters of a volumeClaimTemplates item (a PersistentVolumeClaim). */
function defaultClaimTemplate(claim: Obj): void {
  const spec = child(claim, 'spec');
  if (!str(spec.volumeMode)) spec.volumeMode = 'Filesystem';
  const resources = obj(spec.resources);
  if (resources) {
    defaultResourceList(resources.limits);
    defaultResourceList(resources.requests);
  }
  const status = child(claim, 'status');
  if (!str(status.phase)) status.phase = 'Pending';
  defaultResourceList(status.capacity);
}

function defaultStatefulSet(set: KubeObject): void {
  const spec = child(set as Obj, 'spec');
  if (!str(spec.podManagementPolicy)) spec.podManagementPolicy = 'OrderedReady';
  const strategy = child(spec, 'updateStrategy');
  if (!str(strategy.type)) {
    strategy.type = 'RollingUpdate';
    if (!isJsonObject(strategy.rollingUpdate)) strategy.rollingUpdate = {};
  }
  const ru = obj(strategy.rollingUpdate);
  if (strategy.type === 'RollingUpdate' && ru && typeof ru.partition !== 'number') ru.partition = 0;
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  if (!str(retention.whenDeleted)) retention.whenDeleted = 'Retain';
  if (!str(retention.whenScaled)) retention.whenScaled = 'Retain';
  if (typeof spec.replicas !== 'number') spec.replicas = 1;
  if (typeof spec.revisionHistoryLimit !== 'number') spec.revisionHistoryLimit = 10;
  defaultPodTemplate(child(spec, 'template'));
  for (const claim of arr(spec.volumeClaimTemplates))
    if (isJsonObject(claim)) defaultClaimTemplate(claim);
}

/**
 * dropStatefulSetDisabledFields: rollingUpdate.maxUnavailable is behind MaxUnavailableStatefulSet,
 * off in 1.33, so it is dropped unless the stored object already used it.
 */
function dropDisabledFields(set: KubeObject, old: KubeObject | undefined): void {
  const ru = obj(obj(specOf(set).updateStrategy)?.rollingUpdate);
  const oldRu = old ? obj(obj(specOf(old).updateStrategy)?.rollingUpdate) : undefined;
  const inUse = oldRu?.maxUnavailable !== undefined && oldRu.maxUnavailable !== null;
  if (ru && !inUse) delete ru.maxUnavailable;
}

/** Go's %#v of an internal StatefulSetUpdateStrategy, as the error for an unknown type shows it. */
function goUpdateStrategy(strategy: Obj): ReturnType<typeof goLiteral> {
  const ru = isJsonObject(strategy.rollingUpdate)
    ? '(*apps.RollingUpdateStatefulSetStrategy)(0xc000000000)'
    : '(*apps.RollingUpdateStatefulSetStrategy)(nil)';
  return goLiteral(
    `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(str(strategy.type))}, RollingUpdate:${ru}}`,
  );
}

/** validateRollingUpdateStatefulSet. */
function validateRollingUpdate(ru: Obj, field: string): FieldError[] {
  const errs = nonNegative(ru.partition, `${field}.partition`);
  const mu = ru.maxUnavailable;
  if (mu === undefined || mu === null) return errs;
  const f = `${field}.maxUnavailable`;
  if (typeof mu === 'string') {
    if (!/^[0-9]+%$/.test(mu))
      errs.push(
        invalidValue(
          f,
          mu,
          "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ),
      );
    const pct = /^[0-9]+%$/.test(mu) ? Number(mu.slice(0, -1)) : 0;
    if (pct === 0) errs.push(invalidValue(f, mu, 'cannot be 0'));
    if (pct > 100) errs.push(invalidValue(f, mu, 'must not be greater than 100%'));
  } else {
    errs.push(...nonNegative(mu, f));
    if (mu === 0) errs.push(invalidValue(f, mu, 'cannot be 0'));
  }
  return errs;
}

function validateUpdateStrategy(strategy: Obj): FieldError[] {
  const field = 'spec.updateStrategy';
  switch (strategy.type) {
    case undefined:
    case null:
    case '':
      return [required(field)];
    case 'OnDelete': {
      const ru = obj(strategy.rollingUpdate);
      if (!ru) return [];
      return [
        invalidValue(
          `${field}.rollingUpdate`,
          goLiteral(
            `apps.RollingUpdateStatefulSetStrategy{Partition:${int(ru.partition)}, MaxUnavailable:(*intstr.IntOrString)(nil)}`,
          ),
          "only allowed for updateStrategy 'RollingUpdate'",
        ),
      ];
    }
    case 'RollingUpdate': {
      const ru = obj(strategy.rollingUpdate);
      return ru ? validateRollingUpdate(ru, `${field}.rollingUpdate`) : [];
    }
    default:
      return [
        invalidValue(field, goUpdateStrategy(strategy), "must be 'RollingUpdate' or 'OnDelete'"),
      ];
  }
}

function validateRetentionPolicy(policy: Obj | undefined): FieldError[] {
  if (!policy) return [];
  const field = 'spec.persistentVolumeClaimRetentionPolicy';
  const errs: FieldError[] = [];
  for (const k of ['whenDeleted', 'whenScaled'] as const)
    if (!RETENTION_POLICIES.includes(str(policy[k])))
      errs.push(notSupported(`${field}.${k}`, str(policy[k]), RETENTION_POLICIES));
  return errs;
}

/** ValidatePodTemplateSpecForStatefulSet plus the template rules of ValidateStatefulSetSpec. */
function validateTemplate(template: Obj, selector: ReturnType<typeof selectorOf>): FieldError[] {
  const errs: FieldError[] = [];
  const meta = obj(template.metadata) ?? {};
  const labels = strMap(meta.labels);
  if (selector && selector.length && !matchesLabels(selector, labels ?? {}))
    errs.push(
      invalidValue(
        'spec.template.metadata.labels',
        labels ?? goLiteral('map[string]string(nil)'),
        '`selector` does not match template `labels`',
      ),
    );
  errs.push(
    ...validateLabels(meta.labels, 'spec.template.labels'),
    ...validateAnnotations(meta.annotations, 'spec.template.annotations'),
  );
  return errs;
}

function validateSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const policy = spec.podManagementPolicy;
  if (!str(policy)) errs.push(required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel')
    errs.push(
      invalidValue('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"),
    );
  errs.push(...validateUpdateStrategy(obj(spec.updateStrategy) ?? {}));
  errs.push(...validateRetentionPolicy(obj(spec.persistentVolumeClaimRetentionPolicy)));
  const service = str(spec.serviceName);
  if (service)
    for (const msg of isDNS1123Label(service))
      errs.push(invalidValue('spec.serviceName', service, msg));
  errs.push(
    ...nonNegative(spec.replicas, 'spec.replicas'),
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
  );
  const ordinals = obj(spec.ordinals);
  if (ordinals) errs.push(...nonNegative(ordinals.start, 'spec.ordinals.start'));

  const sel = spec.selector;
  if (!isJsonObject(sel)) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (Object.keys(obj(sel.matchLabels) ?? {}).length + arr(sel.matchExpressions).length === 0)
      errs.push(
        invalidValue(
          'spec.selector',
          Object.keys(sel).length
            ? sel
            : goLiteral(
                'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}',
              ),
          'empty selector is invalid for statefulset',
        ),
      );
  }
  // LabelSelectorAsSelector of no selector is labels.Nothing(): it matches nothing, so the
  // template is not checked against it.
  const selector = isJsonObject(sel) ? selectorOf(sel) : [];
  const template = obj(spec.template) ?? {};
  if (selector === undefined) errs.push(invalidValue('spec.selector', sel, ''));
  else errs.push(...validateTemplate(template, selector));

  const podSpec = obj(template.spec) ?? {};
  if (podSpec.restartPolicy !== 'Always')
    errs.push(
      notSupported('spec.template.spec.restartPolicy', str(podSpec.restartPolicy), ['Always']),
    );
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null)
    errs.push(
      forbiddenField(
        'spec.template.spec.activeDeadlineSeconds',
        'activeDeadlineSeconds in StatefulSet is not Supported',
      ),
    );
  return errs;
}

function validateStatefulSet(set: KubeObject): FieldError[] {
  return [...validateObjectMeta(set, true, isDNS1123Label), ...validateSpec(specOf(set))];
}

/** The spec fields an update may change (ValidateStatefulSetUpdate). */
const MUTABLE_SPEC_FIELDS = [
  'replicas',
  'template',
  'updateStrategy',
  'minReadySeconds',
  'ordinals',
  'persistentVolumeClaimRetentionPolicy',
];

const FORBIDDEN_UPDATE =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/** ValidateStatefulSetUpdate, beyond the spec validation the store runs on every write. */
export function validateSpecUpdate(set: KubeObject, old: KubeObject): FieldError[] {
  const cur = { ...specOf(set) };
  const prev = specOf(old);
  for (const k of MUTABLE_SPEC_FIELDS) {
    if (prev[k] === undefined) delete cur[k];
    else cur[k] = prev[k];
  }
  return equalIgnoringZeroValues(cur, prev) ? [] : [forbiddenField('spec', FORBIDDEN_UPDATE)];
}

/** ValidateStatefulSetStatus and ValidateStatefulSetStatusUpdate's collision count rule. */
export function validateStatusUpdate(set: KubeObject, old: KubeObject): FieldError[] {
  const s = statusOf(set);
  const errs: FieldError[] = [];
  for (const k of [
    'replicas',
    'readyReplicas',
    'currentReplicas',
    'updatedReplicas',
    'availableReplicas',
    'observedGeneration',
    'collisionCount',
  ])
    errs.push(...nonNegative(s[k], `status.${k}`));
  const msg = 'cannot be greater than status.replicas';
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'])
    if (int(s[k]) > int(s.replicas)) errs.push(invalidValue(`status.${k}`, int(s[k]), msg));
  if (int(s.availableReplicas) > int(s.readyReplicas))
    errs.push(
      invalidValue(
        'status.availableReplicas',
        int(s.availableReplicas),
        'cannot be greater than status.readyReplicas',
      ),
    );
  errs.push(...collisionCountErrors(s, statusOf(old)));
  return errs;
}

/** `status.selector` of the Scale subresource. */
export function scaleSelector(set: KubeObject): string {
  return selectorString(selectorOf(specOf(set).selector) ?? []);
}

export const STATEFUL_SET_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  { name: 'Ready', type: 'string', description: 'Number of the pod with ready state', priority: 0 },
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
];

export function statefulSetRow(set: KubeObject, now: Date): unknown[] {
  const spec = specOf(set);
  const [containers, images] = containerCells(obj(spec.template)?.spec);
  return [
    set.metadata.name ?? '',
    `${int(statusOf(set).readyReplicas)}/${int(spec.replicas)}`,
    age(set.metadata.creationTimestamp, now),
    containers,
    images,
  ];
}

export const statefulSetStrategy: Strategy = {
  defaults: (set) => defaultStatefulSet(set),
  prepareForCreate(set) {
    set.metadata.generation = 1;
    set.status = { replicas: 0, availableReplicas: 0 };
    dropDisabledFields(set, undefined);
  },
  prepareForUpdate(set, old) {
    keepStatus(set, old);
    dropDisabledFields(set, old);
  },
  validate: (set) => validateStatefulSet(set),
  validateUpdate: (set, old) => [
    ...validateSpecUpdate(set, old),
    ...(equalIgnoringZeroValues(set.status, old.status) ? [] : validateStatusUpdate(set, old)),
  ],
  columns: STATEFUL_SET_COLUMNS,
  row: statefulSetRow,
  tracksGeneration: true,
};

export const statefulSetResource: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  listKind: 'StatefulSetList',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    { name: 'scale', kind: SCALE_KIND, verbs: ['get', 'patch', 'update'] },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  strategy: statefulSetStrategy,
  statusStrategy: {
    prepareForUpdate: (set, old) => keepSpec(set, old),
    validateUpdate: validateStatusUpdate,
  },
  scaleStrategy: { selector: scaleSelector },
};
