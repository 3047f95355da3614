// core/v1 Service: defaults (SetDefaults_Service plus the IP-family defaults the service
// REST applies), kube-apiserver's ValidateService/ValidateServiceUpdate, the strategy's
// type-dependent field wiping, and printService, each in kinds/service/; the resource here.
// ClusterIP and NodePort allocation belong to the API server.

import { STANDARD_VERBS } from '../types.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN } from '../printing.js';
import { asStr, column, specOf } from './kindutil.js';
import { defaultService } from './service/defaults.js';
import { prepareForCreate, prepareForStatusUpdate, prepareForUpdate } from './service/strategy.js';
import { serviceRow } from './service/printing.js';
import { validateService } from './service/validation.js';
import { validateServiceStatusUpdate, validateServiceUpdate } from './service/update.js';

export { NODE_PORT_RANGE, SERVICE_IP_FAMILY } from './service/shared.js';
export { defaultService } from './service/defaults.js';
export { normalizeClusterIPs, prepareForStatusUpdate } from './service/strategy.js';
export { validatePortNumOrName, validateService } from './service/validation.js';
export { validateServiceStatusUpdate, validateServiceUpdate } from './service/update.js';
export { portsString } from './service/printing.js';

export const serviceResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  listKind: 'ServiceList',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    {
      name: 'proxy',
      kind: { group: '', version: 'v1', kind: 'ServiceProxyOptions' },
      verbs: ['create', 'delete', 'get', 'patch', 'update'],
    },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  statusStrategy: {
    prepareForUpdate: prepareForStatusUpdate,
    validateUpdate: validateServiceStatusUpdate,
  },
  strategy: {
    defaults: (obj: KubeObject, _ctx: StrategyContext) => defaultService(obj),
    prepareForCreate: (obj) => prepareForCreate(obj),
    prepareForUpdate: (obj, old) => prepareForUpdate(obj, old),
    validate: (obj) => validateService(obj),
    validateUpdate: (obj, old) => validateServiceUpdate(obj, old),
    selectableFields: (obj) => {
      const spec = specOf(obj);
      return { 'spec.clusterIP': asStr(spec.clusterIP), 'spec.type': asStr(spec.type) };
    },
    columns: [
      NAME_COLUMN,
      column(
        'Type',
        'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.',
      ),
      column(
        'Cluster-IP',
        'clusterIP is the IP address of the service and is usually assigned randomly.',
      ),
      column(
        'External-IP',
        'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
      ),
      column('Port(s)', 'The list of ports that are exposed by this service.'),
      AGE_COLUMN,
      column(
        'Selector',
        'Route service traffic to pods with label keys and values matching this selector.',
        { priority: 1 },
      ),
    ],
    row: serviceRow,
  },
};
