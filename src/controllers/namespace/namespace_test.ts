import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound, resources } from '../../client/index.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { namespaceController } from './index.js';
import { serviceAccountController, ROOT_CA_CONFIGMAP } from '../serviceaccount/index.js';

describe('namespace lifecycle and service accounts', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([
      namespaceController,
      serviceAccountController({ caPem: 'CA-PEM' }),
    ]);
  });
  after(async () => env.stop());

  it('gives every namespace a default service account and the root CA', async () => {
    await env.client.create(resources.namespaces, '', { metadata: { name: 'team-a' } });
    await eventually(
      () => env.client.get(resources.serviceAccounts, 'team-a', 'default'),
      'default service account',
    );
    const cm = await eventually(
      () => env.client.get(resources.configMaps, 'team-a', ROOT_CA_CONFIGMAP),
      'root CA config map',
    );
    assert.deepEqual(cm['data'], { 'ca.crt': 'CA-PEM' });
    // Deleted, it comes back.
    await env.client.delete(resources.serviceAccounts, 'team-a', 'default');
    await eventually(
      () => env.client.get(resources.serviceAccounts, 'team-a', 'default'),
      'service account recreated',
    );
  });

  it('deletes a namespace with everything in it', async () => {
    await env.client.create(resources.namespaces, '', { metadata: { name: 'doomed' } });
    await env.client.create(resources.configMaps, 'doomed', {
      metadata: { name: 'c1' },
      data: { a: 'b' },
    });
    await env.client.create(resources.services, 'doomed', {
      metadata: { name: 's1' },
      spec: { ports: [{ port: 80 }] },
    });
    await env.client.delete(resources.namespaces, '', 'doomed');
    const ns = await env.client.get(resources.namespaces, '', 'doomed').catch(() => undefined);
    if (ns) assert.equal((ns['status'] as { phase?: string }).phase, 'Terminating');
    await eventually(
      () =>
        env.client.get(resources.namespaces, '', 'doomed').then(
          () => false,
          (e) => isNotFound(e),
        ),
      'namespace gone',
    );
    const left = await env.client.list(resources.configMaps, 'doomed');
    assert.equal(left.items.length, 0);
  });
});
