// Every kind with a list and a detail page, in navigation order.

import type { ResourceName } from '../../api/resources.js';
import { namespaces, nodes, persistentvolumes, storageclasses } from './cluster.js';
import { customresourcedefinitions } from './extensions.js';
import { configmaps, persistentvolumeclaims, secrets, serviceaccounts } from './config.js';
import { ingresses, services } from './network.js';
import type { KindView } from './types.js';
import { horizontalpodautoscalers, WORKLOADS } from './workloads.js';

export const VIEWS: KindView[] = [
  nodes,
  namespaces,
  ...WORKLOADS,
  horizontalpodautoscalers,
  services,
  ingresses,
  configmaps,
  secrets,
  persistentvolumeclaims,
  persistentvolumes,
  storageclasses,
  serviceaccounts,
  customresourcedefinitions,
];

export const VIEW_BY_RESOURCE = new Map<ResourceName, KindView>(VIEWS.map((v) => [v.resource, v]));
