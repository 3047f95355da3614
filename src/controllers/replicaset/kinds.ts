// The two kinds one controller serves: what differs between a ReplicaSet and a
// ReplicationController is where they live, how their selector is written, and the name
// their events carry. Everything else is shared (kube-controller-manager treats an RC as
// an older version of a ReplicaSet in the same way).

import { fromLabelSelectorObject, fromMap, type LabelSelector } from '../../api/labels.js';
import { resources, type ResourceRef } from '../../client/index.js';
import type { ReplicaOwner } from './types.js';

export interface OwnerKind {
  /** The controller's name in the manager. */
  name: string;
  /** The event source component. */
  component: string;
  resource: ResourceRef;
  apiVersion: string;
  kind: string;
  /**
   * The pods the owner selects: requirements (empty = everything), or null when it has
   * no selector at all (matches nothing).
   */
  selector(owner: ReplicaOwner): LabelSelector | null;
}

export const replicaSetKind: OwnerKind = {
  name: 'replicaset-controller',
  component: 'replicaset-controller',
  resource: resources.replicaSets,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  selector(rs) {
    const sel = rs.spec?.selector;
    if (sel === undefined || sel === null) return null;
    return fromLabelSelectorObject(sel) ?? null;
  },
};

export const replicationControllerKind: OwnerKind = {
  name: 'replicationcontroller-controller',
  component: 'replication-controller',
  resource: resources.replicationControllers,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  selector(rc) {
    const sel = rc.spec?.selector;
    if (!sel || typeof sel !== 'object') return null;
    return fromMap(sel as Record<string, string>);
  },
};
