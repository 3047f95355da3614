import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResourceTable, defaultResourceTable } from '../../../api/registry.js';
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
