// Walks the error catalog: every constructor builds a Status whose reason and code agree as
// in apimachinery's StatusReason table (how the server writes each one: respond_test.ts).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as catalog from './errors.js';
import { ApiError, type StatusReason } from './errors.js';
import { SAMPLES, constructors } from '../../test/support/error-catalog.js';

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

it('the catalog words the two refusals the registry makes as kube-apiserver words them', () => {
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
  assert.deepEqual(
    catalog.generatedNameTaken({ group: 'apps', resource: 'deployments' }, 'web-x7k2p').toStatus()
      .details,
    {
      name: 'web-x7k2p',
      group: 'apps',
      kind: 'deployments',
    },
  );
});
