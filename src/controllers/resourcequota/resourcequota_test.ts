import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventually,
  startControllers,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { resources, type ResourceRef } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import { resourceQuotaController } from './index.js';
import { RESOURCE_QUOTAS } from './controller.js';

const NS = 'rq';
const DEPLOYMENTS: ResourceRef = resources.deployments;

const pod = (name: string, extra: Record<string, unknown> = {}, resources: unknown = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', resources }], ...extra },
});

describe('resource quota controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([resourceQuotaController()]);
    await env.client.create(resources.namespaces, '', { metadata: { name: NS } });
  });
  after(() => env.stop());

  const status = async (name: string) =>
    ((await env.client.get(RESOURCE_QUOTAS, NS, name)) as KubeObject).status as {
      hard?: Record<string, string>;
      used?: Record<string, string>;
    };
  const usedIs = (name: string, want: Record<string, string>) =>
    eventually(
      async () => {
        const s = await status(name);
        assert.deepEqual(s.used, want);
        return true;
      },
      `quota ${name} used ${JSON.stringify(want)}`,
    );

  it('fills hard and used, counting what exists already', async () => {
    await env.client.create(resources.configMaps, NS, { metadata: { name: 'before' } });
    await env.client.create(resources.pods, NS, pod('p1'));
    await env.client.create(RESOURCE_QUOTAS, NS, {
      metadata: { name: 'counts' },
      spec: { hard: { pods: '10', configmaps: '3', 'count/deployments.apps': '1' } },
    });
    await usedIs('counts', { configmaps: '1', 'count/deployments.apps': '0', pods: '1' });
    assert.deepEqual((await status('counts')).hard, {
      configmaps: '3',
      'count/deployments.apps': '1',
      pods: '10',
    });
  });

  it('follows deletions and pods that finish', async () => {
    await env.client.create(resources.pods, NS, pod('p2'));
    await usedIs('counts', { configmaps: '1', 'count/deployments.apps': '0', pods: '2' });
    await env.client.delete(resources.configMaps, NS, 'before');
    await usedIs('counts', { configmaps: '0', 'count/deployments.apps': '0', pods: '2' });
    const p2 = (await env.client.get(resources.pods, NS, 'p2')) as KubeObject;
    await env.client.update(resources.pods, { ...p2, status: { phase: 'Succeeded' } }, 'status');
    await usedIs('counts', { configmaps: '0', 'count/deployments.apps': '0', pods: '1' });
  });

  it('counts any served kind by count/<resource>.<group>', async () => {
    await env.client.create(DEPLOYMENTS, NS, {
      metadata: { name: 'd' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: pod('x').spec },
      },
    });
    await usedIs('counts', { configmaps: '0', 'count/deployments.apps': '1', pods: '1' });
  });

  it('sums compute resources over the pods in its scopes', async () => {
    await env.client.create(RESOURCE_QUOTAS, NS, {
      metadata: { name: 'compute' },
      spec: {
        hard: { 'requests.cpu': '4', 'limits.memory': '4Gi', pods: '5' },
        scopes: ['NotBestEffort'],
      },
    });
    await env.client.create(
      resources.pods,
      NS,
      pod(
        'sized',
        {
          initContainers: [
            {
              name: 'init',
              image: 'busybox',
              resources: { requests: { cpu: '2' }, limits: { memory: '256Mi' } },
            },
          ],
        },
        { requests: { cpu: '500m' }, limits: { memory: '512Mi' } },
      ),
    );
    // The init container's 2 CPUs outweigh the app container's 500m; best-effort pods are out.
    await usedIs('compute', { 'limits.memory': '512Mi', pods: '1', 'requests.cpu': '2' });
  });
});
