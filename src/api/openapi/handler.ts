// The OpenAPI documents of the served kinds, built on first use and kept: loading the schema
// package and encoding the documents takes a few hundred milliseconds, which cluster start-up
// should not pay.

import { createHash } from 'node:crypto';
import type { GroupVersionKind } from '../types.js';
import { DEFAULT_OPERATIONS } from './catalog.js';
import type { OpenApiOperation } from './catalog.js';
import { encodeSwagger } from './gnostic.js';
import { buildSwagger } from './spec.js';
import type { SwaggerDoc } from './spec.js';
import { unknownFieldFinder } from './unknown-fields.js';
import type { UnknownFieldFinder } from './unknown-fields.js';
import { typeErrorFinder } from './type-errors.js';
import type { TypeErrorFinder } from './type-errors.js';
import { buildV3 } from './v3.js';
import type { V3Document } from './v3.js';

export interface OpenApiOptions {
  /** The operations to publish; defaults to everything Skiff serves. */
  operations?: readonly OpenApiOperation[];
}

export interface V3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface OpenApiHandler {
  /** `/openapi/v2` as gnostic protobuf. */
  v2Protobuf(): Buffer;
  /** `/openapi/v2` as JSON. */
  v2Json(): Buffer;
  /** Entity tag shared by both v2 forms (the Accept header picks the form). */
  v2Etag(): string;
  /** `/openapi/v3`: group-version → URL with the document's hash. */
  v3Index(): V3Index;
  /** A group-version document by its index key (`api/v1`, `apis/apps/v1`). */
  v3Document(path: string): V3Document | undefined;
  /** Paths of the fields in `obj` that the kind's schema does not declare. */
  findUnknownFields(gvk: GroupVersionKind, obj: unknown): string[];
  /** The first value in `obj` its Go type cannot decode, in encoding/json's words. */
  findTypeError(gvk: GroupVersionKind, obj: unknown): string | undefined;
}

export function createOpenApiHandler(options: OpenApiOptions = {}): OpenApiHandler {
  const operations = options.operations ?? DEFAULT_OPERATIONS;
  let swagger: SwaggerDoc | undefined;
  let v2pb: Buffer | undefined;
  let v2json: Buffer | undefined;
  let v2etag: string | undefined;
  let v3: Map<string, V3Document> | undefined;
  let index: V3Index | undefined;
  let finder: UnknownFieldFinder | undefined;
  let typeFinder: TypeErrorFinder | undefined;

  const spec = (): SwaggerDoc => (swagger ??= buildSwagger(operations));
  const json = (): Buffer => (v2json ??= Buffer.from(JSON.stringify(spec())));
  const documents = (): Map<string, V3Document> => (v3 ??= buildV3(spec()));

  return {
    v2Protobuf: () => (v2pb ??= encodeSwagger(spec())),
    v2Json: json,
    v2Etag: () => (v2etag ??= createHash('sha512').update(json()).digest('hex').toUpperCase()),
    v3Index: () => {
      if (!index) {
        const paths: V3Index['paths'] = {};
        for (const [key, doc] of [...documents()].sort(([a], [b]) => (a < b ? -1 : 1))) {
          paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.etag}` };
        }
        index = { paths };
      }
      return index;
    },
    v3Document: (path) =>
      documents().get(path.replace(/^\/?(openapi\/v3\/)?/, '').replace(/\/$/, '')),
    findUnknownFields: (gvk, obj) => (finder ??= unknownFieldFinder(spec().definitions))(gvk, obj),
    findTypeError: (gvk, obj) => (typeFinder ??= typeErrorFinder(spec().definitions))(gvk, obj),
  };
}
