// Every Status of the error catalog, written as the server writes it: its code, the Status
// as the body, and a newline at the end (as kube-apiserver's bodies end).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as catalog from '../api/errors.js';
import type { ApiError } from '../api/errors.js';
import { SAMPLES, constructors } from '../../test/support/error-catalog.js';
import { errorResponse } from './respond.js';

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
