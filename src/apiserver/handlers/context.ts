// What every resource handler receives.

import type { ResourceTable } from '../../api/registry.js';
import type { KubeObject, ResourceDef } from '../../api/types.js';
import { badRequest } from '../../api/errors.js';
import { parseFieldSelector, parseLabelSelector } from '../../api/labels.js';
import type { Registry } from '../registry/generic.js';
import type { RequestInfo } from '../request-info.js';
import type { RequestContext } from '../types.js';
import type { AuthorizerChain } from '../auth/authz.js';
import type { AuthenticatorChain } from '../auth/authn.js';
import type { FieldTracker } from '../fields.js';

export interface ServerParts {
  table: ResourceTable;
  registry: Registry;
  authz: AuthorizerChain;
  /** For TokenReview: authenticates a presented token. */
  authn?: AuthenticatorChain;
  fields: FieldTracker;
  /** Unknown-field detection for fieldValidation (from the OpenAPI schemas). */
  findUnknownFields?: (
    gvk: { group: string; version: string; kind: string },
    obj: KubeObject,
  ) => string[];
}

export interface ResourceRequest {
  ctx: RequestContext;
  info: RequestInfo;
  def: ResourceDef;
  parts: ServerParts;
  query: URLSearchParams;
}

export function selectorsFrom(query: URLSearchParams): {
  labelSelector?: ReturnType<typeof parseLabelSelector>;
  fieldSelector?: ReturnType<typeof parseFieldSelector>;
} {
  const out: ReturnType<typeof selectorsFrom> = {};
  const l = query.get('labelSelector');
  if (l) out.labelSelector = parseLabelSelector(l);
  const f = query.get('fieldSelector');
  if (f) out.fieldSelector = parseFieldSelector(f);
  return out;
}

export function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid ${name} parameter: ${JSON.stringify(v)}`);
  return n;
}

export const isDryRun = (query: URLSearchParams): boolean => query.getAll('dryRun').includes('All');
