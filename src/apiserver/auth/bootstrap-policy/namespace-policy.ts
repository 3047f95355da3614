// The roles kube-apiserver 1.33 creates inside namespaces (bootstrappolicy's
// NamespaceRoles()/NamespaceRoleBindings()): leader locking, the extension-apiserver
// authentication config map, the bootstrap signer and the token cleaner.

import {
  role,
  roleBinding,
  serviceAccount,
  user,
  rule,
  type BindingObject,
  type RoleObject,
} from './build.js';

export const namespaceRoles = (): RoleObject[] => [
  role('kube-public', 'system:controller:bootstrap-signer', [
    rule(['get', 'list', 'watch'], [''], ['configmaps']),
    rule(['update'], [''], ['configmaps'], ['cluster-info']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  role('kube-system', 'extension-apiserver-authentication-reader', [
    rule(['get', 'list', 'watch'], [''], ['configmaps'], ['extension-apiserver-authentication']),
  ]),
  role('kube-system', 'system::leader-locking-kube-controller-manager', [
    rule(['watch'], [''], ['configmaps']),
    rule(['get', 'update'], [''], ['configmaps'], ['kube-controller-manager']),
    rule(['create', 'get', 'list', 'update', 'watch'], ['coordination.k8s.io'], ['leases']),
    rule(
      ['create', 'get', 'list', 'update', 'watch'],
      ['coordination.k8s.io'],
      ['leasecandidates'],
    ),
  ]),
  role('kube-system', 'system::leader-locking-kube-scheduler', [
    rule(['watch'], [''], ['configmaps']),
    rule(['get', 'update'], [''], ['configmaps'], ['kube-scheduler']),
    rule(['create', 'get', 'list', 'update', 'watch'], ['coordination.k8s.io'], ['leases']),
    rule(
      ['create', 'get', 'list', 'update', 'watch'],
      ['coordination.k8s.io'],
      ['leasecandidates'],
    ),
  ]),
  role('kube-system', 'system:controller:bootstrap-signer', [
    rule(['get', 'list', 'watch'], [''], ['secrets']),
  ]),
  role('kube-system', 'system:controller:cloud-provider', [
    rule(['create', 'get', 'list', 'watch'], [''], ['configmaps']),
  ]),
  role('kube-system', 'system:controller:token-cleaner', [
    rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
];

export const namespaceRoleBindings = (): BindingObject[] => [
  roleBinding(
    'kube-public',
    'system:controller:bootstrap-signer',
    'system:controller:bootstrap-signer',
    [serviceAccount('kube-system', 'bootstrap-signer')],
  ),
  roleBinding(
    'kube-system',
    'system::extension-apiserver-authentication-reader',
    'extension-apiserver-authentication-reader',
    [user('system:kube-controller-manager'), user('system:kube-scheduler')],
  ),
  roleBinding(
    'kube-system',
    'system::leader-locking-kube-controller-manager',
    'system::leader-locking-kube-controller-manager',
    [
      user('system:kube-controller-manager'),
      serviceAccount('kube-system', 'kube-controller-manager'),
      serviceAccount('kube-system', 'leader-election-controller'),
    ],
  ),
  roleBinding(
    'kube-system',
    'system::leader-locking-kube-scheduler',
    'system::leader-locking-kube-scheduler',
    [user('system:kube-scheduler'), serviceAccount('kube-system', 'kube-scheduler')],
  ),
  roleBinding(
    'kube-system',
    'system:controller:bootstrap-signer',
    'system:controller:bootstrap-signer',
    [serviceAccount('kube-system', 'bootstrap-signer')],
  ),
  roleBinding(
    'kube-system',
    'system:controller:cloud-provider',
    'system:controller:cloud-provider',
    [serviceAccount('kube-system', 'cloud-provider')],
  ),
  roleBinding('kube-system', 'system:controller:token-cleaner', 'system:controller:token-cleaner', [
    serviceAccount('kube-system', 'token-cleaner'),
  ]),
];
