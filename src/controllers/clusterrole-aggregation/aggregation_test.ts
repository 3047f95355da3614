import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventually,
  startControllers,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { CLUSTER_ROLES, clusterRoleAggregationController } from './index.js';
import { aggregatedRules, type ClusterRole } from './aggregate.js';

const role = (
  name: string,
  labels: Record<string, string>,
  rules: object[],
  aggregate?: string,
) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels },
  rules,
  ...(aggregate
    ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregate]: 'true' } }] } }
    : {}),
});
const pods = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
const secrets = { verbs: ['list'], apiGroups: [''], resources: ['secrets'] };
const widgets = { verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] };

describe('aggregated rules (kube’s order and dedup)', () => {
  it('walks selectors in order, matching roles by name, each rule once, itself skipped', () => {
    const agg = role('agg', { a: 'true' }, [], 'a') as ClusterRole;
    agg.aggregationRule = {
      clusterRoleSelectors: [{ matchLabels: { a: 'true' } }, { matchLabels: { b: 'true' } }],
    };
    const all = [
      agg,
      role('z', { a: 'true' }, [secrets, pods]),
      role('m', { a: 'true' }, [pods]),
      role('b-only', { b: 'true' }, [
        widgets,
        { resources: ['pods'], apiGroups: [''], verbs: ['get'] },
      ]),
      role('other', {}, [widgets]),
    ] as ClusterRole[];
    assert.deepEqual(aggregatedRules(agg, all), [pods, secrets, widgets]);
  });
});

describe('clusterrole aggregation controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([clusterRoleAggregationController]);
  });
  after(async () => env.stop());

  const rulesOf = async (name: string) =>
    ((await env.client.get(CLUSTER_ROLES, '', name)) as ClusterRole).rules ?? [];

  it('fills an aggregated role, follows changes, chains (view into edit), and drops deleted rules', async () => {
    await env.client.create(CLUSTER_ROLES, '', role('t-edit', {}, [], 't/edit'));
    await env.client.create(CLUSTER_ROLES, '', role('t-view', { 't/edit': 'true' }, [], 't/view'));
    await env.client.create(CLUSTER_ROLES, '', role('t-pods', { 't/view': 'true' }, [pods]));
    await eventually(
      async () => (await rulesOf('t-view')).length === 1 || undefined,
      'view gets pods',
    );
    await eventually(
      async () => (await rulesOf('t-edit')).length === 1 || undefined,
      'edit gets view’s rules',
    );
    assert.deepEqual(await rulesOf('t-edit'), [pods]);

    await env.client.create(CLUSTER_ROLES, '', role('t-widgets', { 't/view': 'true' }, [widgets]));
    await eventually(
      async () => (await rulesOf('t-edit')).length === 2 || undefined,
      'new role aggregated',
    );
    assert.deepEqual(await rulesOf('t-view'), [pods, widgets]);

    const changed = await env.client.get(CLUSTER_ROLES, '', 't-pods');
    await env.client.update(CLUSTER_ROLES, { ...changed, rules: [secrets] });
    await eventually(
      async () =>
        JSON.stringify(await rulesOf('t-edit')) === JSON.stringify([secrets, widgets]) || undefined,
      'changed rules followed',
    );
    await env.client.delete(CLUSTER_ROLES, '', 't-widgets');
    await eventually(
      async () =>
        JSON.stringify(await rulesOf('t-view')) === JSON.stringify([secrets]) || undefined,
      'deleted role’s rules gone',
    );
    const view = await env.client.get(CLUSTER_ROLES, '', 't-view');
    const managers = (view.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
    assert.ok(managers.includes('clusterrole-aggregation-controller/Apply'), managers.join());
  });
});
