// The ClusterRole aggregation controller (kube's clusterrole-aggregation-controller): a
// ClusterRole with an aggregationRule holds the union of the rules of the ClusterRoles its
// selectors match, kept up to date as they change. Any ClusterRole change requeues every
// aggregated role (the set is small and the dependencies unknown), as kube does.

import { createWorkQueue, type ResourceRef } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { aggregatedRules, sameRules, type ClusterRole } from './aggregate.js';

export const CLUSTER_ROLES: ResourceRef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'clusterroles',
  namespaced: false,
};

const FIELD_MANAGER = 'clusterrole-aggregation-controller';

export const clusterRoleAggregationController: Controller = {
  name: FIELD_MANAGER,
  start(ctx: ControllerContext) {
    const roles = ctx.informers.for<ClusterRole>(CLUSTER_ROLES);
    const queue = createWorkQueue({ baseDelayMs: 100 });
    const enqueueAll = (): void => {
      for (const r of roles.list()) if (r.aggregationRule) queue.add(r.metadata.name ?? '');
    };
    roles.on({ add: enqueueAll, update: enqueueAll, delete: enqueueAll });
    const sync = async (name: string): Promise<void> => {
      const role = roles.get('', name);
      if (!role?.aggregationRule) return;
      const rules = aggregatedRules(role, roles.list());
      if (sameRules(rules, role.rules)) return;
      // Server-side apply owning only the rules, forced, as kube's controller writes them.
      await ctx.client.patch(
        CLUSTER_ROLES,
        '',
        name,
        'apply',
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name },
          rules,
        },
        { fieldManager: FIELD_MANAGER, force: true },
      );
    };
    void queue.run(1, sync, ctx.signal, (key, err) =>
      ctx.logger.warn('cluster role aggregation failed', { clusterRole: key, err }),
    );
  },
};
