// PersistentVolumes (v1, cluster-scoped): SetDefaults_PersistentVolume, the strategy (status
// reset to Pending on create, kept on update; the phase transition time on status writes),
// ValidatePersistentVolume(+Update) and printPersistentVolume.

import type { FieldError, KubeObject, ResourceDef, TableColumn } from '../../types.js';
import { STANDARD_VERBS } from '../../types.js';
import {
  forbiddenField,
  immutable,
  invalidValue,
  notSupported,
  required,
  validateObjectMeta,
} from '../../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../../printing.js';
import { parseQuantity } from '../../quantity.js';
import { deepCopy, equalIgnoringZeroValues } from '../../json.js';
import { formatTime } from '../../time.js';
import { asObj, asStr, column, ensureObj, specOf, statusOf } from '../kindutil.js';
import type { Obj } from '../kindutil.js';
import {
  BETA_STORAGE_CLASS_ANNOTATION,
  VOLUME_MODES,
  accessModesText,
  canonicalQuantities,
  classNameErrors,
  positiveQuantity,
  specDiff,
  storageText,
  validateAccessModes,
} from './common.js';
import { validateVolumeNodeAffinity } from './node-affinity.js';
import { PV_SOURCE_KEYS, validatePersistentVolumeSource } from './sources.js';

const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];

export function defaultPersistentVolume(pv: KubeObject): void {
  const spec = ensureObj(pv as Obj, 'spec');
  if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = 'Retain';
  if (spec.volumeMode === undefined || spec.volumeMode === null) spec.volumeMode = 'Filesystem';
  const hostPath = asObj(spec.hostPath);
  if (hostPath && (hostPath.type === undefined || hostPath.type === null)) hostPath.type = '';
  canonicalQuantities(spec.capacity);
}

/** The capacity rules: storage and only storage, a valid positive quantity. */
function validateCapacity(capacity: unknown): FieldError[] {
  const cap = asObj(capacity) ?? {};
  const errs: FieldError[] = [];
  const keys = Object.keys(cap);
  if (keys.length === 0) errs.push(required('spec.capacity'));
  if (!('storage' in cap) || keys.length > 1)
    errs.push(notSupported('spec.capacity', cap, ['storage']));
  for (const k of keys) {
    const field = `spec.capacity[${k}]`;
    const q = parseQuantity(cap[k]);
    if (q && q.n < 0n)
      errs.push(
        invalidValue(
          field,
          Math.ceil(Number(q.n) * 10 ** q.exp),
          'must be a valid resource quantity',
        ),
      );
    errs.push(...positiveQuantity(cap[k], field));
  }
  return errs;
}

/** ValidatePersistentVolume (the VolumeAttributesClass gate is off, as in kube 1.33). */
export function validatePersistentVolume(pv: KubeObject): FieldError[] {
  const spec = specOf(pv);
  const errs = validateObjectMeta(pv, false);
  if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0)
    errs.push(required('spec.accessModes'));
  errs.push(...validateAccessModes(spec.accessModes, 'spec.accessModes'));
  errs.push(...validateCapacity(spec.capacity));
  const policy = asStr(spec.persistentVolumeReclaimPolicy);
  if (policy && !RECLAIM_POLICIES.includes(policy))
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  const affinity = validateVolumeNodeAffinity(spec.nodeAffinity, 'spec.nodeAffinity');
  errs.push(...affinity.errs);
  errs.push(...validatePersistentVolumeSource(spec, affinity.specified));
  const hostPath = asObj(spec.hostPath);
  if (hostPath && /^\/+$/.test(asStr(hostPath.path)) && policy === 'Recycle')
    errs.push(
      forbiddenField(
        'spec.persistentVolumeReclaimPolicy',
        "may not be 'recycle' for a hostPath mount of '/'",
      ),
    );
  const className = asStr(spec.storageClassName);
  if (className)
    for (const m of classNameErrors(className))
      errs.push(invalidValue('spec.storageClassName', className, m));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null) {
    if (!VOLUME_MODES.includes(asStr(spec.volumeMode)))
      errs.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  }
  return errs;
}

const sourceOf = (spec: Obj): Obj => {
  const out: Obj = {};
  for (const k of PV_SOURCE_KEYS) if (spec[k] !== undefined && spec[k] !== null) out[k] = spec[k];
  return out;
};

/** ValidatePersistentVolumeUpdate's update-only rules (paths as kube spells them). */
export function validatePersistentVolumeUpdate(pv: KubeObject, old: KubeObject): FieldError[] {
  const spec = specOf(pv);
  const oldSpec = specOf(old);
  const errs: FieldError[] = [];
  const source = sourceOf(spec);
  const oldSource = sourceOf(oldSpec);
  // A CSI volume may gain its controllerExpandSecretRef.
  const oldCsi = asObj(oldSource.csi);
  const newCsi = asObj(source.csi);
  if (oldCsi && newCsi && oldCsi.controllerExpandSecretRef === undefined) {
    const { controllerExpandSecretRef: _ignored, ...rest } = newCsi;
    source.csi = rest;
  }
  if (!equalIgnoringZeroValues(source, oldSource))
    errs.push(
      forbiddenField(
        'spec.persistentvolumesource',
        `spec.persistentvolumesource is immutable after creation\n${specDiff('core.PersistentVolumeSource', oldSource, source)}`,
      ),
    );
  errs.push(...immutable(spec.volumeMode, oldSpec.volumeMode, 'volumeMode'));
  if (oldSpec.nodeAffinity !== undefined && oldSpec.nodeAffinity !== null)
    errs.push(...immutable(spec.nodeAffinity, oldSpec.nodeAffinity, 'nodeAffinity'));
  return errs;
}

/** Only spec.volumeAttributesClassName of the disabled gate is dropped (unless already set). */
function dropDisabledFields(pv: KubeObject, old?: KubeObject): void {
  const spec = asObj(pv.spec);
  if (spec && !(old && specOf(old).volumeAttributesClassName !== undefined))
    delete spec.volumeAttributesClassName;
}

function prepareForCreate(pv: KubeObject, now: Date): void {
  pv.status = { phase: 'Pending', lastPhaseTransitionTime: formatTime(now) };
  dropDisabledFields(pv);
}

function prepareForUpdate(pv: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete pv.status;
  else pv.status = deepCopy(old.status);
  dropDisabledFields(pv, old);
}

/** The status strategy: the spec stays; a phase change records when it happened. */
export function prepareForStatusUpdate(pv: KubeObject, old: KubeObject, now = new Date()): void {
  pv.spec = deepCopy(old.spec);
  const status = asObj(pv.status) ?? {};
  pv.status = status;
  const oldStatus = statusOf(old);
  const given = status.lastPhaseTransitionTime;
  if (status.phase === oldStatus.phase) {
    if (given === undefined || given === null)
      status.lastPhaseTransitionTime = oldStatus.lastPhaseTransitionTime;
  } else if (given === undefined || given === null || given === oldStatus.lastPhaseTransitionTime)
    status.lastPhaseTransitionTime = formatTime(now);
  if (status.lastPhaseTransitionTime === undefined) delete status.lastPhaseTransitionTime;
}

/** helper.GetPersistentVolumeClass: the beta annotation, then spec.storageClassName. */
export function persistentVolumeClass(pv: KubeObject): string {
  const beta = pv.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (beta !== undefined) return beta;
  return asStr(specOf(pv).storageClassName);
}

export const PERSISTENT_VOLUME_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  column(
    'Capacity',
    "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
  ),
  column(
    'Access Modes',
    'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes',
  ),
  column(
    'Reclaim Policy',
    'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming',
  ),
  column(
    'Status',
    'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase',
  ),
  column(
    'Claim',
    'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding',
  ),
  column('StorageClass', 'StorageClass of the pv'),
  column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
  column(
    'Reason',
    'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.',
  ),
  AGE_COLUMN,
  column(
    'VolumeMode',
    'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.',
    { priority: 1 },
  ),
];

export function persistentVolumeRow(pv: KubeObject, now: Date): unknown[] {
  const spec = specOf(pv);
  const claimRef = asObj(spec.claimRef);
  const claim = claimRef ? `${asStr(claimRef.namespace)}/${asStr(claimRef.name)}` : '';
  const phase = pv.metadata.deletionTimestamp ? 'Terminating' : asStr(statusOf(pv).phase);
  const vac = spec.volumeAttributesClassName;
  return [
    pv.metadata.name ?? '',
    storageText(spec.capacity),
    accessModesText(spec.accessModes),
    asStr(spec.persistentVolumeReclaimPolicy),
    phase,
    claim,
    persistentVolumeClass(pv),
    typeof vac === 'string' ? vac : '<unset>',
    asStr(statusOf(pv).reason),
    age(pv.metadata.creationTimestamp, now),
    typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
  ];
}

export const persistentVolumeResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  listKind: 'PersistentVolumeList',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  strategy: {
    defaults: (pv) => defaultPersistentVolume(pv),
    prepareForCreate: (pv, ctx) => prepareForCreate(pv, ctx.now),
    prepareForUpdate: (pv, old) => prepareForUpdate(pv, old),
    validate: (pv) => validatePersistentVolume(pv),
    validateUpdate: (pv, old) => validatePersistentVolumeUpdate(pv, old),
    columns: PERSISTENT_VOLUME_COLUMNS,
    row: persistentVolumeRow,
  },
  statusStrategy: {
    prepareForUpdate: (pv, old) => prepareForStatusUpdate(pv, old),
    validateUpdate: () => [],
  },
};
