import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../errors.js';
import { applyDefaults, prune, structuralErrors, validateAgainst, type Schema } from './schema.js';

const SCHEMA: Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'string', enum: ['small', 'large'] },
        replicas: { type: 'integer', minimum: 1, maximum: 5, default: 2 },
        name: { type: 'string', minLength: 2, maxLength: 4, pattern: '^[a-z]+$' },
        port: { 'x-kubernetes-int-or-string': true },
        tags: { type: 'array', maxItems: 1, items: { type: 'string' } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        maybe: { type: 'string', nullable: true },
        nested: {
          type: 'object',
          default: {},
          properties: { on: { type: 'boolean', default: true } },
        },
      },
    },
  },
};

/** The message kube-apiserver would answer with for these errors. */
const message = (obj: unknown): string =>
  invalid('Thing', 'example.com', 'x', validateAgainst(obj, SCHEMA, '')).message;

describe('custom object schemas', () => {
  it('prunes undeclared fields but keeps maps, preserved objects and the root metadata', () => {
    const obj = {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 'x' },
      top: 1,
      spec: {
        size: 'small',
        extra: true,
        labels: { a: 'b' },
        free: { any: { thing: 1 } },
        tags: ['a'],
      },
    };
    assert.deepEqual(prune(obj, SCHEMA), ['top', 'spec.extra']);
    assert.deepEqual(obj, {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 'x' },
      spec: { size: 'small', labels: { a: 'b' }, free: { any: { thing: 1 } }, tags: ['a'] },
    });
  });

  it('applies defaults, parents first', () => {
    const obj = { spec: { size: 'small' } };
    applyDefaults(obj, SCHEMA);
    assert.deepEqual(obj.spec, { size: 'small', replicas: 2, nested: { on: true } });
  });

  it('refuses values with kube-apiserver texts', () => {
    assert.equal(
      message({ spec: { replicas: 'two' } }),
      'Thing.example.com "x" is invalid: [spec.size: Required value, spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"]',
    );
    assert.equal(
      message({ spec: { size: 'medium', replicas: 0, name: 'A', tags: ['a', 'b'] } }),
      'Thing.example.com "x" is invalid: [spec.size: Unsupported value: "medium": supported values: "small", "large", spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1, spec.name: Invalid value: "A": spec.name in body should be at least 2 chars long, spec.name: Invalid value: "A": spec.name in body should match \'^[a-z]+$\', spec.tags: Too many: 2: must have at most 1 items]',
    );
    assert.equal(
      message({
        spec: { size: 'small', name: 'abcde', port: true, maybe: null, labels: { a: 1 } },
      }),
      'Thing.example.com "x" is invalid: [spec.name: Too long: may not be more than 4 bytes, spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean", spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"]',
    );
    assert.deepEqual(validateAgainst({ spec: { size: 'large', port: 'http' } }, SCHEMA, ''), []);
  });

  it('checks that a definition schema is structural', () => {
    const errs = structuralErrors(
      { type: 'object', properties: { a: {}, b: { type: 'array' } } },
      'spec.versions[0].schema.openAPIV3Schema',
    );
    assert.equal(
      invalid('CustomResourceDefinition', 'apiextensions.k8s.io', 'x', errs).message,
      'CustomResourceDefinition.apiextensions.k8s.io "x" is invalid: [spec.versions[0].schema.openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields, spec.versions[0].schema.openAPIV3Schema.properties[b].items: Required value: must be specified]',
    );
    assert.equal(
      structuralErrors({ type: 'string' }, 'p')[0]?.detail,
      'must be object at the root',
    );
  });
});

describe('custom object schemas: nulls and embedded objects', () => {
  it('drops nulls of fields that are not nullable, then defaults them', () => {
    const schema: Schema = {
      type: 'object',
      properties: {
        a: { type: 'string', default: 'x' },
        b: { type: 'string', nullable: true },
        c: { type: 'integer' },
      },
    };
    const obj = { a: null, b: null, c: null };
    applyDefaults(obj, schema);
    assert.deepEqual(obj, { a: 'x', b: null });
  });

  it('keeps apiVersion, kind and metadata of an embedded resource', () => {
    const schema: Schema = {
      type: 'object',
      properties: {
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: {} } },
        },
      },
    };
    const obj = {
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 1 }, y: 2 },
    };
    assert.deepEqual(prune(obj, schema), ['template.spec.x', 'template.y']);
    assert.deepEqual(obj.template, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {},
    });
  });
});

it('checks multipleOf and the number of properties', () => {
  const schema: Schema = {
    type: 'object',
    properties: {
      n: { type: 'integer', multipleOf: 5 },
      m: { type: 'object', maxProperties: 1, additionalProperties: { type: 'string' } },
    },
  };
  assert.equal(
    invalid(
      'Thing',
      'example.com',
      'x',
      validateAgainst({ n: 7, m: { a: 'a', b: 'b' } }, schema, ''),
    ).message,
    'Thing.example.com "x" is invalid: [n: Invalid value: 7: n in body should be a multiple of 5, m: Too many: 2: must have at most 1 items]',
  );
});
