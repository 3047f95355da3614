import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KINDS, TYPES, fieldOf, rootType } from './merge-keys.js';

void describe('merge-keys data', () => {
  void it('every kind and every referenced type is defined', () => {
    for (const t of Object.values(KINDS)) assert.ok(TYPES[t], `kind type ${t}`);
    for (const [name, def] of Object.entries(TYPES)) {
      for (const [field, meta] of Object.entries(def.fields ?? {})) {
        if (meta.type) assert.ok(TYPES[meta.type], `${name}.${field} refers to ${meta.type}`);
      }
    }
  });

  void it('keyed lists name their merge key among their key fields', () => {
    for (const [name, def] of Object.entries(TYPES)) {
      for (const [field, meta] of Object.entries(def.fields ?? {})) {
        if (meta.listType === 'map') assert.ok(meta.keys?.length, `${name}.${field} has keys`);
        if (meta.listType === 'map' && meta.mergeKey)
          assert.ok(meta.keys?.includes(meta.mergeKey), `${name}.${field}`);
      }
    }
  });

  void it("finds the tags of kubectl's favourite fields", () => {
    const podSpec = fieldOf(
      fieldOf(fieldOf(rootType('apps', 'Deployment'), 'spec')?.type, 'template')?.type,
      'spec',
    )?.type;
    assert.equal(podSpec, 'PodSpec');
    assert.equal(fieldOf(podSpec, 'containers')?.mergeKey, 'name');
    assert.equal(fieldOf(podSpec, 'tolerations'), undefined);
    assert.deepEqual(fieldOf('Container', 'ports')?.keys, ['containerPort', 'protocol']);
    assert.equal(fieldOf(rootType('', 'ConfigMap'), 'metadata')?.type, 'ObjectMeta');
    assert.equal(rootType('example.com', 'Widget'), 'Object');
  });
});
