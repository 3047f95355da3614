// The node rules of kube-apiserver's bootstrap policy (bootstrappolicy.NodeRules(), the
// `system:node` ClusterRole's rules), with the feature gates of 1.33 at their defaults, and
// the RBAC rule match the Node authorizer evaluates them with. They are decided here, not
// through RBAC objects, as kube's Node authorizer holds them itself.

import type { AuthorizationAttributes } from '../types.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
}

const READ = ['get', 'list', 'watch'];

export const NODE_RULES: readonly PolicyRule[] = [
  // API access checks (non-mutating).
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'] },
  {
    verbs: ['create'],
    apiGroups: ['authorization.k8s.io'],
    resources: ['subjectaccessreviews', 'localsubjectaccessreviews'],
  },
  // Services, for the pods' environment variables.
  { verbs: READ, apiGroups: [''], resources: ['services'] },
  // Registering and reporting its Node (NodeRestriction limits it to its own).
  { verbs: ['create', 'get', 'list', 'watch'], apiGroups: [''], resources: ['nodes'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['nodes/status'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['nodes'] },
  { verbs: ['create', 'update', 'patch'], apiGroups: [''], resources: ['events'] },
  { verbs: READ, apiGroups: [''], resources: ['pods'] },
  // Mirror pods, pod status and evictions (NodeRestriction limits them to its own pods).
  { verbs: ['create', 'delete'], apiGroups: [''], resources: ['pods'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['pods/status'] },
  { verbs: ['create'], apiGroups: [''], resources: ['pods/eviction'] },
  // The graph limits these to what its pods use.
  { verbs: READ, apiGroups: [''], resources: ['secrets', 'configmaps'] },
  { verbs: ['get'], apiGroups: [''], resources: ['persistentvolumeclaims', 'persistentvolumes'] },
  { verbs: ['get'], apiGroups: [''], resources: ['endpoints'] },
  // Its own client certificate, renewed.
  {
    verbs: ['create', 'get', 'list', 'watch'],
    apiGroups: ['certificates.k8s.io'],
    resources: ['certificatesigningrequests'],
  },
  {
    verbs: ['get', 'create', 'update', 'patch', 'delete'],
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
  },
  { verbs: ['get'], apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'] },
  { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] },
  {
    verbs: ['get', 'update', 'patch'],
    apiGroups: [''],
    resources: ['persistentvolumeclaims/status'],
  },
  { verbs: READ, apiGroups: ['storage.k8s.io'], resources: ['csidrivers'] },
  {
    verbs: ['get', 'create', 'update', 'patch', 'delete'],
    apiGroups: ['storage.k8s.io'],
    resources: ['csinodes'],
  },
  { verbs: READ, apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'] },
];

const has = (list: readonly string[], v: string): boolean => list.includes('*') || list.includes(v);

/** RBAC's match of a resource request against rules (non-resource requests match none here). */
export function rulesAllow(a: AuthorizationAttributes, rules: readonly PolicyRule[]): boolean {
  if (!a.isResourceRequest) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return rules.some(
    (r) =>
      has(r.verbs, a.verb) &&
      has(r.apiGroups, a.group) &&
      (r.resources.includes('*') ||
        r.resources.includes(combined) ||
        (a.subresource !== '' && r.resources.includes(`*/${a.subresource}`))),
  );
}
