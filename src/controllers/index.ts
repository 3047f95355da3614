// The controllers Skiff runs, in one list; adding one means one module and one line here.

import type { Controller } from './types.js';
import { namespaceController } from './namespace/index.js';
import { serviceAccountController } from './serviceaccount/index.js';
import { tokensController } from './tokens/index.js';
import { legacyTokenCleaner } from './legacy-token-cleaner/index.js';
import { csrSigningController } from './csr-signer/index.js';
import { csrCleaner } from './csr-cleaner/index.js';
import type { CertificateAuthority, KeyInput } from '../pki/index.js';
import { garbageCollector } from './garbagecollector/index.js';
import { nodeLifecycleController } from './nodelifecycle/index.js';
import { replicaSetController, replicationControllerController } from './replicaset/index.js';
import { deploymentController } from './deployment/index.js';
import { disruptionController } from './disruption/index.js';
import { daemonSetController } from './daemonset/index.js';
import { statefulSetController } from './statefulset/index.js';
import { jobController } from './job/index.js';
import { cronJobController } from './cronjob/index.js';
import { ttlAfterFinishedController } from './ttl-after-finished/index.js';
import { endpointsController } from './endpoints/index.js';
import {
  endpointSliceController,
  endpointSliceMirroringController,
} from './endpointslice/index.js';
import { createLoadBalancerController, type LoadBalancerOptions } from './loadbalancer/index.js';
import { clusterRoleAggregationController } from './clusterrole-aggregation/index.js';
import { resourceQuotaController } from './resourcequota/index.js';
import {
  horizontalPodAutoscalerController,
  type PodAutoscalerOptions,
} from './podautoscaler/index.js';
import {
  persistentVolumeBinder,
  pvcProtectionController,
  pvProtectionController,
  type LocalPathOptions,
} from './persistentvolume/index.js';

export type { Controller, ControllerContext, InformerFactory } from './types.js';
export { startControllerManager } from './manager.js';
export { createEventRecorder, type EventRecorder } from '../client/index.js';
export { parseAddressPool, LOAD_BALANCER_CLASS } from './loadbalancer/index.js';

export interface BuiltinControllerOptions {
  /** The cluster CA, published in every namespace as kube-root-ca.crt. */
  caPem?: string;
  /** The built-in load balancer (`--lb-pool`), or false (`--disable-load-balancer`). */
  loadBalancer?: LoadBalancerOptions | false;
  /** The service-account signing key: with it (and caPem) token secrets are filled. */
  serviceAccountKey?: KeyInput;
  /** Every service account gets a token secret (`--legacy-service-account-token-secrets`). */
  legacyServiceAccountTokenSecrets?: boolean;
  /** The cluster CA with its key: approved CSRs for the built-in signers are signed by it. */
  signingCa?: CertificateAuthority;
  /** The horizontal pod autoscaler's tunables (`--horizontal-pod-autoscaler-sync-period`). */
  horizontalPodAutoscaler?: PodAutoscalerOptions;
  /** The node whose data directory the built-in local-path provisioner puts volumes in. */
  localPath?: LocalPathOptions;
}

export function builtinControllers(o: BuiltinControllerOptions = {}): Controller[] {
  return [
    namespaceController,
    serviceAccountController({ ...(o.caPem ? { caPem: o.caPem } : {}) }),
    ...(o.serviceAccountKey && o.caPem
      ? [
          tokensController({
            signingKey: o.serviceAccountKey,
            caPem: o.caPem,
            autoGenerate: o.legacyServiceAccountTokenSecrets ?? false,
          }),
          legacyTokenCleaner(),
        ]
      : []),
    ...(o.signingCa ? [csrSigningController({ ca: o.signingCa })] : []),
    csrCleaner,
    garbageCollector,
    nodeLifecycleController,
    replicaSetController,
    replicationControllerController,
    deploymentController,
    daemonSetController,
    statefulSetController,
    disruptionController,
    horizontalPodAutoscalerController(o.horizontalPodAutoscaler),
    jobController,
    cronJobController,
    ttlAfterFinishedController,
    endpointsController,
    endpointSliceController,
    endpointSliceMirroringController,
    clusterRoleAggregationController,
    resourceQuotaController(),
    persistentVolumeBinder({ ...(o.localPath ? { localPath: o.localPath } : {}) }),
    pvcProtectionController,
    pvProtectionController,
    ...(o.loadBalancer === false ? [] : [createLoadBalancerController(o.loadBalancer ?? {})]),
  ];
}
