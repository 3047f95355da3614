// The one place API errors are defined. Each constructor mirrors apimachinery's
// pkg/api/errors; `toStatus()` is the only translation to the wire format.

import type { FieldError } from './types.js';
import { GoLiteral } from './go-literal.js';
import { GoBytes } from './gobytes.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | '';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;
  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      // An unknown reason is omitted, as Go's omitempty does.
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
    return s;
  }
}

/** A resource with its group, for messages: `pods` or `deployments.apps`. */
export interface GroupResource {
  group: string;
  resource: string;
}

const qualified = (gr: GroupResource): string =>
  gr.group ? `${gr.resource}.${gr.group}` : gr.resource;

function detailsFor(gr: GroupResource, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name !== undefined) d.name = name;
  if (gr.group) d.group = gr.group;
  d.kind = gr.resource;
  return d;
}

export const notFound = (gr: GroupResource, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${qualified(gr)} "${name}" not found`, detailsFor(gr, name));

export const alreadyExists = (gr: GroupResource, name: string): ApiError =>
  new ApiError(
    409,
    'AlreadyExists',
    `${qualified(gr)} "${name}" already exists`,
    detailsFor(gr, name),
  );

/** 409 when a name made from generateName was taken (kube's store retries no further). */
export const generatedNameTaken = (gr: GroupResource, name: string): ApiError =>
  new ApiError(
    409,
    'AlreadyExists',
    `${qualified(gr)} "${name}" already exists, the server was not able to generate a unique name for the object`,
    detailsFor(gr, name),
  );

export const conflict = (gr: GroupResource, name: string, why: string): ApiError =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`,
    detailsFor(gr, name),
  );

/** 409 from a server-side apply whose fields other managers own (kube's NewApplyConflict). */
export const applyConflict = (causes: StatusCause[], message: string): ApiError =>
  new ApiError(409, 'Conflict', message, { causes });

export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

export const unauthorized = (): ApiError => new ApiError(401, 'Unauthorized', 'Unauthorized');

/** kube's generic 404 for a path or resource the server does not serve. */
export const NOT_FOUND_MESSAGE = 'the server could not find the requested resource';

export const notFoundGeneric = (): ApiError => new ApiError(404, 'NotFound', NOT_FOUND_MESSAGE, {});

export const methodNotSupported = (gr: GroupResource, verb: string): ApiError =>
  new ApiError(
    405,
    'MethodNotAllowed',
    `${verb} is not supported on resources of kind "${qualified(gr)}"`,
    {
      ...(gr.group ? { group: gr.group } : {}),
      kind: gr.resource,
    },
  );

/** A create refused while a CustomResourceDefinition is being deleted (405, as kube's). */
export const terminatingDefinition = (gr: GroupResource, verb: string): ApiError =>
  new ApiError(
    405,
    'MethodNotAllowed',
    `${verb} not allowed while custom resource definition is terminating`,
    { ...(gr.group ? { group: gr.group } : {}), kind: gr.resource },
  );

/** kube's generic 405, for a method the resource does not serve at that path. */
export const methodNotAllowed = (): ApiError =>
  new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );

/** A 405 worded by the caller (`patch is not supported on scale`), without details. */
export const methodNotAllowedWithMessage = (message: string): ApiError =>
  new ApiError(405, 'MethodNotAllowed', message);

export const notAcceptable = (message: string): ApiError =>
  new ApiError(406, 'NotAcceptable', message);

export const unsupportedMediaType = (contentType: string): ApiError =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
    { causes: [{ message: contentType }] },
  );

/** A 415 worded by the caller (a patch type, a protobuf envelope), without details. */
export const unsupportedMediaTypeWithMessage = (message: string): ApiError =>
  new ApiError(415, 'UnsupportedMediaType', message);

export const requestEntityTooLarge = (message: string): ApiError =>
  new ApiError(413, 'RequestEntityTooLarge', message);

/** The 413 for a body over kube-apiserver's 3 MiB limit. */
export const tooLarge = (): ApiError =>
  requestEntityTooLarge('Request entity too large: limit is 3145728');

/** 410 Expired: a resource version too old to serve (kube's NewResourceExpired). */
export const expired = (message: string): ApiError => new ApiError(410, 'Expired', message);

export const tooManyRequests = (message: string, retryAfterSeconds: number): ApiError =>
  new ApiError(429, 'TooManyRequests', message, { retryAfterSeconds });

export const internalError = (err: unknown): ApiError =>
  new ApiError(
    500,
    'InternalError',
    `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
    { causes: [{ message: err instanceof Error ? err.message : String(err) }] },
  );

export const serviceUnavailable = (message: string): ApiError =>
  new ApiError(503, 'ServiceUnavailable', message);

export const timeout = (message: string): ApiError => new ApiError(504, 'Timeout', message);

/**
 * 504 for a resource version ahead of the store's (kube's NewTooLargeResourceVersionError):
 * the reflector recognises it by its cause and retries after a second.
 */
export const tooLargeResourceVersion = (rv: number, current: number): ApiError =>
  new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${rv}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });

/**
 * Forbidden for a resource request, worded as kube-apiserver's authorizer does:
 * `pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope`.
 */
export function forbidden(gr: GroupResource, name: string | undefined, reason: string): ApiError {
  const subject = name ? `${qualified(gr)} "${name}"` : qualified(gr);
  return new ApiError(403, 'Forbidden', `${subject} is forbidden: ${reason}`, detailsFor(gr, name));
}

export const forbiddenPath = (user: string, verb: string, path: string): ApiError =>
  new ApiError(403, 'Forbidden', `forbidden: User "${user}" cannot ${verb} path "${path}"`, {});

// ---- Invalid: field errors rendered as apimachinery's field.Error.Error() ----

const goStrings = (xs: unknown): string =>
  Array.isArray(xs) ? `[]string{${xs.map((x) => JSON.stringify(x)).join(', ')}}` : '[]string(nil)';

const goStringMap = (m: unknown): string => {
  if (!m || typeof m !== 'object') return 'map[string]string(nil)';
  const o = m as Record<string, string>;
  return `map[string]string{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k])}`)
    .join(', ')}}`;
};

/** A metav1.LabelSelector as Go's %#v prints it. */
function goLabelSelector(v: { matchLabels?: unknown; matchExpressions?: unknown }): string {
  const exprs = Array.isArray(v.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${(
        v.matchExpressions as { key?: string; operator?: string; values?: unknown }[]
      )
        .map(
          (r) =>
            `v1.LabelSelectorRequirement{Key:${JSON.stringify(r.key ?? '')}, Operator:${JSON.stringify(r.operator ?? '')}, Values:${goStrings(r.values)}}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(v.matchLabels)}, MatchExpressions:${exprs}}`;
}

const isLabelSelector = (v: object): boolean => {
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k === 'matchLabels' || k === 'matchExpressions');
};

/** Renders a bad value as Go's %#v would for the common shapes. */
const quote = (v: unknown): string => {
  if (v instanceof GoLiteral) return v.text;
  if (v instanceof GoBytes) return v.toString();
  if (v && typeof v === 'object' && !Array.isArray(v) && isLabelSelector(v))
    return goLabelSelector(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string'))
    return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  if (
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === 'string')
  ) {
    const keys = Object.keys(v).sort();
    return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify((v as Record<string, string>)[k])}`).join(', ')}}`;
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

const TYPE_TEXT: Record<string, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueNotFound: 'Not found',
  InternalError: 'Internal error',
};

/** The text of one field error without the field path. */
export function fieldErrorBody(e: FieldError): string {
  const t = TYPE_TEXT[e.type] ?? 'Invalid value';
  switch (e.type) {
    case 'FieldValueRequired':
    case 'FieldValueForbidden':
    case 'FieldValueTooLong':
    case 'FieldValueTooMany':
    case 'InternalError':
      return e.detail ? `${t}: ${e.detail}` : t;
    case 'FieldValueNotSupported': {
      let s = `${t}: ${quote(e.badValue)}`;
      if (e.supported?.length)
        s += `: supported values: ${e.supported.map((v) => `"${v}"`).join(', ')}`;
      else if (e.detail) s += `: ${e.detail}`;
      return s;
    }
    default: {
      let s = `${t}: ${quote(e.badValue)}`;
      if (e.detail) s += `: ${e.detail}`;
      return s;
    }
  }
}

export const fieldErrorText = (e: FieldError): string => `${e.field}: ${fieldErrorBody(e)}`;

/**
 * The most field errors one response reports. kube-apiserver reports them all; a body of a
 * few MiB with thousands of invalid items would then get an answer of several times its size.
 */
const MAX_REPORTED_FIELD_ERRORS = 100;

/** 422 Invalid: `Pod "bad" is invalid: spec.containers[0].image: Required value`. */
export function invalid(kind: string, group: string, name: string, all: FieldError[]): ApiError {
  const errors = all.slice(0, MAX_REPORTED_FIELD_ERRORS);
  const texts = errors.map(fieldErrorText);
  const joined = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const details: StatusDetails = { name };
  if (group) details.group = group;
  details.kind = kind;
  details.causes = errors.map((e) => ({
    reason: e.type,
    message: fieldErrorBody(e),
    field: e.field,
  }));
  return new ApiError(
    422,
    'Invalid',
    `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${joined}`,
    details,
  );
}

/**
 * 422 Invalid worded by the caller, for what has no object to name: a patch that does not
 * apply, a review without a subject, DeleteOptions.
 */
export const invalidWithMessage = (message: string, details?: StatusDetails): ApiError =>
  new ApiError(422, 'Invalid', message, details);
