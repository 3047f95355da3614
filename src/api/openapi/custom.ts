// The OpenAPI definitions and paths of custom resources, as kube-apiextensions-server's
// builder publishes them for each served version of an established definition: the
// version's `openAPIV3Schema` with apiVersion, kind and metadata (an ObjectMeta ref) added
// and `x-kubernetes-group-version-kind` set, its List type, and the resource's operations.

import type { OpenApiOperation } from './catalog.js';
import { DEFINITIONS_PREFIX } from './schema.js';
import type { Schema } from './schema.js';
import { addPaths } from './spec.js';
import type { PathItem } from './spec.js';

/** One served version of a custom resource. */
export interface CustomResourceApi {
  group: string;
  version: string;
  plural: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  /** The version's `schema.openAPIV3Schema`, if any. */
  schema: Record<string, unknown> | undefined;
  /** `spec.preserveUnknownFields` of the definition. */
  preserveUnknownFields?: boolean;
  status: boolean;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const API_VERSION_DOC =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DOC =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_METADATA_DOC =
  'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const EMBEDDED_API_VERSION_DOC =
  'apiVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const EMBEDDED_KIND_DOC =
  'kind is a string value representing the type of this object. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** `stable.example.com`, `v1`, `CronTab` → `com.example.stable.v1.CronTab` (kube's REST-friendly name). */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

/** The operation set of one custom resource version (see catalog.ts). */
export function customOperation(r: CustomResourceApi): OpenApiOperation {
  return {
    group: r.group,
    version: r.version,
    resource: r.plural,
    namespaced: r.namespaced,
    method: 'patch',
    kind: { group: r.group, version: r.version, kind: r.kind },
    listed: true,
    ...(r.status ? { status: true } : {}),
    definition: customDefinitionName(r.group, r.version, r.kind),
    listDefinition: customDefinitionName(r.group, r.version, r.listKind),
    custom: true,
  };
}

const ref = (name: string, description: string): Schema => ({
  $ref: DEFINITIONS_PREFIX + name,
  description,
});

/** Schema keywords Swagger 2.0 cannot carry, dropped for `/openapi/v2` as kube does. */
const NOT_IN_V2 = new Set(['oneOf', 'anyOf', 'not', 'nullable', 'x-kubernetes-validations']);

function toV2(s: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (NOT_IN_V2.has(k) || k === 'allOf') continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, Record<string, unknown>>).map(([n, p]) => [n, toV2(p)]),
      );
    } else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') {
      out[k] = toV2(v as Record<string, unknown>);
    } else out[k] = v;
  }
  // An int-or-string field has no single type in Swagger 2.0.
  if (out['x-kubernetes-int-or-string'] === true) delete out.type;
  return out;
}

/** apiVersion, kind and metadata for every `x-kubernetes-embedded-resource` object. */
function addEmbedded(s: Record<string, unknown>, v2: boolean): Record<string, unknown> {
  const out = { ...s };
  const props = out.properties as Record<string, Record<string, unknown>> | undefined;
  if (props)
    out.properties = Object.fromEntries(
      Object.entries(props).map(([n, p]) => [n, addEmbedded(p, v2)]),
    );
  for (const k of ['items', 'additionalProperties'] as const) {
    const v = out[k];
    if (v && typeof v === 'object') out[k] = addEmbedded(v as Record<string, unknown>, v2);
  }
  if (v2 && out['x-kubernetes-preserve-unknown-fields'] === true) return out;
  if (out['x-kubernetes-embedded-resource'] === true) {
    out.properties = {
      ...((out.properties as Record<string, unknown> | undefined) ?? {}),
      apiVersion: { description: EMBEDDED_API_VERSION_DOC, type: 'string' },
      kind: { description: EMBEDDED_KIND_DOC, type: 'string' },
      metadata: ref(`${META}ObjectMeta`, METADATA_DOC),
    };
    const required = new Set((out.required as string[] | undefined) ?? []);
    out.required = [
      ...((out.required as string[] | undefined) ?? []),
      ...(['kind', 'apiVersion'] as const).filter((k) => !required.has(k)),
    ];
  }
  return out;
}

/** The kind's definition: its schema with the object's type and object meta added. */
function kindSchema(r: CustomResourceApi, v2: boolean): Schema {
  const gvk = [{ group: r.group, kind: r.kind, version: r.version }];
  const schema = r.schema;
  // Without a schema (or with unknown fields kept, for v2) kube publishes a bare object,
  // so that clients do not take the missing fields for unknown ones.
  if (
    !schema ||
    (v2 && (schema['x-kubernetes-preserve-unknown-fields'] === true || r.preserveUnknownFields))
  )
    return { type: 'object', 'x-kubernetes-group-version-kind': gvk };
  let out = structuredClone(schema);
  if (v2) out = toV2(out);
  out.properties = {
    ...((out.properties as Record<string, unknown> | undefined) ?? {}),
    metadata: ref(`${META}ObjectMeta`, METADATA_DOC),
    apiVersion: { description: API_VERSION_DOC, type: 'string' },
    kind: { description: KIND_DOC, type: 'string' },
  };
  out = addEmbedded(out, v2);
  out['x-kubernetes-group-version-kind'] = gvk;
  return out as Schema;
}

function listSchema(r: CustomResourceApi): Schema {
  return {
    description: `${r.listKind} is a list of ${r.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { description: API_VERSION_DOC, type: 'string' },
      items: {
        description: `List of ${r.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        type: 'array',
        items: { $ref: DEFINITIONS_PREFIX + customDefinitionName(r.group, r.version, r.kind) },
      },
      kind: { description: KIND_DOC, type: 'string' },
      metadata: ref(`${META}ListMeta`, LIST_METADATA_DOC),
    },
    'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.listKind, version: r.version }],
  };
}

/** The paths and definitions of `resources`, for Swagger 2.0 (`v2`) or the v3 documents. */
export function customSwagger(
  resources: readonly CustomResourceApi[],
  v2: boolean,
): { paths: Record<string, PathItem>; definitions: Record<string, Schema> } {
  const paths: Record<string, PathItem> = {};
  const definitions: Record<string, Schema> = {};
  for (const r of resources) {
    addPaths(paths, customOperation(r));
    definitions[customDefinitionName(r.group, r.version, r.kind)] = kindSchema(r, v2);
    definitions[customDefinitionName(r.group, r.version, r.listKind)] = listSchema(r);
  }
  return { paths, definitions };
}
