import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound, resources } from '../../client/index.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { legacyTokenCleaner } from './index.js';
import { podSecretNames } from '../../api/kinds/index.js';

const YEAR = 365 * 24 * 3600_000;
const INVALID_SINCE = 'kubernetes.io/legacy-token-invalid-since';

describe('legacy service-account token cleaner', () => {
  let env: ControllerTestEnv;
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset) };
  before(async () => {
    env = await startControllers([legacyTokenCleaner({ syncIntervalMs: 50 })], clock);
  });
  after(async () => env.stop());

  const tokenSecret = (name: string, extra: object = {}) =>
    env.client.create(resources.secrets, 'clean', {
      metadata: { name, annotations: { 'kubernetes.io/service-account.name': 'robot' }, ...extra },
      type: 'kubernetes.io/service-account-token',
      data: { token: Buffer.from(name).toString('base64') },
    });
  const labels = async (name: string) =>
    (await env.client.get(resources.secrets, 'clean', name)).metadata.labels ?? {};

  it('invalidates unused auto-generated token secrets after a year, deletes them a year later', async () => {
    await env.client.create(resources.configMaps, 'kube-system', {
      metadata: { name: 'kube-apiserver-legacy-service-account-token-tracking' },
      data: { since: new Date().toISOString().slice(0, 10) },
    });
    await env.client.create(resources.namespaces, '', { metadata: { name: 'clean' } });
    await tokenSecret('auto');
    await tokenSecret('used', {
      labels: {
        'kubernetes.io/legacy-token-last-used': new Date(Date.now() + YEAR + 3 * 24 * 3600_000)
          .toISOString()
          .slice(0, 10),
      },
    });
    await tokenSecret('mounted');
    await tokenSecret('by-hand');
    await env.client.create(resources.serviceAccounts, 'clean', {
      metadata: { name: 'robot' },
      secrets: [{ name: 'auto' }, { name: 'used' }, { name: 'mounted' }],
    });
    await env.client.create(resources.pods, 'clean', {
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'c', image: 'busybox' }],
        volumes: [{ name: 'v', secret: { secretName: 'mounted' } }],
      },
    });
    // A year and two days on: only the listed, unused, unmounted one is invalidated.
    offset = YEAR + 2 * 24 * 3600_000;
    await eventually(async () => (await labels('auto'))[INVALID_SINCE], 'auto invalidated');
    for (const name of ['used', 'mounted', 'by-hand'])
      assert.equal((await labels(name))[INVALID_SINCE], undefined, name);
    // Another year on, it is deleted; the others stay.
    offset = 2 * YEAR + 4 * 24 * 3600_000;
    await eventually(async () => {
      try {
        await env.client.get(resources.secrets, 'clean', 'auto');
        return undefined;
      } catch (e) {
        return isNotFound(e) || undefined;
      }
    }, 'auto deleted');
    for (const name of ['mounted', 'by-hand'])
      assert.ok(await env.client.get(resources.secrets, 'clean', name));
  });

  it('finds the secrets a pod uses', () => {
    assert.deepEqual(
      [
        ...podSecretNames({
          imagePullSecrets: [{ name: 'pull' }],
          volumes: [
            { secret: { secretName: 'vol' } },
            { projected: { sources: [{ secret: { name: 'proj' } }] } },
          ],
          containers: [
            {
              env: [{ valueFrom: { secretKeyRef: { name: 'env' } } }],
              envFrom: [{ secretRef: { name: 'from' } }],
            },
          ],
        }),
      ].sort(),
      ['env', 'from', 'proj', 'pull', 'vol'],
    );
  });
});
