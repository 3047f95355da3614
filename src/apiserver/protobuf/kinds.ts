// The schema (parsed once, on first use) and the table of kinds this server can decode.

import protobuf from 'protobufjs';
import type { Root, Type } from 'protobufjs';
import { AUTHENTICATION_PROTO, AUTHORIZATION_PROTO, RBAC_PROTO } from './schema/access.js';
import { CORE_PROTO } from './schema/core.js';
import { CORE_POD_PROTO } from './schema/core-pod.js';
import { INTSTR_PROTO, META_PROTO, META_V1_PROTO, RESOURCE_PROTO } from './schema/meta.js';
import {
  AUTOSCALING_PROTO,
  AUTOSCALING_V2_PROTO,
  CERTIFICATES_PROTO,
  NETWORKING_PROTO,
  POLICY_PROTO,
  SCHEDULING_PROTO,
} from './schema/others.js';
import { APPS_PROTO, BATCH_PROTO } from './schema/workloads.js';

const SOURCES = [
  META_PROTO,
  INTSTR_PROTO,
  RESOURCE_PROTO,
  META_V1_PROTO,
  CORE_POD_PROTO,
  CORE_PROTO,
  APPS_PROTO,
  BATCH_PROTO,
  AUTHORIZATION_PROTO,
  AUTHENTICATION_PROTO,
  RBAC_PROTO,
  POLICY_PROTO,
  NETWORKING_PROTO,
  SCHEDULING_PROTO,
  AUTOSCALING_PROTO,
  AUTOSCALING_V2_PROTO,
  CERTIFICATES_PROTO,
];

/** apiVersion → protobuf package → the kinds of that group version we decode. */
const GROUP_VERSIONS: Record<string, { pkg: string; kinds: string[] }> = {
  v1: {
    pkg: 'k8s.io.api.core.v1',
    kinds: [
      'Namespace',
      'ConfigMap',
      'Secret',
      'ServiceAccount',
      'Service',
      'Pod',
      'Endpoints',
      'Event',
      'Node',
      'ReplicationController',
      'ResourceQuota',
      'LimitRange',
    ],
  },
  'apps/v1': { pkg: 'k8s.io.api.apps.v1', kinds: ['Deployment', 'ReplicaSet', 'DaemonSet'] },
  'batch/v1': { pkg: 'k8s.io.api.batch.v1', kinds: ['Job', 'CronJob'] },
  'authorization.k8s.io/v1': {
    pkg: 'k8s.io.api.authorization.v1',
    kinds: ['SelfSubjectAccessReview', 'SelfSubjectRulesReview'],
  },
  'authentication.k8s.io/v1': {
    pkg: 'k8s.io.api.authentication.v1',
    kinds: ['SelfSubjectReview', 'TokenRequest'],
  },
  'rbac.authorization.k8s.io/v1': {
    pkg: 'k8s.io.api.rbac.v1',
    kinds: ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'],
  },
  'policy/v1': { pkg: 'k8s.io.api.policy.v1', kinds: ['PodDisruptionBudget', 'Eviction'] },
  'networking.k8s.io/v1': { pkg: 'k8s.io.api.networking.v1', kinds: ['Ingress'] },
  'scheduling.k8s.io/v1': { pkg: 'k8s.io.api.scheduling.v1', kinds: ['PriorityClass'] },
  'autoscaling/v1': { pkg: 'k8s.io.api.autoscaling.v1', kinds: ['HorizontalPodAutoscaler'] },
  'autoscaling/v2': { pkg: 'k8s.io.api.autoscaling.v2', kinds: ['HorizontalPodAutoscaler'] },
  'certificates.k8s.io/v1': {
    pkg: 'k8s.io.api.certificates.v1',
    kinds: ['CertificateSigningRequest'],
  },
};

/** DeleteOptions is registered in every group version, so it may come with any of them. */
const DELETE_OPTIONS = 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions';

let root: Root | undefined;

export function schemaRoot(): Root {
  if (!root) {
    const r = new protobuf.Root();
    for (const source of SOURCES) protobuf.parse(source, r, { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

/** The message type for a kind, or undefined when this server cannot decode it. */
export function typeForKind(apiVersion: string, kind: string): Type | undefined {
  if (kind === 'DeleteOptions') return schemaRoot().lookupType(DELETE_OPTIONS);
  const gv = GROUP_VERSIONS[apiVersion];
  if (!gv || !gv.kinds.includes(kind)) return undefined;
  return schemaRoot().lookupType(`${gv.pkg}.${kind}`);
}

/** Every decodable kind as `apiVersion/Kind`, for documentation and tests. */
export function decodableKinds(): string[] {
  return Object.entries(GROUP_VERSIONS).flatMap(([apiVersion, gv]) =>
    gv.kinds.map((k) => `${apiVersion}/${k}`),
  );
}
