// ReplicaSets (apps/v1) and ReplicationControllers (core/v1): one controller, two kinds.

import type { Controller } from '../types.js';
import { createReplicaController } from './controller.js';
import { replicaSetKind, replicationControllerKind } from './kinds.js';

export const replicaSetController: Controller = createReplicaController(replicaSetKind);
export const replicationControllerController: Controller =
  createReplicaController(replicationControllerKind);
