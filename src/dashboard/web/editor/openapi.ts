// The server's OpenAPI v3, fetched as the editor needs it: the index once, each group-version
// document once (they are large and change only with the server), each kind's schema once.

import { api } from '../api/client.js';
import { documentUrl, KindSchema, type OpenApiDocument } from './schema.js';

let index: Promise<{ paths?: Record<string, { serverRelativeURL?: string }> }> | undefined;
const documents = new Map<string, Promise<OpenApiDocument>>();
const kinds = new Map<string, Promise<KindSchema | undefined>>();

/** The kind's schema, or undefined when the server publishes none (or may not be asked). */
export function kindSchema(apiVersion: string, kind: string): Promise<KindSchema | undefined> {
  const key = `${apiVersion}/${kind}`;
  let found = kinds.get(key);
  if (!found) {
    found = load(apiVersion, kind).catch(() => {
      // try again next time (a dropped connection, a refusal that RBAC may lift)
      kinds.delete(key);
      index = undefined;
      return undefined;
    });
    kinds.set(key, found);
  }
  return found;
}

async function load(apiVersion: string, kind: string): Promise<KindSchema | undefined> {
  index ??= api('/openapi/v3');
  const url = documentUrl(await index, apiVersion);
  if (!url) return undefined;
  let doc = documents.get(url);
  if (!doc) {
    doc = api<OpenApiDocument>(url);
    documents.set(url, doc);
    doc.catch(() => documents.delete(url));
  }
  return KindSchema.find(await doc, apiVersion, kind);
}
