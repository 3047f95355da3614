// Resource references for the kinds components use.
import type { ResourceRef } from './rest.js';

const core = (plural: string, namespaced = true): ResourceRef => ({
  group: '',
  version: 'v1',
  plural,
  namespaced,
});

export const pods = core('pods');
export const services = core('services');
export const endpoints = core('endpoints');
export const namespaces = core('namespaces', false);
export const nodes = core('nodes', false);
export const events = core('events');
export const serviceAccounts = core('serviceaccounts');
export const secrets = core('secrets');
export const configMaps = core('configmaps');
export const replicationControllers = core('replicationcontrollers');
export const persistentVolumes = core('persistentvolumes', false);
export const persistentVolumeClaims = core('persistentvolumeclaims');
export const deployments: ResourceRef = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  namespaced: true,
};
export const replicaSets: ResourceRef = {
  group: 'apps',
  version: 'v1',
  plural: 'replicasets',
  namespaced: true,
};
export const endpointSlices: ResourceRef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  plural: 'endpointslices',
  namespaced: true,
};
export const leases: ResourceRef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  namespaced: true,
};
export const ingresses: ResourceRef = {
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'ingresses',
  namespaced: true,
};
export const networkPolicies: ResourceRef = {
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'networkpolicies',
  namespaced: true,
};
export const daemonSets: ResourceRef = {
  group: 'apps',
  version: 'v1',
  plural: 'daemonsets',
  namespaced: true,
};
export const controllerRevisions: ResourceRef = {
  group: 'apps',
  version: 'v1',
  plural: 'controllerrevisions',
  namespaced: true,
};
export const statefulSets: ResourceRef = {
  group: 'apps',
  version: 'v1',
  plural: 'statefulsets',
  namespaced: true,
};
export const storageClasses: ResourceRef = {
  group: 'storage.k8s.io',
  version: 'v1',
  plural: 'storageclasses',
  namespaced: false,
};
