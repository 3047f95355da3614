// Pods (core/v1): the v1 defaulters plus what admission adds on a real cluster, the
// create/update/status rules of the pod strategy, ValidatePodCreate/ValidatePodUpdate,
// and the printer behind `kubectl get pods` (each in kinds/pod/), and the resource itself.

import { STANDARD_VERBS } from '../types.js';
import type { ResourceDef, Strategy } from '../types.js';
import { specOf, statusOf, str } from './podspec/index.js';
import { POD_COLUMNS, podIPOf, podRow } from './pod/printing.js';
import { defaultPod } from './pod/defaults.js';
import {
  prepareForCreate,
  prepareForStatusUpdate,
  prepareForUpdate,
  validateStatusUpdate,
} from './pod/status.js';
import { validatePod, validatePodUpdate } from './pod/validation.js';
import { equalIgnoringZeroValues } from '../json.js';

export { admissionDefaults, defaultPod } from './pod/defaults.js';
export { podQOSClass } from './pod/qos.js';
export { prepareForStatusUpdate, validateStatusUpdate } from './pod/status.js';
export { UPDATABLE_POD_FIELDS } from './pod/validation.js';
export { POD_COLUMNS, podRow } from './pod/printing.js';

export const podStrategy: Strategy = {
  defaults: (pod) => defaultPod(pod),
  prepareForCreate: (pod) => prepareForCreate(pod),
  prepareForUpdate: (pod, old) => prepareForUpdate(pod, old),
  validate: (pod) => validatePod(pod),
  validateUpdate: (pod, old) => [
    ...validatePodUpdate(pod, old),
    ...(equalIgnoringZeroValues(pod.status, old.status) ? [] : validateStatusUpdate(pod, old)),
  ],
  selectableFields(pod) {
    const spec = specOf(pod);
    const status = statusOf(pod);
    return {
      'spec.nodeName': str(spec.nodeName),
      'spec.restartPolicy': str(spec.restartPolicy),
      'spec.schedulerName': str(spec.schedulerName),
      'spec.serviceAccountName': str(spec.serviceAccountName),
      'spec.hostNetwork': String(spec.hostNetwork === true),
      'status.phase': str(status.phase),
      'status.podIP': podIPOf(status),
      'status.nominatedNodeName': str(status.nominatedNodeName),
    };
  },
  columns: POD_COLUMNS,
  row: podRow,
  tracksGeneration: true,
};

const core = (kind: string): { group: string; version: string; kind: string } => ({
  group: '',
  version: 'v1',
  kind,
});

export const podResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    { name: 'attach', kind: core('PodAttachOptions'), verbs: ['create', 'get'] },
    { name: 'binding', kind: core('Binding'), verbs: ['create'] },
    { name: 'ephemeralcontainers', verbs: ['get', 'patch', 'update'] },
    {
      name: 'eviction',
      kind: { group: 'policy', version: 'v1', kind: 'Eviction' },
      verbs: ['create'],
    },
    { name: 'exec', kind: core('PodExecOptions'), verbs: ['create', 'get'] },
    { name: 'log', verbs: ['get'] },
    { name: 'portforward', kind: core('PodPortForwardOptions'), verbs: ['create', 'get'] },
    {
      name: 'proxy',
      kind: core('PodProxyOptions'),
      verbs: ['create', 'delete', 'get', 'patch', 'update'],
    },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  strategy: podStrategy,
  statusStrategy: {
    prepareForUpdate: prepareForStatusUpdate,
    validateUpdate: validateStatusUpdate,
  },
};
