// PersistentVolumeClaims (v1): defaults, the strategy (status Pending on create, kept on
// update), ValidatePersistentVolumeClaim(+Update: the spec is immutable but for the bind
// target, a class set once, and a bound claim's storage request growing) and
// printPersistentVolumeClaim.

import type { FieldError, KubeObject, ResourceDef, TableColumn } from '../../types.js';
import { STANDARD_VERBS } from '../../types.js';
import {
  forbiddenField,
  immutable,
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  notSupported,
  required,
  validateObjectMeta,
} from '../../validation/common.js';
import { validateLabelSelector } from '../../labels.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../../printing.js';
import { deepCopy, equalIgnoringZeroValues } from '../../json.js';
import { asObj, asStr, column, ensureObj, specOf, statusOf } from '../kindutil.js';
import type { Obj } from '../kindutil.js';
import {
  BETA_STORAGE_CLASS_ANNOTATION,
  VOLUME_MODES,
  accessModesText,
  canonicalQuantities,
  classNameErrors,
  positiveQuantity,
  quantityBytes,
  specDiff,
  storageText,
  validateAccessModes,
} from './common.js';

export function defaultPersistentVolumeClaim(pvc: KubeObject): void {
  const spec = ensureObj(pvc as Obj, 'spec');
  if (spec.volumeMode === undefined || spec.volumeMode === null) spec.volumeMode = 'Filesystem';
  const resources = asObj(spec.resources);
  canonicalQuantities(resources?.requests);
  canonicalQuantities(resources?.limits);
}

/** validateDataSource / validateDataSourceRef. */
function validateDataSource(ref: Obj, field: string, withNamespace: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!asStr(ref.name)) errs.push(required(`${field}.name`));
  if (!asStr(ref.kind)) errs.push(required(`${field}.kind`));
  const group = asStr(ref.apiGroup);
  if (!group && ref.kind !== 'PersistentVolumeClaim')
    errs.push(
      invalidValue(
        field,
        asStr(ref.kind),
        "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
      ),
    );
  if (group)
    for (const m of isDNS1123Subdomain(group))
      errs.push(invalidValue(`${field}.apiGroup`, group, m));
  const ns = asStr(ref.namespace);
  if (withNamespace && ns)
    for (const m of isDNS1123Label(ns)) errs.push(invalidValue(`${field}.namespace`, ns, m));
  return errs;
}

/** ValidatePersistentVolumeClaimSpec. */
export function validateClaimSpec(spec: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0)
    errs.push(required(`${field}.accessModes`, 'at least 1 access mode is required'));
  if (spec.selector !== undefined && spec.selector !== null)
    errs.push(...validateLabelSelector(spec.selector, `${field}.selector`));
  errs.push(...validateAccessModes(spec.accessModes, `${field}.accessModes`));
  const requests = asObj(asObj(spec.resources)?.requests) ?? {};
  const storageField = `${field}.resources[storage]`;
  if (!('storage' in requests)) errs.push(required(storageField));
  else errs.push(...positiveQuantity(requests['storage'], storageField));
  const className = asStr(spec.storageClassName);
  if (className)
    for (const m of classNameErrors(className))
      errs.push(invalidValue(`${field}.storageClassName`, className, m));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null) {
    if (!VOLUME_MODES.includes(asStr(spec.volumeMode)))
      errs.push(notSupported(`${field}.volumeMode`, spec.volumeMode, VOLUME_MODES));
  }
  const source = asObj(spec.dataSource);
  const sourceRef = asObj(spec.dataSourceRef);
  if (source) errs.push(...validateDataSource(source, `${field}.dataSource`, false));
  if (sourceRef) errs.push(...validateDataSource(sourceRef, `${field}.dataSourceRef`, true));
  if (sourceRef && asStr(sourceRef.namespace)) {
    if (source)
      errs.push(
        invalidValue(
          field,
          `${field}.dataSource`,
          'may not be specified when dataSourceRef.namespace is specified',
        ),
      );
  } else if (
    source &&
    sourceRef &&
    !(
      asStr(source.apiGroup) === asStr(sourceRef.apiGroup) &&
      source.kind === sourceRef.kind &&
      source.name === sourceRef.name
    )
  )
    errs.push(invalidValue(field, `${field}.dataSource`, 'must match dataSourceRef'));
  return errs;
}

export function validatePersistentVolumeClaim(pvc: KubeObject): FieldError[] {
  return [...validateObjectMeta(pvc, true), ...validateClaimSpec(specOf(pvc), 'spec')];
}

const storageRequest = (spec: Obj): unknown => asObj(asObj(spec.resources)?.requests)?.['storage'];

/** ValidatePersistentVolumeClaimUpdate's update-only rules. */
export function validatePersistentVolumeClaimUpdate(
  pvc: KubeObject,
  old: KubeObject,
): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(pvc);
  const oldSpec = specOf(old);
  const newClone = deepCopy(spec);
  const oldClone = deepCopy(oldSpec);
  // The binder sets volumeName once.
  if (!asStr(oldSpec.volumeName)) oldClone.volumeName = newClone.volumeName;
  const oldBeta = old.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  const newBeta = pvc.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  const oldClassUnset = oldSpec.storageClassName === undefined || oldSpec.storageClassName === null;
  const newClass = typeof spec.storageClassName === 'string' ? spec.storageClassName : undefined;
  const fromAnnotation =
    oldBeta !== undefined &&
    oldClassUnset &&
    newClass === oldBeta &&
    (newBeta === undefined || newBeta === oldBeta);
  if (fromAnnotation) delete newClone.storageClassName;
  else {
    if ((newBeta ?? '') !== (oldBeta ?? ''))
      errs.push(
        invalidValue(
          `metadata.annotations.${BETA_STORAGE_CLASS_ANNOTATION}`,
          newBeta ?? '',
          'field is immutable',
        ),
      );
    // A class may be set once on a claim that had none.
    if (newClass !== undefined && oldClassUnset && (oldBeta === undefined || newClass === oldBeta))
      newClone.storageClassName = oldClone.storageClassName;
  }
  const bound = statusOf(pvc).phase === 'Bound';
  const newRequests = asObj(asObj(newClone.resources)?.requests);
  if (bound && newRequests) newRequests['storage'] = storageRequest(oldSpec);
  if (bound && newClone.volumeAttributesClassName !== undefined)
    newClone.volumeAttributesClassName = oldClone.volumeAttributesClassName;
  if (!equalIgnoringZeroValues(newClone, oldClone))
    errs.push(
      forbiddenField(
        'spec',
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff('core.PersistentVolumeClaimSpec', oldClone, newClone)}`,
      ),
    );
  const newSize = quantityBytes(storageRequest(spec)) ?? 0;
  const oldSize = quantityBytes(storageRequest(oldSpec)) ?? 0;
  const statusSize = quantityBytes(asObj(statusOf(old).capacity)?.['storage']) ?? 0;
  // RecoverVolumeExpansionFailure (on by default): a request may shrink, not to the capacity.
  if (newSize < oldSize && newSize <= statusSize)
    errs.push(
      forbiddenField(
        'spec.resources.requests.storage',
        'field can not be less than status.capacity',
      ),
    );
  errs.push(...immutable(spec.volumeMode, oldSpec.volumeMode, 'volumeMode'));
  return errs;
}

/** ValidatePersistentVolumeClaimStatusUpdate (metadata checks are the generic store's). */
export function validateClaimStatusUpdate(pvc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(pvc);
  if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0)
    errs.push(required('Spec.accessModes'));
  for (const [k, v] of Object.entries(asObj(statusOf(pvc).capacity) ?? {})) {
    const bytes = quantityBytes(v);
    if (bytes !== undefined && bytes < 0)
      errs.push(
        invalidValue(
          `status.capacity[${k}]`,
          Math.ceil(bytes),
          'must be a valid resource quantity',
        ),
      );
  }
  return errs;
}

function dropDisabledFields(pvc: KubeObject, old?: KubeObject): void {
  const spec = asObj(pvc.spec);
  if (spec && !(old && specOf(old).volumeAttributesClassName !== undefined))
    delete spec.volumeAttributesClassName;
}

/** helper.GetPersistentVolumeClaimClass: the beta annotation, then spec.storageClassName. */
export function claimClass(pvc: KubeObject): string {
  const beta = pvc.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (beta !== undefined) return beta;
  return asStr(specOf(pvc).storageClassName);
}

export const PERSISTENT_VOLUME_CLAIM_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  column('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
  column(
    'Volume',
    'volumeName is the binding reference to the PersistentVolume backing this claim.',
  ),
  column('Capacity', 'capacity represents the actual resources of the underlying volume.'),
  column(
    'Access Modes',
    'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1',
  ),
  column('StorageClass', 'StorageClass of the pvc'),
  column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
  AGE_COLUMN,
  column(
    'VolumeMode',
    'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.',
    { priority: 1 },
  ),
];

export function persistentVolumeClaimRow(pvc: KubeObject, now: Date): unknown[] {
  const spec = specOf(pvc);
  const status = statusOf(pvc);
  const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : asStr(status.phase);
  const volumeName = asStr(spec.volumeName);
  const vac = asStr(spec.volumeAttributesClassName);
  return [
    pvc.metadata.name ?? '',
    phase,
    volumeName,
    volumeName ? storageText(status.capacity) : '',
    volumeName ? accessModesText(status.accessModes) : '',
    claimClass(pvc),
    vac || '<unset>',
    age(pvc.metadata.creationTimestamp, now),
    typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
  ];
}

export const persistentVolumeClaimResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  listKind: 'PersistentVolumeClaimList',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  strategy: {
    defaults: (pvc) => defaultPersistentVolumeClaim(pvc),
    prepareForCreate: (pvc) => {
      pvc.status = { phase: 'Pending' };
      dropDisabledFields(pvc);
    },
    prepareForUpdate: (pvc, old) => {
      if (old.status === undefined) delete pvc.status;
      else pvc.status = deepCopy(old.status);
      dropDisabledFields(pvc, old);
    },
    validate: (pvc) => validatePersistentVolumeClaim(pvc),
    validateUpdate: (pvc, old) => validatePersistentVolumeClaimUpdate(pvc, old),
    columns: PERSISTENT_VOLUME_CLAIM_COLUMNS,
    row: persistentVolumeClaimRow,
  },
  statusStrategy: {
    prepareForUpdate: (pvc, old) => {
      pvc.spec = deepCopy(old.spec);
    },
    validateUpdate: (pvc) => validateClaimStatusUpdate(pvc),
  },
};
