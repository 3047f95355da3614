// core/v1 Namespace: the metadata-name label, the `kubernetes` finalizer, phase Active, and
// the status and finalize subresources as kube-apiserver's namespace strategy has them.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import {
  invalidValue,
  isDNS1123Label,
  isQualifiedName,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { asStr, column, ensureObj, specOf, statusOf, strs } from './kindutil.js';

export const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name';
const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

function setNameLabel(obj: KubeObject): void {
  const name = obj.metadata.name;
  if (!name) return;
  obj.metadata.labels = { ...(obj.metadata.labels ?? {}), [METADATA_NAME_LABEL]: name };
}

export function defaultNamespace(obj: KubeObject): void {
  setNameLabel(obj);
  const status = ensureObj(obj, 'status');
  if (!status.phase) status.phase = 'Active';
}

function prepareForCreate(obj: KubeObject): void {
  obj.status = { phase: 'Active' };
  const spec = ensureObj(obj, 'spec');
  const finalizers = strs(spec.finalizers);
  if (!finalizers.includes('kubernetes')) spec.finalizers = [...finalizers, 'kubernetes'];
  // Canonicalize: the label follows the (possibly generated) name.
  setNameLabel(obj);
}

/** A plain update may change neither spec.finalizers nor status. */
function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  const oldFinalizers = specOf(old).finalizers;
  if (oldFinalizers === undefined) delete spec.finalizers;
  else spec.finalizers = structuredClone(oldFinalizers);
  obj.status = structuredClone(old.status ?? { phase: 'Active' });
  setNameLabel(obj);
}

/** namespaces/status: the spec is the stored one. */
export function prepareForStatusUpdate(obj: KubeObject, old: KubeObject): void {
  obj.spec = structuredClone(old.spec);
}

/** namespaces/finalize: only spec.finalizers changes; status is the stored one. */
export function prepareForFinalizeUpdate(obj: KubeObject, old: KubeObject): void {
  obj.status = structuredClone(old.status);
}

function validateFinalizer(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalidValue(path, name, m));
  if (!name.includes('/') && !STANDARD_FINALIZERS.includes(name))
    errs.push(
      invalidValue(
        path,
        name,
        'name is neither a standard finalizer name nor is it fully qualified',
      ),
    );
  return errs;
}

export function validateNamespace(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, false, isDNS1123Label);
  // kube-apiserver reports these without an index.
  for (const f of strs(specOf(obj).finalizers))
    errs.push(...validateFinalizer(f, 'spec.finalizers'));
  return errs;
}

/** ValidateNamespaceStatusUpdate: phase follows deletionTimestamp. */
export function validateNamespaceStatusUpdate(obj: KubeObject): FieldError[] {
  const phase = asStr(statusOf(obj).phase);
  if (!obj.metadata.deletionTimestamp) {
    if (phase !== 'Active')
      return [
        invalidValue('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"),
      ];
  } else if (phase !== 'Terminating') {
    return [
      invalidValue(
        'status.Phase',
        phase,
        "may only be 'Terminating' if `deletionTimestamp` is not empty",
      ),
    ];
  }
  return [];
}

/** ValidateNamespaceFinalizeUpdate: each finalizer name, indexed. */
export function validateNamespaceFinalizeUpdate(obj: KubeObject): FieldError[] {
  return strs(specOf(obj).finalizers).flatMap((f, i) =>
    validateFinalizer(f, `spec.finalizers[${i}]`),
  );
}

export const namespaceResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [
    { name: 'finalize', verbs: ['update'] },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  statusStrategy: {
    prepareForUpdate: prepareForStatusUpdate,
    validateUpdate: validateNamespaceStatusUpdate,
  },
  finalizeStrategy: {
    prepareForUpdate: prepareForFinalizeUpdate,
    validateUpdate: validateNamespaceFinalizeUpdate,
  },
  strategy: {
    defaults: (obj) => defaultNamespace(obj),
    prepareForCreate: (obj) => prepareForCreate(obj),
    prepareForUpdate: (obj, old) => prepareForUpdate(obj, old),
    validate: (obj) => validateNamespace(obj),
    selectableFields: (obj) => ({
      'status.phase': asStr(statusOf(obj).phase),
      // kube-apiserver keeps this legacy alias of metadata.name.
      name: obj.metadata.name ?? '',
    }),
    columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
    row: (obj, now) => [
      obj.metadata.name ?? '',
      asStr(statusOf(obj).phase),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
