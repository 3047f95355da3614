// discovery.k8s.io/v1 EndpointSlice as the controllers build it.

import type { KubeObject } from '../../api/types.js';
import type { ObjectReference } from '../endpoints/index.js';

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
  hints?: unknown;
}

export interface SlicePort {
  name?: string;
  protocol?: string;
  port?: number;
  appProtocol?: string;
}

export type EndpointSlice = KubeObject & {
  addressType: string;
  endpoints: SliceEndpoint[] | null;
  ports: SlicePort[] | null;
};

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
