import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesAnyTerm, podSpecFitsNode, tolerates } from './node-selection.js';
import type { KubeObject } from './types.js';

const node: KubeObject = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', labels: { zone: 'a', cores: '8' } },
};

test('node selector terms: each operator, the name field, and an empty term', () => {
  const holds = (operator: string, key: string, values?: string[]): boolean =>
    matchesAnyTerm(
      [{ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }],
      node,
    );
  assert.equal(holds('In', 'zone', ['a', 'b']), true);
  assert.equal(holds('In', 'zone', ['b']), false);
  assert.equal(holds('NotIn', 'zone', ['b']), true);
  assert.equal(holds('NotIn', 'rack', ['b']), true);
  assert.equal(holds('Exists', 'zone'), true);
  assert.equal(holds('DoesNotExist', 'zone'), false);
  assert.equal(holds('Gt', 'cores', ['4']), true);
  assert.equal(holds('Lt', 'cores', ['4']), false);
  assert.equal(holds('Gt', 'rack', ['4']), false);
  assert.equal(holds('Sideways', 'zone', ['a']), false);
  const byName = (name: string) =>
    matchesAnyTerm(
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [name] }] }],
      node,
    );
  assert.equal(byName('n1'), true);
  assert.equal(byName('n2'), false);
  // An empty term matches no node; any matching term is enough.
  assert.equal(matchesAnyTerm([{}], node), false);
  assert.equal(
    matchesAnyTerm([{}, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }], node),
    true,
  );
});

test('a pod spec fits by nodeSelector and required node affinity together', () => {
  assert.equal(podSpecFitsNode({}, node), true);
  assert.equal(podSpecFitsNode({ nodeSelector: { zone: 'a' } }, node), true);
  assert.equal(podSpecFitsNode({ nodeSelector: { zone: 'b' } }, node), false);
  const affinity = (operator: string) => ({
    nodeSelector: { zone: 'a' },
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator, values: ['16'] }] }],
        },
      },
    },
  });
  assert.equal(podSpecFitsNode(affinity('Lt'), node), true);
  assert.equal(podSpecFitsNode(affinity('Gt'), node), false);
});

test('tolerations: Exists with and without a key, Equal by value, effects', () => {
  const taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
  assert.equal(tolerates([{ operator: 'Exists' }], taint), true);
  assert.equal(tolerates([{ key: 'dedicated', operator: 'Exists' }], taint), true);
  assert.equal(tolerates([{ key: 'dedicated', value: 'db' }], taint), true);
  assert.equal(tolerates([{ key: 'dedicated', value: 'web' }], taint), false);
  assert.equal(tolerates([{ operator: 'Exists', effect: 'NoExecute' }], taint), false);
  assert.equal(tolerates([], taint), false);
});
