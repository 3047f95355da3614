import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound, resources } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { garbageCollector } from './index.js';

const gone = (p: Promise<unknown>): Promise<boolean> =>
  p.then(
    () => false,
    (e) => isNotFound(e),
  );

describe('garbage collector', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([garbageCollector]);
  });
  after(async () => env.stop());

  async function ownerWithDependents(name: string): Promise<KubeObject> {
    const owner = await env.client.create(resources.configMaps, 'default', { metadata: { name } });
    for (const i of [1, 2]) {
      await env.client.create(resources.configMaps, 'default', {
        metadata: {
          name: `${name}-dep${i}`,
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name,
              uid: owner.metadata.uid ?? '',
              blockOwnerDeletion: true,
            },
          ],
        },
      });
    }
    return owner;
  }

  it('deletes dependents of a deleted owner (background)', async () => {
    await ownerWithDependents('bg');
    await env.client.delete(resources.configMaps, 'default', 'bg', {
      propagationPolicy: 'Background',
    });
    await eventually(
      () => gone(env.client.get(resources.configMaps, 'default', 'bg-dep1')),
      'dep1 collected',
    );
    await eventually(
      () => gone(env.client.get(resources.configMaps, 'default', 'bg-dep2')),
      'dep2 collected',
    );
  });

  it('keeps a foreground-deleted owner until its dependents are gone', async () => {
    await ownerWithDependents('fg');
    await env.client.delete(resources.configMaps, 'default', 'fg', {
      propagationPolicy: 'Foreground',
    });
    const owner = await env.client.get(resources.configMaps, 'default', 'fg');
    assert.ok(owner.metadata.deletionTimestamp, 'owner marked for deletion');
    assert.ok(owner.metadata.finalizers?.includes('foregroundDeletion'));
    await eventually(
      () => gone(env.client.get(resources.configMaps, 'default', 'fg')),
      'owner removed after dependents',
    );
    assert.ok(await gone(env.client.get(resources.configMaps, 'default', 'fg-dep1')));
  });

  it('orphans dependents when asked', async () => {
    await ownerWithDependents('or');
    await env.client.delete(resources.configMaps, 'default', 'or', { propagationPolicy: 'Orphan' });
    await eventually(
      () => gone(env.client.get(resources.configMaps, 'default', 'or')),
      'owner removed',
    );
    const dep = await env.client.get(resources.configMaps, 'default', 'or-dep1');
    assert.equal(dep.metadata.ownerReferences, undefined);
  });

  it('collects an object created with an owner that does not exist', async () => {
    await env.client.create(resources.configMaps, 'default', {
      metadata: {
        name: 'stray',
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'nobody',
            uid: '00000000-0000-0000-0000-000000000000',
          },
        ],
      },
    });
    await eventually(
      () => gone(env.client.get(resources.configMaps, 'default', 'stray')),
      'stray collected',
    );
  });
});
