// The protobuf form of a Swagger 2.0 document that kubectl downloads from `/openapi/v2`: the
// `openapi.v2` messages of google/gnostic (OpenAPIv2.proto). Only the messages and fields
// Skiff writes are declared; field numbers follow that file, so the bytes decode with
// gnostic's own types. Vendor extensions and enum values travel as YAML text in `Any.yaml`
// (JSON is YAML, and kube-openapi reads them back with a YAML parser).

import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import type { Schema } from './schema.js';
import type { Operation, Parameter, PathItem, SwaggerDoc } from './spec.js';

type FieldDef = { type: string; id: number; rule?: 'repeated' };
type Fields = Record<string, FieldDef>;

const str = (id: number): FieldDef => ({ type: 'string', id });
const bool = (id: number): FieldDef => ({ type: 'bool', id });
const msg = (type: string, id: number): FieldDef => ({ type, id });
const many = (type: string, id: number): FieldDef => ({ type, id, rule: 'repeated' });

/** One message: fields, and the oneof groups gnostic declares as `oneof oneof {…}`. */
function message(fields: Fields, oneof?: string[]): object {
  return oneof ? { fields, oneofs: { oneof: { oneof } } } : { fields };
}

const MESSAGES: Record<string, object> = {
  // `value` (1, google.protobuf.Any) is never written.
  Any: message({ yaml: str(2) }),
  NamedAny: message({ name: str(1), value: msg('Any', 2) }),
  Document: message({
    swagger: str(1),
    info: msg('Info', 2),
    host: str(3),
    basePath: str(4),
    schemes: many('string', 5),
    consumes: many('string', 6),
    produces: many('string', 7),
    paths: msg('Paths', 8),
    definitions: msg('Definitions', 9),
    vendorExtension: many('NamedAny', 16),
  }),
  Info: message({
    title: str(1),
    version: str(2),
    description: str(3),
    vendorExtension: many('NamedAny', 7),
  }),
  Paths: message({ vendorExtension: many('NamedAny', 1), path: many('NamedPathItem', 2) }),
  NamedPathItem: message({ name: str(1), value: msg('PathItem', 2) }),
  PathItem: message({
    ref: str(1),
    get: msg('Operation', 2),
    put: msg('Operation', 3),
    post: msg('Operation', 4),
    delete: msg('Operation', 5),
    patch: msg('Operation', 8),
    parameters: many('ParametersItem', 9),
    vendorExtension: many('NamedAny', 10),
  }),
  Operation: message({
    tags: many('string', 1),
    summary: str(2),
    description: str(3),
    operationId: str(5),
    produces: many('string', 6),
    consumes: many('string', 7),
    parameters: many('ParametersItem', 8),
    responses: msg('Responses', 9),
    schemes: many('string', 10),
    deprecated: bool(11),
    vendorExtension: many('NamedAny', 13),
  }),
  ParametersItem: message(
    { parameter: msg('Parameter', 1), jsonReference: msg('JsonReference', 2) },
    ['parameter', 'jsonReference'],
  ),
  JsonReference: message({ ref: str(1), description: str(2) }),
  Parameter: message(
    { bodyParameter: msg('BodyParameter', 1), nonBodyParameter: msg('NonBodyParameter', 2) },
    ['bodyParameter', 'nonBodyParameter'],
  ),
  BodyParameter: message({
    description: str(1),
    name: str(2),
    in: str(3),
    required: bool(4),
    schema: msg('Schema', 5),
    vendorExtension: many('NamedAny', 6),
  }),
  NonBodyParameter: message(
    {
      queryParameterSubSchema: msg('QueryParameterSubSchema', 3),
      pathParameterSubSchema: msg('PathParameterSubSchema', 4),
    },
    ['queryParameterSubSchema', 'pathParameterSubSchema'],
  ),
  QueryParameterSubSchema: message({
    required: bool(1),
    in: str(2),
    description: str(3),
    name: str(4),
    allowEmptyValue: bool(5),
    type: str(6),
    format: str(7),
    uniqueItems: bool(20),
    enum: many('Any', 21),
    vendorExtension: many('NamedAny', 23),
  }),
  PathParameterSubSchema: message({
    required: bool(1),
    in: str(2),
    description: str(3),
    name: str(4),
    type: str(5),
    format: str(6),
    uniqueItems: bool(19),
    enum: many('Any', 20),
    vendorExtension: many('NamedAny', 22),
  }),
  Responses: message({
    responseCode: many('NamedResponseValue', 1),
    vendorExtension: many('NamedAny', 2),
  }),
  NamedResponseValue: message({ name: str(1), value: msg('ResponseValue', 2) }),
  ResponseValue: message({ response: msg('Response', 1), jsonReference: msg('JsonReference', 2) }, [
    'response',
    'jsonReference',
  ]),
  Response: message({
    description: str(1),
    schema: msg('SchemaItem', 2),
    vendorExtension: many('NamedAny', 5),
  }),
  SchemaItem: message({ schema: msg('Schema', 1) }, ['schema']),
  Definitions: message({ additionalProperties: many('NamedSchema', 1) }),
  NamedSchema: message({ name: str(1), value: msg('Schema', 2) }),
  Properties: message({ additionalProperties: many('NamedSchema', 1) }),
  AdditionalPropertiesItem: message({ schema: msg('Schema', 1), boolean: bool(2) }, [
    'schema',
    'boolean',
  ]),
  TypeItem: message({ value: many('string', 1) }),
  ItemsItem: message({ schema: many('Schema', 1) }),
  Schema: message({
    ref: str(1),
    format: str(2),
    title: str(3),
    description: str(4),
    default: msg('Any', 5),
    uniqueItems: bool(16),
    required: many('string', 19),
    enum: many('Any', 20),
    additionalProperties: msg('AdditionalPropertiesItem', 21),
    type: msg('TypeItem', 22),
    items: msg('ItemsItem', 23),
    allOf: many('Schema', 24),
    properties: msg('Properties', 25),
    readOnly: bool(27),
    vendorExtension: many('NamedAny', 31),
  }),
};

let root: protobuf.Root | undefined;

/** The `openapi.v2.Document` message type. */
export function documentType(): Type {
  root ??= protobuf.Root.fromJSON({
    nested: { openapi: { nested: { v2: { nested: MESSAGES } } } },
  });
  return root.lookupType('openapi.v2.Document');
}

/** Encode a Swagger 2.0 document as gnostic protobuf. */
export function encodeSwagger(doc: SwaggerDoc): Buffer {
  const type = documentType();
  const bytes = type.encode(type.fromObject(documentMessage(doc))).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

type Msg = Record<string, unknown>;

const anyOf = (value: unknown): Msg => ({ yaml: JSON.stringify(value) });

function vendorExtensions(obj: object): Msg[] {
  return Object.entries(obj)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, value]) => ({ name, value: anyOf(value) }));
}

function documentMessage(doc: SwaggerDoc): Msg {
  return {
    swagger: doc.swagger,
    info: { title: doc.info.title, version: doc.info.version },
    paths: {
      path: Object.entries(doc.paths).map(([name, item]) => ({
        name,
        value: pathItemMessage(item),
      })),
    },
    definitions: {
      additionalProperties: Object.entries(doc.definitions).map(([name, s]) => ({
        name,
        value: schemaMessage(s),
      })),
    },
  };
}

export function schemaMessage(s: Schema): Msg {
  const m: Msg = {};
  if (s.$ref) m.ref = s.$ref;
  if (s.format) m.format = s.format;
  if (s.description) m.description = s.description;
  if (s.required) m.required = s.required;
  if (s.enum) m.enum = s.enum.map(anyOf);
  if (s.additionalProperties !== undefined) {
    m.additionalProperties =
      typeof s.additionalProperties === 'boolean'
        ? { boolean: s.additionalProperties }
        : { schema: schemaMessage(s.additionalProperties) };
  }
  if (s.type) m.type = { value: [s.type] };
  if (s.items) m.items = { schema: [schemaMessage(s.items)] };
  if (s.allOf) m.allOf = s.allOf.map(schemaMessage);
  if (s.properties) {
    m.properties = {
      additionalProperties: Object.entries(s.properties).map(([name, p]) => ({
        name,
        value: schemaMessage(p),
      })),
    };
  }
  const ext = vendorExtensions(s);
  if (ext.length > 0) m.vendorExtension = ext;
  return m;
}

function pathItemMessage(item: PathItem): Msg {
  const m: Msg = { parameters: item.parameters.map(parameterMessage) };
  for (const verb of ['get', 'put', 'post', 'delete', 'patch'] as const) {
    const op = item[verb];
    if (op) m[verb] = operationMessage(op);
  }
  return m;
}

function operationMessage(op: Operation): Msg {
  return {
    tags: op.tags,
    description: op.description,
    operationId: op.operationId,
    produces: op.produces,
    consumes: op.consumes,
    parameters: op.parameters.map(parameterMessage),
    responses: {
      responseCode: Object.entries(op.responses).map(([name, r]) => ({
        name,
        value: {
          response: {
            description: r.description,
            ...(r.schema ? { schema: { schema: schemaMessage(r.schema) } } : {}),
          },
        },
      })),
    },
    schemes: op.schemes,
    vendorExtension: vendorExtensions(op),
  };
}

function parameterMessage(p: Parameter): Msg {
  if (p.in === 'body') {
    const body: Msg = { name: p.name, in: 'body', required: p.required ?? false };
    if (p.schema) body.schema = schemaMessage(p.schema);
    return { parameter: { bodyParameter: body } };
  }
  const sub: Msg = { name: p.name, in: p.in, type: p.type ?? 'string' };
  if (p.description) sub.description = p.description;
  if (p.required) sub.required = true;
  if (p.uniqueItems) sub.uniqueItems = true;
  const key = p.in === 'path' ? 'pathParameterSubSchema' : 'queryParameterSubSchema';
  return { parameter: { nonBodyParameter: { [key]: sub } } };
}
