// The bindings of kube-apiserver 1.33's cluster-wide roles (bootstrappolicy's
// ClusterRoleBindings()). `system:node` is bound to no one: the Node authorizer decides
// for nodes.

import { clusterRoleBinding, group, serviceAccount, user, type BindingObject } from './build.js';

export const clusterRoleBindings = (): BindingObject[] => [
  clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')]),
  clusterRoleBinding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
  clusterRoleBinding('system:discovery', 'system:discovery', [group('system:authenticated')]),
  clusterRoleBinding('system:kube-controller-manager', 'system:kube-controller-manager', [
    user('system:kube-controller-manager'),
  ]),
  clusterRoleBinding('system:kube-dns', 'system:kube-dns', [
    serviceAccount('kube-system', 'kube-dns'),
  ]),
  clusterRoleBinding('system:kube-scheduler', 'system:kube-scheduler', [
    user('system:kube-scheduler'),
  ]),
  clusterRoleBinding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
  clusterRoleBinding('system:node', 'system:node', []),
  clusterRoleBinding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]),
  clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [
    group('system:authenticated'),
    group('system:unauthenticated'),
  ]),
  clusterRoleBinding(
    'system:service-account-issuer-discovery',
    'system:service-account-issuer-discovery',
    [group('system:serviceaccounts')],
  ),
  clusterRoleBinding('system:volume-scheduler', 'system:volume-scheduler', [
    user('system:kube-scheduler'),
  ]),
];
