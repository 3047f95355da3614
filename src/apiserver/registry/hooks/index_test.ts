import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResourceTable, defaultResourceTable } from '../../../api/registry.js';
import { convertedHooks } from './converted.js';
import { hookTable, hooksByResource } from './index.js';
import { parseCidr } from './ipnet.js';

const settings = {
  serviceCidr: parseCidr('10.96.0.0/12'),
  nodePortRange: { min: 30000, max: 32767 },
};

void test('each row of the hook table gives its kind hooks in the default table', () => {
  const table = defaultResourceTable();
  const hooks = hooksByResource(table, settings);
  for (const row of hookTable) {
    const def = table.byGroupResource(row.group, row.plural);
    assert.ok(def && hooks.get(def), row.plural);
  }
  // Every other version served from a hooked kind's storage has them too.
  const served = table.all.filter((d) =>
    hookTable.some(
      (row) =>
        (d.group === row.group && d.plural === row.plural) ||
        (d.storageOf?.group === row.group && d.storageOf.plural === row.plural),
    ),
  );
  assert.equal(hooks.size, served.length);
  for (const d of served) assert.ok(hooks.get(d), `${d.group}/${d.version}/${d.plural}`);
  const pods = table.byGroupResource('', 'pods');
  assert.ok(pods);
  assert.equal(hooks.get(pods)?.returnDeletedObject, true);
});

void test('a table without a hooked kind is refused', () => {
  const table = createResourceTable(
    defaultResourceTable().all.filter((d) => d.plural !== 'namespaces'),
  );
  assert.throws(() => hooksByResource(table, settings), /missing resource namespaces/);
});

void test('a served version runs the hooks on the stored shape and keeps their changes', async () => {
  const seen: unknown[] = [];
  const hooks = convertedHooks(
    {
      beforeCreate(obj) {
        seen.push(obj.apiVersion);
        (obj['spec'] as Record<string, unknown>)['size'] = 2;
      },
      gracePeriodSeconds: (obj) => Number((obj['spec'] as { size: number }).size),
      returnDeletedObject: true,
    },
    {
      toStorage: (o) => ({ ...structuredClone(o), apiVersion: 'stored/v1' }),
      fromStorage: (o) => ({ ...structuredClone(o), apiVersion: 'served/v1beta1' }),
    },
  );
  const obj = { apiVersion: 'served/v1beta1', metadata: { name: 'a' }, spec: { size: 1 } };
  await hooks.beforeCreate?.(obj, { registry: undefined as never, now: new Date() });
  assert.deepEqual(seen, ['stored/v1']);
  assert.deepEqual(obj, {
    apiVersion: 'served/v1beta1',
    metadata: { name: 'a' },
    spec: { size: 2 },
  });
  assert.equal(hooks.gracePeriodSeconds?.(obj, undefined), 2);
  assert.equal(hooks.returnDeletedObject, true);
  assert.equal(hooks.beforeUpdate, undefined);
});
