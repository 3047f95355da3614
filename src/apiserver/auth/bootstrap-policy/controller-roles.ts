// The roles of kube-controller-manager's controllers (bootstrappolicy's controller_policy
// for 1.33 with the default feature gates). Each `system:controller:NAME` role is bound to
// the service account kube-system/NAME, the identity the controller runs as with
// --use-service-account-credentials.

import {
  CONTROLLER_ROLE_PREFIX,
  clusterRole,
  clusterRoleBinding,
  rule,
  serviceAccount,
  type BindingObject,
  type PolicyRule,
  type RoleObject,
} from './build.js';

const controllerRole = (name: string, rules: PolicyRule[]): RoleObject =>
  clusterRole(CONTROLLER_ROLE_PREFIX + name, rules);

export const controllerRoles = (): RoleObject[] => [
  controllerRole('attachdetach-controller', [
    rule(['list', 'watch'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get', 'list', 'watch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['list', 'watch'], [''], ['pods']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['create', 'delete', 'get', 'list', 'watch'], ['storage.k8s.io'], ['volumeattachments']),
    rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['csidrivers']),
    rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['csinodes']),
  ]),
  controllerRole('certificate-controller', [
    rule(
      ['delete', 'get', 'list', 'watch'],
      ['certificates.k8s.io'],
      ['certificatesigningrequests'],
    ),
    rule(
      ['update'],
      ['certificates.k8s.io'],
      ['certificatesigningrequests/approval', 'certificatesigningrequests/status'],
    ),
    rule(
      ['approve'],
      ['certificates.k8s.io'],
      ['signers'],
      ['kubernetes.io/kube-apiserver-client-kubelet'],
    ),
    rule(
      ['sign'],
      ['certificates.k8s.io'],
      ['signers'],
      [
        'kubernetes.io/kube-apiserver-client',
        'kubernetes.io/kube-apiserver-client-kubelet',
        'kubernetes.io/kubelet-serving',
        'kubernetes.io/legacy-unknown',
      ],
    ),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('clusterrole-aggregation-controller', [
    rule(
      ['escalate', 'get', 'list', 'patch', 'update', 'watch'],
      ['rbac.authorization.k8s.io'],
      ['clusterroles'],
    ),
  ]),
  controllerRole('cronjob-controller', [
    rule(['get', 'list', 'update', 'watch'], ['batch'], ['cronjobs']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['cronjobs/status']),
    rule(['update'], ['batch'], ['cronjobs/finalizers']),
    rule(['delete', 'list', 'watch'], [''], ['pods']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('daemon-set-controller', [
    rule(['get', 'list', 'watch'], ['apps', 'extensions'], ['daemonsets']),
    rule(['update'], ['apps', 'extensions'], ['daemonsets/status']),
    rule(['update'], ['apps', 'extensions'], ['daemonsets/finalizers']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(
      ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      ['apps'],
      ['controllerrevisions'],
    ),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('deployment-controller', [
    rule(['get', 'list', 'update', 'watch'], ['apps', 'extensions'], ['deployments']),
    rule(['update'], ['apps', 'extensions'], ['deployments/status']),
    rule(['update'], ['apps', 'extensions'], ['deployments/finalizers']),
    rule(
      ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      ['apps', 'extensions'],
      ['replicasets'],
    ),
    rule(['get', 'list', 'update', 'watch'], [''], ['pods']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('disruption-controller', [
    rule(['get', 'list', 'watch'], ['apps', 'extensions'], ['deployments']),
    rule(['get', 'list', 'watch'], ['apps', 'extensions'], ['replicasets']),
    rule(['get', 'list', 'watch'], [''], ['replicationcontrollers']),
    rule(['get', 'list', 'watch'], ['policy'], ['poddisruptionbudgets']),
    rule(['get', 'list', 'watch'], ['apps'], ['statefulsets']),
    rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['get'], ['*'], ['*/scale']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('endpoint-controller', [
    rule(['get', 'list', 'watch'], [''], ['pods', 'services']),
    rule(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['endpoints']),
    rule(['create'], [''], ['endpoints/restricted']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('endpointslice-controller', [
    rule(['get', 'list', 'watch'], [''], ['nodes', 'pods', 'services']),
    rule(['update'], [''], ['services/finalizers']),
    rule(
      ['create', 'delete', 'get', 'list', 'update', 'watch'],
      ['discovery.k8s.io'],
      ['endpointslices'],
    ),
    rule(['create'], ['discovery.k8s.io'], ['endpointslices/restricted']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('endpointslicemirroring-controller', [
    rule(['get', 'list', 'watch'], [''], ['endpoints', 'services']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['update'], [''], ['endpoints/finalizers']),
    rule(
      ['create', 'delete', 'get', 'list', 'update', 'watch'],
      ['discovery.k8s.io'],
      ['endpointslices'],
    ),
    rule(['create'], ['discovery.k8s.io'], ['endpointslices/restricted']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('ephemeral-volume-controller', [
    rule(['get', 'list', 'watch'], [''], ['pods']),
    rule(['update'], [''], ['pods/finalizers']),
    rule(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('expand-controller', [
    rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
    rule(['patch', 'update'], [''], ['persistentvolumeclaims/status']),
    rule(['get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['get'], [''], ['services']),
  ]),
  controllerRole('generic-garbage-collector', [
    rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('horizontal-pod-autoscaler', [
    rule(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']),
    rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(['list', 'watch'], [''], ['pods']),
    rule(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
    rule(['get', 'list', 'watch'], ['custom.metrics.k8s.io'], ['*']),
    rule(['get', 'list', 'watch'], ['external.metrics.k8s.io'], ['*']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('job-controller', [
    rule(['get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['jobs/status']),
    rule(['update'], ['batch'], ['jobs/finalizers']),
    rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('legacy-service-account-token-cleaner', [
    rule(['get'], [''], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
    rule(['delete', 'patch'], [''], ['secrets']),
  ]),
  controllerRole('namespace-controller', [
    rule(['delete', 'get', 'list', 'watch'], [''], ['namespaces']),
    rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    rule(['delete', 'deletecollection', 'get', 'list', 'watch'], ['*'], ['*']),
  ]),
  controllerRole('node-controller', [
    rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['delete', 'get', 'list', 'watch'], [''], ['pods']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('persistent-volume-binder', [
    rule(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['persistentvolumes']),
    rule(['update'], [''], ['persistentvolumes/status']),
    rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['persistentvolumeclaims/status']),
    rule(['create', 'delete', 'get', 'list', 'watch'], [''], ['pods']),
    rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['watch'], [''], ['events']),
    rule(['get'], [''], ['services']),
  ]),
  controllerRole('pod-garbage-collector', [
    rule(['delete', 'list', 'watch'], [''], ['pods']),
    rule(['get', 'list', 'watch'], [''], ['nodes']),
    rule(['patch'], [''], ['pods/status']),
  ]),
  controllerRole('pv-protection-controller', [
    rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumes']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('pvc-protection-controller', [
    rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['get', 'list', 'watch'], [''], ['pods']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('replicaset-controller', [
    rule(['get', 'list', 'update', 'watch'], ['apps', 'extensions'], ['replicasets']),
    rule(['update'], ['apps', 'extensions'], ['replicasets/status']),
    rule(['update'], ['apps', 'extensions'], ['replicasets/finalizers']),
    rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('replication-controller', [
    rule(['get', 'list', 'update', 'watch'], [''], ['replicationcontrollers']),
    rule(['update'], [''], ['replicationcontrollers/status']),
    rule(['update'], [''], ['replicationcontrollers/finalizers']),
    rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('resourcequota-controller', [
    rule(['list', 'watch'], ['*'], ['*']),
    rule(['update'], [''], ['resourcequotas/status']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('root-ca-cert-publisher', [
    rule(['create', 'update'], [''], ['configmaps']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('route-controller', [
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['patch'], [''], ['nodes/status']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('selinux-warning-controller', [
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['get', 'list', 'watch'], [''], ['persistentvolumes']),
    rule(['get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['get', 'list', 'watch'], [''], ['pods']),
    rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['csidrivers']),
  ]),
  controllerRole('service-account-controller', [
    rule(['create'], [''], ['serviceaccounts']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('service-ca-cert-publisher', [
    rule(['create', 'update'], [''], ['configmaps']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('service-cidrs-controller', [
    rule(['get', 'list', 'patch', 'update', 'watch'], ['networking.k8s.io'], ['servicecidrs']),
    rule(['patch', 'update'], ['networking.k8s.io'], ['servicecidrs/finalizers']),
    rule(['patch', 'update'], ['networking.k8s.io'], ['servicecidrs/status']),
    rule(['get', 'list', 'watch'], ['networking.k8s.io'], ['ipaddresses']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('service-controller', [
    rule(['get', 'list', 'watch'], [''], ['services']),
    rule(['patch', 'update'], [''], ['services/status']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('statefulset-controller', [
    rule(['list', 'watch'], [''], ['pods']),
    rule(['get', 'list', 'watch'], ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status']),
    rule(['update'], ['apps'], ['statefulsets/finalizers']),
    rule(['create', 'delete', 'get', 'patch', 'update'], [''], ['pods']),
    rule(
      ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      ['apps'],
      ['controllerrevisions'],
    ),
    rule(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['delete', 'update'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['pods/finalizers']),
  ]),
  controllerRole('ttl-after-finished-controller', [
    rule(['delete', 'get', 'list', 'watch'], ['batch'], ['jobs']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('ttl-controller', [
    rule(['list', 'patch', 'update', 'watch'], [''], ['nodes']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  controllerRole('validatingadmissionpolicy-status-controller', [
    rule(
      ['get', 'list', 'watch'],
      ['admissionregistration.k8s.io'],
      ['validatingadmissionpolicies'],
    ),
    rule(
      ['get', 'patch', 'update'],
      ['admissionregistration.k8s.io'],
      ['validatingadmissionpolicies/status'],
    ),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
];

/** Binds each controller role to its controller's service account in kube-system. */
export function controllerRoleBindings(roles: RoleObject[] = controllerRoles()): BindingObject[] {
  return roles.map((r) => {
    const name = r.metadata.name ?? '';
    return clusterRoleBinding(name, name, [
      serviceAccount('kube-system', name.slice(CONTROLLER_ROLE_PREFIX.length)),
    ]);
  });
}
