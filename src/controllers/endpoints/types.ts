// Slim views of the API objects the endpoints controllers read and write. Objects stay
// plain JSON; these name only the fields the controllers touch.

import type { KubeObject } from '../../api/types.js';

export interface ServicePort {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
}

export interface ServiceSpec {
  type?: string;
  selector?: Record<string, string> | null;
  ports?: ServicePort[];
  clusterIP?: string;
  ipFamilies?: string[];
  publishNotReadyAddresses?: boolean;
}

export type Service = KubeObject & { spec?: ServiceSpec };

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

export interface PodSpec {
  nodeName?: string;
  hostname?: string;
  subdomain?: string;
  containers?: { ports?: ContainerPort[] }[];
  initContainers?: { ports?: ContainerPort[]; restartPolicy?: string }[];
}

export interface PodStatus {
  phase?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  conditions?: PodCondition[];
}

export type Pod = KubeObject & { spec?: PodSpec; status?: PodStatus };

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export type Endpoints = KubeObject & { subsets?: EndpointSubset[] };

/** The annotation both controllers stamp with the time of the change they publish. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** Marks Endpoints and EndpointSlices of services without a cluster IP. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** Present on Endpoints objects used as leader-election locks; those are never touched. */
export const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
