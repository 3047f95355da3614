import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../types.js';
import { invalid } from '../../errors.js';
import { cell, customResourceDef } from './custom-resource.js';
import { celRuleWarnings, compareVersionPriority, crdResource, viewOf } from './definition.js';

const crd = (over: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Cluster',
    names: { plural: 'widgets', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
        subresources: {
          status: {},
          scale: {
            specReplicasPath: '.spec.replicas',
            statusReplicasPath: '.status.replicas',
            labelSelectorPath: '.status.selector',
          },
        },
      },
    ],
    ...over,
  },
});

const validate = (obj: KubeObject): string => {
  crdResource.strategy.defaults?.(obj, { namespace: '', now: new Date() });
  return invalid(
    'CustomResourceDefinition',
    'apiextensions.k8s.io',
    obj.metadata.name ?? '',
    crdResource.strategy.validate?.(obj, { namespace: '', now: new Date() }) ?? [],
  ).message;
};

describe('CustomResourceDefinition', () => {
  it('defaults singular and listKind from the kind', () => {
    const obj = crd();
    crdResource.strategy.defaults?.(obj, { namespace: '', now: new Date() });
    const names = (obj.spec as { names: Record<string, unknown> }).names;
    assert.deepEqual(names, {
      plural: 'widgets',
      kind: 'Widget',
      singular: 'widget',
      listKind: 'WidgetList',
    });
    assert.deepEqual(crdResource.strategy.validate?.(obj, { namespace: '', now: new Date() }), []);
  });

  it('refuses a bad group, scope and names with kube texts', () => {
    assert.equal(
      validate({
        ...crd({
          group: 'example',
          scope: 'Global',
          names: { plural: 'Widgets', kind: 'Widget', listKind: 'Widget' },
        }),
        metadata: { name: 'Widgets.example' },
      }),
      'CustomResourceDefinition.apiextensions.k8s.io "Widgets.example" is invalid: [metadata.name: Invalid value: "Widgets.example": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\'), spec.group: Invalid value: "example": should be a domain with at least one dot, spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced", spec.names.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\'), spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same or parsing become ambiguous]',
    );
  });

  it('serves a version with status, scale and default Age column', () => {
    const view = viewOf(crd());
    const def = customResourceDef(
      view,
      { ...view.names, singular: 'widget', listKind: 'WidgetList' },
      view.versions[0]!,
    );
    assert.deepEqual(
      def.subresources?.map((s) => s.name),
      ['status', 'scale'],
    );
    assert.equal(
      def.scaleStrategy?.selector({ metadata: {}, status: { selector: 'app=w' } }),
      'app=w',
    );
    assert.deepEqual(
      def.strategy.columns?.map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['Age', 'date'],
      ],
    );
    assert.equal(def.namespaced, false);
    const now = new Date('2024-01-01T00:10:00Z');
    assert.deepEqual(
      def.strategy.row?.(
        { metadata: { name: 'w', creationTimestamp: '2024-01-01T00:00:00Z' } },
        now,
      ),
      ['w', '10m'],
    );
  });

  it('renders cells as kube table convertor does', () => {
    const obj: KubeObject = {
      metadata: {},
      status: { conditions: [{ type: 'Ready', status: 'True' }], n: 2.5, list: [1, 2] },
    };
    assert.equal(
      cell(
        { name: 'R', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        obj,
        new Date(),
      ),
      'True',
    );
    assert.equal(cell({ name: 'N', type: 'number', jsonPath: '.status.n' }, obj, new Date()), 2.5);
    assert.equal(
      cell({ name: 'I', type: 'integer', jsonPath: '.status.n' }, obj, new Date()),
      null,
    );
    assert.equal(
      cell({ name: 'L', type: 'string', jsonPath: '.status.list' }, obj, new Date()),
      '[1 2]',
    );
    assert.equal(
      cell({ name: 'M', type: 'string', jsonPath: '.status.missing' }, obj, new Date()),
      null,
    );
  });
});

it('orders versions as kube does', () => {
  assert.deepEqual(
    ['v1alpha1', 'foo', 'v1beta2', 'v2', 'v1', 'v1beta1', 'v11alpha2', 'bar'].sort(
      compareVersionPriority,
    ),
    ['v2', 'v1', 'v1beta2', 'v1beta1', 'v11alpha2', 'v1alpha1', 'bar', 'foo'],
  );
});

it('offers the selectable fields of a version to field selectors', () => {
  const base = crd();
  const spec = base.spec as { versions: Record<string, unknown>[] };
  spec.versions[0]!['selectableFields'] = [{ jsonPath: '.spec.color' }];
  const view = viewOf(base);
  const def = customResourceDef(view, view.names, view.versions[0]!);
  assert.deepEqual(def.strategy.selectableFields?.({ metadata: {}, spec: { color: 'red' } }), {
    'spec.color': 'red',
  });
});

it('asks groups of the Kubernetes project for the API approval annotation', () => {
  const obj = crd({ group: 'samplecontroller.k8s.io' });
  obj.metadata.name = 'widgets.samplecontroller.k8s.io';
  assert.equal(
    validate(obj),
    'CustomResourceDefinition.apiextensions.k8s.io "widgets.samplecontroller.k8s.io" is invalid: metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
  );
  obj.metadata.annotations = { 'api-approved.kubernetes.io': 'unapproved, testing' };
  assert.deepEqual(crdResource.strategy.validate?.(obj, { namespace: '', now: new Date() }), []);
});

describe('CEL rules in a definition', () => {
  const withSchema = (schema: unknown) =>
    ({
      metadata: { name: 'widgets.example.com' },
      spec: {
        versions: [
          { name: 'v1', schema: { openAPIV3Schema: schema } },
          { name: 'v2', schema: { openAPIV3Schema: { type: 'object' } } },
        ],
      },
    }) as unknown as KubeObject;
  it('warns, naming the versions, when a schema holds x-kubernetes-validations anywhere', () => {
    const nested = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            items: { type: 'array', items: { 'x-kubernetes-validations': [{ rule: 'self > 0' }] } },
          },
        },
      },
    };
    assert.deepEqual(celRuleWarnings(withSchema(nested)), [
      "x-kubernetes-validations rules (CEL) of version v1 are stored but not enforced by this server; the schema's other constraints are",
    ]);
  });
  it('says nothing without rules (or with an empty list)', () => {
    assert.deepEqual(celRuleWarnings(withSchema({ type: 'object' })), []);
    assert.deepEqual(
      celRuleWarnings(withSchema({ type: 'object', 'x-kubernetes-validations': [] })),
      [],
    );
  });
});
