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
import { customSwagger } from './custom.js';
import type { CustomResourceApi } from './custom.js';
import { groupVersionPath } from './catalog.js';
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
  /**
   * Publishes the served versions of the established custom resources (all of them, each
   * call replacing the last): their group-versions join the v3 index, and the documents of
   * the group-versions that changed, and `/openapi/v2`, are rebuilt on next use.
   */
  setCustomResources(resources: readonly CustomResourceApi[]): void;
}

function sortedKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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

  /** Custom resources by group-version key, with what their documents were built from. */
  let custom = new Map<string, { key: string; resources: CustomResourceApi[] }>();
  const customDocs = new Map<string, { key: string; doc: V3Document }>();
  let allDocuments: Map<string, V3Document> | undefined;

  const spec = (): SwaggerDoc => (swagger ??= buildSwagger(operations));
  /** The built-in specification with the custom resources' paths and definitions. */
  const fullSpec = (): SwaggerDoc => {
    const base = spec();
    if (custom.size === 0) return base;
    const extra = customSwagger(
      [...custom.values()].flatMap((c) => c.resources),
      true,
    );
    return {
      ...base,
      paths: { ...extra.paths, ...base.paths },
      definitions: sortedKeys({ ...extra.definitions, ...base.definitions }),
    };
  };
  const json = (): Buffer => (v2json ??= Buffer.from(JSON.stringify(fullSpec())));
  const builtinDocuments = (): Map<string, V3Document> => (v3 ??= buildV3(spec()));
  const documents = (): Map<string, V3Document> => {
    if (allDocuments) return allDocuments;
    const builtin = builtinDocuments();
    if (custom.size === 0) return (allDocuments = builtin);
    const out = new Map(builtin);
    for (const [gv, { key, resources }] of custom) {
      if (out.has(gv)) continue; // a built-in group-version is never replaced
      let built = customDocs.get(gv);
      if (built?.key !== key) {
        const extra = customSwagger(resources, false);
        const doc = buildV3({
          ...spec(),
          paths: extra.paths,
          definitions: { ...spec().definitions, ...extra.definitions },
        }).get(gv);
        if (!doc) continue;
        customDocs.set(gv, (built = { key, doc }));
      }
      out.set(gv, built.doc);
    }
    for (const gv of [...customDocs.keys()]) if (!custom.has(gv)) customDocs.delete(gv);
    return (allDocuments = out);
  };

  return {
    setCustomResources(resources) {
      const next = new Map<string, { key: string; resources: CustomResourceApi[] }>();
      for (const r of resources) {
        const gv = groupVersionPath(r.group, r.version);
        const entry = next.get(gv) ?? { key: '', resources: [] };
        entry.resources.push(r);
        next.set(gv, entry);
      }
      for (const entry of next.values()) {
        entry.resources.sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
        entry.key = JSON.stringify(entry.resources);
      }
      const same =
        next.size === custom.size &&
        [...next].every(([gv, { key }]) => custom.get(gv)?.key === key);
      if (same) return;
      custom = next;
      allDocuments = undefined;
      index = undefined;
      v2pb = undefined;
      v2json = undefined;
      v2etag = undefined;
    },
    v2Protobuf: () => (v2pb ??= encodeSwagger(fullSpec())),
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
