// What every resource handler receives.

import type { ResourceTable } from '../../api/registry.js';
import type { FieldError, KubeObject, ResourceDef } from '../../api/types.js';
import { badRequest, invalid } from '../../api/errors.js';
import { parseFieldSelector, parseLabelSelector } from '../../api/labels.js';
import type { Registry } from '../registry/generic.js';
import type { RequestInfo } from '../request-info.js';
import type { RequestContext } from '../types.js';
import type { AuthorizerChain } from '../auth/authz.js';
import type { AuthenticatorChain } from '../auth/authn.js';
import type { FieldTracker } from '../fields.js';
import { addWarnings } from '../negotiate.js';

export interface ServerParts {
  table: ResourceTable;
  registry: Registry;
  authz: AuthorizerChain;
  /** For TokenReview: authenticates a presented token. */
  authn?: AuthenticatorChain;
  fields: FieldTracker;
  /** Validating admission of writes (e.g. who may approve or sign a CSR). */
  admission?: ValidatingAdmission;
  /** Unknown-field detection for fieldValidation (from the OpenAPI schemas). */
  findUnknownFields?: (
    gvk: { group: string; version: string; kind: string },
    obj: KubeObject,
  ) => string[];
  /** Decoding type errors against the same schemas, in encoding/json's words. */
  findTypeError?: (
    gvk: { group: string; version: string; kind: string },
    obj: KubeObject,
  ) => string | undefined;
  /**
   * Checks a create or update as decoded and defaulted, before validation (RBAC's
   * escalation prevention); throws the Status to send.
   */
  admitWrite?: (r: ResourceRequest, obj: KubeObject, old: KubeObject | undefined) => void;
}

/** A write as validating admission plugins see it, after the strategy has prepared it. */
export interface AdmissionAttributes {
  user: RequestContext['user'];
  def: ResourceDef;
  subresource: string;
  object: KubeObject;
  /** The stored object, for updates. */
  old: KubeObject | undefined;
}

export type ValidatingAdmission = (a: AdmissionAttributes) => void;

/** The requester and the admission check, for the registry's write options. */
export function admissionOptions(r: ResourceRequest): {
  user: RequestContext['user'];
  admit: (obj: KubeObject, old: KubeObject | undefined) => void;
} {
  return {
    user: r.ctx.user,
    admit: (object, old) => {
      r.parts.admission?.({
        user: r.ctx.user,
        def: r.def,
        subresource: r.info.subresource,
        object,
        old,
      });
      if (!r.info.subresource)
        addWarnings(r.ctx.warnings, r.def.strategy.warnings?.(object, old) ?? []);
    },
  };
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

/** The request's selectors, refusing field labels the kind cannot select on. */
export function selectorsFor(r: ResourceRequest): ReturnType<typeof selectorsFrom> {
  const sel = selectorsFrom(r.query);
  const supported = r.parts.registry.selectableFields(r.def);
  for (const f of sel.fieldSelector ?? [])
    if (!supported.has(f.field)) throw badRequest(`field label not supported: ${f.field}`);
  return sel;
}

/** ListOptions validation (resourceVersionMatch, sendInitialEvents), as kube-apiserver's. */
export function checkListOptions(query: URLSearchParams, watch: boolean): void {
  const match = query.get('resourceVersionMatch') ?? '';
  const rv = query.get('resourceVersion') ?? '';
  const cont = query.get('continue') ?? '';
  const initial = query.get('sendInitialEvents');
  const errs: FieldError[] = [];
  const forbid = (field: string, detail: string): number =>
    errs.push({ type: 'FieldValueForbidden', field, detail });
  if (watch) {
    if (initial !== null && match !== 'NotOlderThan')
      forbid(
        'resourceVersionMatch',
        'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      );
    if (match) {
      if (initial === null)
        forbid(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
        );
      if (match !== 'NotOlderThan')
        errs.push({
          type: 'FieldValueNotSupported',
          field: 'resourceVersionMatch',
          badValue: match,
          supported: ['NotOlderThan'],
        });
      if (cont)
        forbid(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden when continue is provided',
        );
    }
  } else {
    if (match) {
      if (!rv)
        forbid(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden unless resourceVersion is provided',
        );
      if (cont)
        forbid(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden when continue is provided',
        );
      if (match !== 'Exact' && match !== 'NotOlderThan')
        errs.push({
          type: 'FieldValueNotSupported',
          field: 'resourceVersionMatch',
          badValue: match,
          supported: ['Exact', 'NotOlderThan', ''],
        });
      if (match === 'Exact' && rv === '0')
        forbid(
          'resourceVersionMatch',
          'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        );
    }
    if (initial !== null) forbid('sendInitialEvents', 'sendInitialEvents is forbidden for list');
  }
  if (errs.length) throw invalid('ListOptions', 'meta.k8s.io', '', errs);
}

const MAX_UINT64 = 2n ** 64n - 1n;

/**
 * Refuses a `resourceVersion` that is no unsigned integer, with kube-apiserver's message (its
 * storage parses it with strconv.ParseUint); "" and "0" mean "any".
 */
export function checkResourceVersionParam(query: URLSearchParams): void {
  const rv = query.get('resourceVersion');
  if (rv === null || rv === '') return;
  const digits = /^\d+$/.test(rv);
  if (digits && BigInt(rv) <= MAX_UINT64) return;
  const q = JSON.stringify(rv);
  throw badRequest(
    `invalid resource version: resourceVersion: Invalid value: ${q}: strconv.ParseUint: parsing ${q}: ${digits ? 'value out of range' : 'invalid syntax'}`,
  );
}

export function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid ${name} parameter: ${JSON.stringify(v)}`);
  return n;
}

export const isDryRun = (query: URLSearchParams): boolean => query.getAll('dryRun').includes('All');

const OPTIONS_KIND: Record<string, string> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
  delete: 'DeleteOptions',
  deletecollection: 'DeleteOptions',
};

/** Refuses dryRun values other than `All`, as the options validation of each write verb does. */
export function checkDryRun(query: URLSearchParams, verb: string): void {
  const values = query.getAll('dryRun');
  const kind = OPTIONS_KIND[verb];
  if (!kind || values.every((v) => v === 'All')) return;
  throw invalid(kind, 'meta.k8s.io', '', [
    { type: 'FieldValueNotSupported', field: 'dryRun', badValue: values, supported: ['All'] },
  ]);
}
