import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldSet, fieldElement as f, keyElement, pathString, valueElement } from './fieldset.js';

void describe('FieldSet', () => {
  const containers = [f('spec'), f('containers'), keyElement({ name: 'web' })];

  void it('writes FieldsV1 with "." for members that have children, in structured-merge-diff order', () => {
    const s = FieldSet.of(
      [...containers],
      [...containers, f('image')],
      [f('spec'), f('replicas')],
      [f('metadata'), f('finalizers'), valueElement('a')],
    );
    assert.equal(
      JSON.stringify(s.toFieldsV1()),
      '{"f:metadata":{"f:finalizers":{"v:\\"a\\"":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{}}},"f:replicas":{}}}',
    );
  });

  void it('reads FieldsV1 back', () => {
    const v1 = { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } };
    const s = FieldSet.fromFieldsV1(v1);
    assert.ok(s.has(containers));
    assert.ok(s.has([...containers, f('image')]));
    assert.ok(!s.has([f('spec')]));
    assert.deepEqual(s.toFieldsV1(), v1);
  });

  void it('refuses FieldsV1 with unknown path elements', () => {
    assert.throws(() => FieldSet.fromFieldsV1({ 'x:y': {} }), /unknown path element/);
  });

  void it('sorts keys by value: numbers numerically', () => {
    const s = FieldSet.of([keyElement({ port: 10 })], [keyElement({ port: 9 })]);
    assert.deepEqual(Object.keys(s.toFieldsV1()), ['k:{"port":9}', 'k:{"port":10}']);
  });

  void it('keys name their fields in order', () => {
    assert.equal(
      keyElement({ protocol: 'TCP', containerPort: 80 }),
      'k:{"containerPort":80,"protocol":"TCP"}',
    );
  });

  void it('union, difference and intersection work on members', () => {
    const a = FieldSet.of([f('a')], [f('b'), f('c')]);
    const b = FieldSet.of([f('b'), f('c')], [f('d')]);
    assert.deepEqual(a.union(b).paths(), [[f('a')], [f('b'), f('c')], [f('d')]]);
    assert.deepEqual(a.difference(b).paths(), [[f('a')]]);
    assert.deepEqual(a.intersection(b).paths(), [[f('b'), f('c')]]);
  });

  void it('can mark the object fields on the way to a path as members', () => {
    const s = FieldSet.of([...containers, f('image')]).withNamedFieldsAsMembers();
    assert.ok(s.has([f('spec')]) && s.has([f('spec'), f('containers')]));
    assert.ok(!s.has(containers), 'list items are not added');
  });

  void it('prints paths as conflict messages do', () => {
    assert.equal(pathString([...containers, f('image')]), '.spec.containers[name="web"].image');
    assert.equal(
      pathString([f('ports'), keyElement({ containerPort: 80, protocol: 'TCP' })]),
      '.ports[containerPort=80,protocol="TCP"]',
    );
    assert.equal(
      pathString([f('metadata'), f('finalizers'), valueElement('x')]),
      '.metadata.finalizers[="x"]',
    );
  });
});
