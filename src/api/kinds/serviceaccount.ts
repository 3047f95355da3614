// core/v1 ServiceAccount: secret references are trimmed to names on create, as the
// serviceaccount strategy does; the token subresource is answered by the API server.

import type { KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { validateObjectMeta } from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { asArr, asStr, column, objs } from './kindutil.js';

function prepareForCreate(obj: KubeObject): void {
  if (Array.isArray(obj.secrets))
    obj.secrets = objs(obj.secrets).map((s) => ({ name: asStr(s.name) }));
}

export const serviceAccountResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  listKind: 'ServiceAccountList',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    {
      name: 'token',
      kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
      verbs: ['create'],
    },
  ],
  strategy: {
    prepareForCreate: (obj) => prepareForCreate(obj),
    validate: (obj) => validateObjectMeta(obj, true),
    columns: [
      NAME_COLUMN,
      column(
        'Secrets',
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      ),
      AGE_COLUMN,
    ],
    row: (obj, now) => [
      obj.metadata.name ?? '',
      asArr(obj.secrets).length,
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
