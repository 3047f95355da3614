// Walks the error catalog: every constructor builds a Status whose reason and code agree as
// in apimachinery's StatusReason table, and whose body, written as the server writes it,
// ends with a newline.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as catalog from './errors.js';
import { ApiError, type StatusReason } from './errors.js';
import { errorResponse } from '../apiserver/respond.js';

/** metav1.StatusReason → the HTTP code kube-apiserver answers it with. */
const CODE_OF_REASON: Record<Exclude<StatusReason, ''>, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

const pods = { group: '', resource: 'pods' };
const deployments = { group: 'apps', resource: 'deployments' };

/** Arguments for each constructor; a constructor missing here fails the walk. */
const SAMPLES: Record<string, unknown[][]> = {
  notFound: [
    [pods, 'web'],
    [deployments, 'web'],
  ],
  alreadyExists: [[pods, 'web']],
  generatedNameTaken: [
    [pods, 'web-x7k2p'],
    [deployments, 'web-x7k2p'],
  ],
  conflict: [[deployments, 'web', catalog.OPTIMISTIC_LOCK_MESSAGE]],
  applyConflict: [[[{ reason: 'FieldManagerConflict', field: '.spec' }], 'Apply failed']],
  badRequest: [['bad']],
  unauthorized: [[]],
  notFoundGeneric: [[]],
  methodNotSupported: [[pods, 'create']],
  methodNotAllowed: [[]],
  methodNotAllowedWithMessage: [['patch is not supported on scale']],
  notAcceptable: [['only application/json']],
  unsupportedMediaType: [['text/csv']],
  unsupportedMediaTypeWithMessage: [['protobuf field 99 is not supported']],
  requestEntityTooLarge: [['Request entity too large: too many operations']],
  tooLarge: [[]],
  expired: [['too old resource version: 1 (5)']],
  gone: [['too old resource version: 1 (5)']],
  tooManyRequests: [['too many requests, please try again later', 1]],
  internalError: [[new Error('boom')], ['boom']],
  serviceUnavailable: [['not ready']],
  timeout: [['request did not complete within 60s']],
  tooLargeResourceVersion: [[12, 10]],
  forbidden: [
    [pods, 'web', 'User "x" cannot get resource "pods"'],
    [pods, undefined, 'no'],
  ],
  forbiddenPath: [['system:anonymous', 'get', '/logs']],
  invalid: [
    ['Pod', '', 'web', [{ type: 'FieldValueRequired', field: 'spec.containers' }]],
    ['Deployment', 'apps', 'web', []],
  ],
  invalidWithMessage: [['the patched document is not a JSON object'], ['x', { causes: [] }]],
};

/** The catalog's constructors: exported functions that build an ApiError. */
const NOT_CONSTRUCTORS = new Set(['fieldErrorBody', 'fieldErrorText']);
const constructors = Object.entries(catalog).filter(
  ([name, v]) => typeof v === 'function' && v !== ApiError && !NOT_CONSTRUCTORS.has(name),
) as [string, (...args: unknown[]) => unknown][];

it('every catalog constructor has sample arguments here', () => {
  assert.ok(constructors.length >= 20, `only ${constructors.length} constructors found`);
  assert.deepEqual(
    constructors.map(([name]) => name).filter((name) => !(name in SAMPLES)),
    [],
  );
  assert.deepEqual(
    Object.keys(SAMPLES).filter((name) => !constructors.some(([n]) => n === name)),
    [],
  );
});

it('every constructor yields a Failure Status whose reason and code agree as in kube', () => {
  for (const [name, build] of constructors) {
    for (const args of SAMPLES[name] ?? []) {
      const err = build(...args);
      assert.ok(err instanceof ApiError, `${name} builds an ApiError`);
      const s = err.toStatus();
      assert.equal(s.kind, 'Status', name);
      assert.equal(s.apiVersion, 'v1', name);
      assert.deepEqual(s.metadata, {}, name);
      assert.equal(s.status, 'Failure', name);
      assert.ok(s.reason, `${name} has a reason`);
      assert.equal(s.code, CODE_OF_REASON[s.reason as Exclude<StatusReason, ''>], name);
      assert.equal(s.code, err.code, name);
      assert.ok(s.message, `${name} has a message`);
    }
  }
});

it('every constructor is written as its Status, code and all, ending with a newline', () => {
  for (const [name, build] of constructors) {
    for (const args of SAMPLES[name] ?? []) {
      const err = build(...args) as ApiError;
      const res = errorResponse(err);
      assert.equal(res.status, err.code, name);
      assert.equal(res.headers['content-type'], 'application/json', name);
      const body = String(res.body);
      assert.ok(body.endsWith('}\n'), `${name}: body ends with a newline`);
      assert.deepEqual(JSON.parse(body), err.toStatus(), name);
    }
  }
});

it('a Retry-After header carries retryAfterSeconds', () => {
  const res = errorResponse(catalog.tooManyRequests('slow down', 3));
  assert.equal(res.headers['retry-after'], '3');
});

it('the catalog words the two refusals the registry still builds by hand as it does', () => {
  assert.deepEqual(catalog.tooLargeResourceVersion(12, 10).toStatus(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Timeout: Too large resource version: 12, current: 10',
    reason: 'Timeout',
    details: {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    },
    code: 504,
  });
  assert.deepEqual(catalog.generatedNameTaken(deployments, 'web-x7k2p').toStatus().details, {
    name: 'web-x7k2p',
    group: 'apps',
    kind: 'deployments',
  });
});
