// apps/v1 ControllerRevision: the immutable snapshots of a controller's template that the
// DaemonSet controller records (and `kubectl rollout history|undo` reads).
// ValidateControllerRevision(Update) and printControllerRevision.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { immutable, required, validateObjectMeta } from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { column } from './kindutil.js';
import { nonNegative } from './podspec/index.js';

export function validateControllerRevision(rev: KubeObject): FieldError[] {
  const errs = validateObjectMeta(rev, true);
  if (rev['data'] === undefined || rev['data'] === null)
    errs.push(required('data', 'data is mandatory'));
  errs.push(...nonNegative(rev['revision'], 'revision'));
  return errs;
}

/** `daemonset.apps/agent`: the controller reference as formatResourceName writes it. */
function controllerName(rev: KubeObject): string {
  const ref = rev.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  const kind = ref.kind.toLowerCase();
  return `${group ? `${kind}.${group}` : kind}/${ref.name}`;
}

export const controllerRevisionResource: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  listKind: 'ControllerRevisionList',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  verbs: [...STANDARD_VERBS],
  strategy: {
    validate: (rev) => validateControllerRevision(rev),
    validateUpdate: (rev, old) => immutable(rev['data'], old['data'], 'data'),
    columns: [
      NAME_COLUMN,
      column('Controller', 'Controller of the object'),
      column('Revision', 'Revision indicates the revision of the state represented by Data.', {
        type: 'number',
      }),
      AGE_COLUMN,
    ],
    row: (rev, now) => [
      rev.metadata.name ?? '',
      controllerName(rev),
      typeof rev['revision'] === 'number' ? rev['revision'] : 0,
      age(rev.metadata.creationTimestamp, now),
    ],
  },
};
