// OpenAPI v3 documents, one per group-version, derived from the Swagger 2.0 specification the
// way kube-apiserver publishes them: schemas under `components.schemas`, a ref that carries
// siblings (description, extensions) wrapped as `allOf: [{$ref}]`, and each document closed
// over the schemas its paths reach.

import { createHash } from 'node:crypto';
import { groupVersionPath } from './catalog.js';
import { DEFINITIONS_PREFIX } from './schema.js';
import type { Schema } from './schema.js';
import type { Operation, Parameter, PathItem, SwaggerDoc } from './spec.js';

const SCHEMAS_PREFIX = '#/components/schemas/';

// Types whose v3 schema lists alternatives instead of one type (as their Go types declare
// for the v3 generator); explain then names them (`<IntOrString>`, `<Quantity>`).
const ONE_OF: Record<string, string[]> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': ['integer', 'string'],
  'io.k8s.apimachinery.pkg.api.resource.Quantity': ['string', 'number'],
};

export interface V3Document {
  /** JSON bytes as served. */
  body: Buffer;
  /** Uppercase hex SHA-512 of `body`, as kube-apiserver computes it. */
  etag: string;
}

/** Build every group-version document of `doc`, keyed by `api/v1`, `apis/apps/v1`…. */
export function buildV3(doc: SwaggerDoc): Map<string, V3Document> {
  const byGroupVersion = new Map<string, [string, PathItem][]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    const key = groupVersionOfPath(path);
    const list = byGroupVersion.get(key) ?? [];
    list.push([path, item]);
    byGroupVersion.set(key, list);
  }
  const out = new Map<string, V3Document>();
  for (const [key, items] of byGroupVersion) {
    const paths: Record<string, unknown> = {};
    const roots = new Set<string>();
    for (const [path, item] of items) {
      paths[path] = convertPathItem(item, roots);
    }
    for (const name of ['DeleteOptions', 'Patch', 'Status', 'WatchEvent']) {
      roots.add(`io.k8s.apimachinery.pkg.apis.meta.v1.${name}`);
    }
    const schemas: Record<string, unknown> = {};
    for (const name of closure(doc, roots)) {
      const def = doc.definitions[name];
      if (!def) continue;
      const schema = convertSchema(def);
      const oneOf = ONE_OF[name];
      if (oneOf) {
        delete schema.type;
        schema.oneOf = oneOf.map((type) => ({ type }));
      }
      schemas[name] = schema;
    }
    const document = { openapi: '3.0.0', info: doc.info, paths, components: { schemas } };
    const body = Buffer.from(JSON.stringify(document));
    out.set(key, { body, etag: createHash('sha512').update(body).digest('hex').toUpperCase() });
  }
  return out;
}

function groupVersionOfPath(path: string): string {
  const parts = path.split('/');
  return parts[1] === 'api'
    ? groupVersionPath('', parts[2] ?? '')
    : groupVersionPath(parts[2] ?? '', parts[3] ?? '');
}

/** Names of `roots` and of every definition they reach, sorted. */
function closure(doc: SwaggerDoc, roots: Set<string>): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  const visit = (s: unknown): void => {
    if (Array.isArray(s)) s.forEach(visit);
    else if (s && typeof s === 'object') {
      for (const [k, v] of Object.entries(s)) {
        if (k === '$ref' && typeof v === 'string') queue.push(v.slice(DEFINITIONS_PREFIX.length));
        else visit(v);
      }
    }
  };
  while (queue.length > 0) {
    const name = queue.pop() ?? '';
    if (seen.has(name)) continue;
    seen.add(name);
    visit(doc.definitions[name]);
  }
  return [...seen].sort();
}

/** Swagger schema → OpenAPI v3 schema. */
export function convertSchema(s: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === '$ref') continue;
    if (key === 'items') {
      out.items = convertSchema(value as Schema);
    } else if (key === 'additionalProperties') {
      out.additionalProperties =
        typeof value === 'object' ? convertSchema(value as Schema) : (value as boolean);
    } else if (key === 'properties') {
      const props: Record<string, Schema> = {};
      for (const [name, prop] of Object.entries(value as Record<string, Schema>))
        props[name] = convertSchema(prop);
      out.properties = props;
    } else {
      (out as Record<string, unknown>)[key] = value;
    }
  }
  if (s.$ref) {
    const ref = SCHEMAS_PREFIX + s.$ref.slice(DEFINITIONS_PREFIX.length);
    if (Object.keys(out).length === 0) return { $ref: ref };
    return { allOf: [{ $ref: ref }], ...out };
  }
  return out;
}

function convertPathItem(item: PathItem, roots: Set<string>): unknown {
  const out: Record<string, unknown> = {};
  for (const verb of ['get', 'put', 'post', 'delete', 'patch'] as const) {
    const op = item[verb];
    if (op) out[verb] = convertOperation(op, roots);
  }
  out.parameters = item.parameters.map(convertParameter);
  return out;
}

function convertParameter(p: Parameter): unknown {
  const schema: Record<string, unknown> = { type: p.type ?? 'string' };
  if (p.uniqueItems) schema.uniqueItems = true;
  const out: Record<string, unknown> = { name: p.name, in: p.in };
  if (p.description) out.description = p.description;
  if (p.required) out.required = true;
  out.schema = schema;
  return out;
}

function convertOperation(op: Operation, roots: Set<string>): unknown {
  const body = op.parameters.find((p) => p.in === 'body');
  const refOf = (s: Schema | undefined): Schema | undefined => {
    if (!s?.$ref) return undefined;
    roots.add(s.$ref.slice(DEFINITIONS_PREFIX.length));
    return { $ref: SCHEMAS_PREFIX + s.$ref.slice(DEFINITIONS_PREFIX.length) };
  };
  const bodySchema = refOf(body?.schema);
  const responses: Record<string, unknown> = {};
  for (const [code, r] of Object.entries(op.responses)) {
    const schema = refOf(r.schema);
    responses[code] = schema
      ? {
          description: r.description,
          content: Object.fromEntries(op.produces.map((t) => [t, { schema }])),
        }
      : { description: r.description };
  }
  return {
    tags: op.tags,
    description: op.description,
    operationId: op.operationId,
    parameters: op.parameters.filter((p) => p.in !== 'body').map(convertParameter),
    ...(bodySchema
      ? {
          requestBody: {
            content: Object.fromEntries(op.consumes.map((t) => [t, { schema: bodySchema }])),
            ...(body?.required ? { required: true } : {}),
          },
        }
      : {}),
    responses,
    'x-kubernetes-action': op['x-kubernetes-action'],
    'x-kubernetes-group-version-kind': op['x-kubernetes-group-version-kind'],
  };
}
