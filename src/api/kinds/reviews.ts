// Review resources: create-only, never stored; the API server answers them directly.

import type { ResourceDef } from '../types.js';

const review = (group: string, kind: string, plural: string, namespaced = false): ResourceDef => ({
  group,
  version: 'v1',
  kind,
  listKind: `${kind}List`,
  plural,
  singular: plural.replace(/s$/, ''),
  namespaced,
  verbs: ['create'],
  strategy: {},
  virtual: true,
});

export const reviewResources: ResourceDef[] = [
  review('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews'),
  review('authentication.k8s.io', 'TokenReview', 'tokenreviews'),
  review('authorization.k8s.io', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true),
  review('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  review('authorization.k8s.io', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
  review('authorization.k8s.io', 'SubjectAccessReview', 'subjectaccessreviews'),
];
